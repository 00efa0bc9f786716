/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BOCHS_H
#define EXITLAB_BOCHS_H

#include <stdbool.h>
#include <stddef.h>

#define BOCHS_CPU_MODEL "corei7_haswell_4770"
/* What Bochs allocates of a larger guest's memory at most (memory: host=); it pages the rest. */
#define BOCHS_MAX_HOST_MEMORY_MIB 2048

/*
 * L1 in Bochs, the one L0 here that emulates Intel VMX. libvirt has no Bochs
 * driver, so this runs Bochs itself: a FAT boot disk with syslinux, the L1
 * image as a volatile disk (writes go to a redo log, the image stays
 * pristine), and a raw results disk the agent writes its bundle to.
 */
struct bochs_l1 {
	const char *kernel, *initrd, *l1_image;
	/*
	 * The full chain (exitlab run --l2-full): L2's image as another volatile
	 * disk, and the seed's user-data and meta-data (in seed_dir) on the boot
	 * disk, which is then the seed, volume CIDATA (exitlab/contract.h). NULL:
	 * neither, the minimal L2 the agent starts with QEMU.
	 */
	const char *l2_image, *seed_dir;
	const char *work_dir;    /* boot disk, results disk, bochsrc, logs */
	const char *cmdline;     /* L1's, without root= (added here) */
	unsigned memory_mib, timeout_s;
	const char *console_log; /* L1's serial console */
	const char *bundle_path; /* the bundle from the results disk goes here */
	const char *tool_log;    /* mkfs.fat, syslinux, mcopy, blkid */
	bool (*interrupted)(void);
};

/* Whether Bochs and the tools it needs are installed; if not, why. */
bool bochs_available(char *why, size_t whylen);

/*
 * The results disk (exitlab/contract.h): a raw disk of
 * EXITLAB_RESULTS_DISK_SIZE with the magic at its start, for the agent to
 * find; and what the agent left on it, NUL-terminated at the offset, copied
 * to bundle_path (-ENODATA when it left nothing).
 */
int bochs_results_disk_create(const char *path);
int bochs_results_disk_read(const char *disk, const char *bundle_path);

/*
 * Bochs' configuration for b: the boot disk, the results disk, and the redo
 * logs of L1's (and L2's) volatile disks, Bochs' log. The caller frees it.
 */
char *bochs_config(const struct bochs_l1 *b, const char *boot, const char *results,
		   const char *l1_redolog, const char *l2_redolog, const char *log);

/* Debian's bochs package version, or NULL. */
char *bochs_version(void);

/*
 * Boots L1 until it powers off. 0 when it did, the bundle (if the agent wrote
 * one) in bundle_path; -ETIMEDOUT, -EINTR (Bochs killed, locks removed), or
 * another negative errno, with why.
 */
int bochs_run_l1(const struct bochs_l1 *b, double *ret_seconds, char *why, size_t whylen);

#endif
