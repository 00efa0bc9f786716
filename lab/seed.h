/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_SEED_H
#define EXITLAB_SEED_H

#include <stdbool.h>

/* Where the L2 guest sends its probe output: a virtio-serial port name. */
#define EXITLAB_RESULTS_PORT "org.exitlab.results"
#define EXITLAB_PROBE_PATH "/usr/local/bin/exitlab-probe"

/*
 * Where L1's image carries L2's own kernel and initramfs (images/mkl2boot):
 * L2 runs Debian 13's kernel, L1 Debian 12's patched one.
 */
#define EXITLAB_L2_BOOT_DIR "/usr/local/share/exitlab/l2"
#define EXITLAB_L2_KERNEL EXITLAB_L2_BOOT_DIR "/vmlinuz"
#define EXITLAB_L2_INITRAMFS EXITLAB_L2_BOOT_DIR "/initramfs.img"

/*
 * What one boot of L1 leaves for the next: libvirt's QEMU capabilities
 * cache, which libvirtd in L1 otherwise rebuilds by probing QEMU (~90 s under
 * nested TCG) on every boot of the same image. The agent sends the files in
 * its bundle ("l1_state"); L0 keeps them as a tar archive beside the images,
 * for that image only, and attaches it to later boots as a raw disk, vdd.
 */
#define EXITLAB_L1_STATE_DEVICE "/dev/vdd"
#define EXITLAB_LIBVIRT_CAPS_DIR "/var/cache/libvirt/qemu/capabilities"

/* The TCP port in L1 that L2's network I/O goes to (QEMU user networking: 10.0.2.2). */
#define EXITLAB_NET_SINK_PORT 7777

/*
 * What L2 does after boot (images/l2-files/usr/local/sbin/exitlab-phases):
 * a checked interval, idle, I/O, a reboot. Zero means the default.
 */
struct seed_phases {
	unsigned check_s;     /* the interval L1's trace checks (default 5) */
	unsigned idle_s;      /* default 15 */
	unsigned io_disk_mib; /* written and read back with O_DIRECT (default 32) */
	unsigned io_net_mib;  /* sent to L1 over TCP (default 16) */
};

#define SEED_PHASES_DEFAULT { .check_s = 5, .idle_s = 15, .io_disk_mib = 32, .io_net_mib = 16 }

struct seed_config {
	const char *run_id;
	struct seed_phases phases;
};

/* A run id names files and domains: [A-Za-z0-9._-], 1..64 chars, not starting with '.'. */
bool run_id_valid(const char *id);

/*
 * cloud-init NoCloud documents. user-data is "#cloud-config" followed by JSON,
 * which is YAML too, so every string is escaped by a JSON library.
 */
int seed_user_data(const struct seed_config *cfg, char **ret_text);
int seed_meta_data(const struct seed_config *cfg, char **ret_text);

/* Writes user-data and meta-data into dir and packs them into iso_path (volume "cidata"). */
int seed_build_iso(const struct seed_config *cfg, const char *dir, const char *iso_path,
		   const char *log_path);

#endif
