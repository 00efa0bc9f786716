// SPDX-License-Identifier: GPL-2.0-only
#include "bochs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitlab/contract.h"
#include "child.h"
#include "util.h"

#define BOCHS_BIOS "/usr/share/bochs/BIOS-bochs-latest"
#define BOCHS_VGABIOS "/usr/share/vgabios/vgabios.bin"

static bool in_path(const char *program)
{
	_cleanup_free_ char *cmd = xasprintf("command -v %s >/dev/null", program);
	char *argv[] = { "sh", "-c", cmd, NULL };

	return run_command(argv, NULL) == 0;
}

bool bochs_available(char *why, size_t whylen)
{
	static const char *const programs[] = { "bochs", "mkfs.fat", "syslinux", "mcopy", "blkid" };
	static const char *const files[] = { BOCHS_BIOS, BOCHS_VGABIOS };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(programs); i++) {
		if (!in_path(programs[i])) {
			snprintf(why, whylen, "%s is not installed (Debian packages bochs, bochsbios, "
				 "vgabios, dosfstools, syslinux, mtools)", programs[i]);
			return false;
		}
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (!file_exists(files[i])) {
			snprintf(why, whylen, "%s is missing (Debian packages bochsbios, vgabios)",
				 files[i]);
			return false;
		}
	}
	return true;
}

char *bochs_version(void)
{
	char *argv[] = { "dpkg-query", "-W", "-f=${Version}", "bochs", NULL };
	char *out = NULL;

	if (capture_command(argv, &out) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int tool(const struct bochs_l1 *b, char *const argv[])
{
	int r = run_command(argv, b->tool_log);

	return r == 0 ? 0 : (r < 0 ? r : -EIO);
}

/* The FAT disk syslinux boots L1's kernel and initrd from. */
static int make_boot_disk(const struct bochs_l1 *b, const char *path, const char *root_uuid)
{
	_cleanup_free_ char *cfg_path = xasprintf("%s/syslinux.cfg", b->work_dir);
	_cleanup_free_ char *cfg = NULL, *kib = NULL;
	struct stat sk, si;
	int r;

	if (stat(b->kernel, &sk) < 0 || stat(b->initrd, &si) < 0)
		return -errno;
	/* Room for both files and FAT's own overhead. */
	kib = xasprintf("%lld", (long long)((sk.st_size + si.st_size) / 1024 + 16384));
	cfg = xasprintf("SERIAL 0 115200\nDEFAULT l1\nPROMPT 0\nTIMEOUT 0\nLABEL l1\n"
			"  KERNEL vmlinuz\n  APPEND initrd=initrd.img root=UUID=%s %s\n",
			root_uuid, b->cmdline);
	r = write_file_atomic(cfg_path, cfg, strlen(cfg));
	if (r < 0)
		return r;
	(void)unlink(path);
	{
		/* The seed's volume name, which cloud-init's NoCloud looks for, when it is one. */
		char *mkfs[] = { "mkfs.fat", "-C", "-n", b->seed_dir ? "CIDATA" : "EXITLAB",
				 (char *)path, kib, NULL };
		char *install[] = { "syslinux", "--install", (char *)path, NULL };
		char *copy_kernel[] = { "mcopy", "-i", (char *)path, (char *)b->kernel, "::/vmlinuz",
					NULL };
		char *copy_initrd[] = { "mcopy", "-i", (char *)path, (char *)b->initrd, "::/initrd.img",
					NULL };
		char *copy_cfg[] = { "mcopy", "-i", (char *)path, cfg_path, "::/syslinux.cfg", NULL };

		r = tool(b, mkfs);
		if (r == 0)
			r = tool(b, install);
		if (r == 0)
			r = tool(b, copy_kernel);
		if (r == 0)
			r = tool(b, copy_initrd);
		if (r == 0)
			r = tool(b, copy_cfg);
	}
	if (r == 0 && b->seed_dir) {
		_cleanup_free_ char *ud = xasprintf("%s/user-data", b->seed_dir);
		_cleanup_free_ char *md = xasprintf("%s/meta-data", b->seed_dir);
		char *copy_seed[] = { "mcopy", "-i", (char *)path, ud, md, "::/", NULL };

		r = tool(b, copy_seed);
	}
	return r;
}

int bochs_results_disk_create(const char *path)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, EXITLAB_RESULTS_DISK_SIZE) < 0)
		return -errno;
	r = write_all(fd, EXITLAB_RESULTS_DISK_MAGIC, strlen(EXITLAB_RESULTS_DISK_MAGIC));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r;
}

int bochs_results_disk_read(const char *disk, const char *bundle_path)
{
	_cleanup_free_ char *data = NULL;
	size_t len, n;

	if (read_file(disk, &data, &len) < 0 || len <= EXITLAB_RESULTS_DISK_OFFSET)
		return -ENODATA;
	n = strnlen(data + EXITLAB_RESULTS_DISK_OFFSET, len - EXITLAB_RESULTS_DISK_OFFSET);
	if (n == 0)
		return -ENODATA;
	return write_file_atomic(bundle_path, data + EXITLAB_RESULTS_DISK_OFFSET, n);
}

static int root_uuid(const struct bochs_l1 *b, char **ret_uuid)
{
	char *argv[] = { "blkid", "-o", "value", "-s", "UUID", (char *)b->l1_image, NULL };
	char *out = NULL;

	if (capture_command(argv, &out) != 0 || !out || !*out) {
		free(out);
		return -ENODEV;
	}
	*ret_uuid = out;
	return 0;
}

/* Bochs leaves "<disk>.lock" behind when it is killed, and then refuses the disk. */
static void remove_locks(const char *const disks[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!disks[i])
			continue;
		_cleanup_free_ char *lock = xasprintf("%s.lock", disks[i]);

		(void)unlink(lock);
	}
}

char *bochs_config(const struct bochs_l1 *b, const char *boot, const char *results,
		   const char *l1_redolog, const char *l2_redolog, const char *log)
{
	/* The seed and L2's root say what they are by their model (exitlab/contract.h). */
	_cleanup_free_ char *boot_model =
		b->seed_dir ? xasprintf(", model=\"%s\"", EXITLAB_SEED_DISK_MODEL) : strdup("");
	_cleanup_free_ char *l2_disk =
		b->l2_image ? xasprintf("ata1-slave: type=disk, path=\"%s\", mode=volatile, "
					"journal=\"%s\", model=\"%s\"\n",
					b->l2_image, l2_redolog, EXITLAB_L2_ROOT_DISK_MODEL)
			    : strdup("");

	/*
	 * headless (rfb without waiting for a viewer), instruction-counted time
	 * (clock sync=none), unknown MSRs ignored as real hardware would not be.
	 */
	return xasprintf(
		"plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=1, parallel=0, serial=1, "
		"e1000=0, ne2k=0, pcipnic=0, sb16=0, es1370=0, usb_uhci=0, usb_ohci=0, usb_ehci=0, "
		"usb_xhci=0\n"
		"config_interface: textconfig\n"
		"display_library: rfb, options=\"timeout=0\"\n"
		"memory: guest=%u, host=%u\n"
		"romimage: file=" BOCHS_BIOS "\n"
		"vgaromimage: file=" BOCHS_VGABIOS "\n"
		"cpu: model=" BOCHS_CPU_MODEL ", count=1, ips=200000000, reset_on_triple_fault=0, "
		"ignore_bad_msrs=1\n"
		"pci: enabled=1, chipset=i440fx\n"
		"ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14\n"
		"ata0-master: type=disk, path=\"%s\", mode=flat%s\n"
		"ata0-slave: type=disk, path=\"%s\", mode=volatile, journal=\"%s\"\n"
		"ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15\n"
		"ata1-master: type=disk, path=\"%s\", mode=flat\n"
		"%s"
		"boot: disk\n"
		"clock: sync=none, time0=utc\n"
		"com1: enabled=1, mode=file, dev=\"%s\"\n"
		"log: \"%s\"\n"
		"panic: action=fatal\n"
		"error: action=ignore\n"
		"info: action=ignore\n"
		"debug: action=ignore\n",
		b->memory_mib, b->memory_mib < BOCHS_MAX_HOST_MEMORY_MIB ? b->memory_mib
									 : BOCHS_MAX_HOST_MEMORY_MIB,
		boot, boot_model, b->l1_image, l1_redolog, results,
		l2_disk, b->console_log, log);
}

int bochs_run_l1(const struct bochs_l1 *b, double *ret_seconds, char *why, size_t whylen)
{
	_cleanup_free_ char *boot = xasprintf("%s/boot.img", b->work_dir);
	_cleanup_free_ char *results = xasprintf("%s/results.img", b->work_dir);
	_cleanup_free_ char *redolog = xasprintf("%s/l1.redolog", b->work_dir);
	_cleanup_free_ char *l2_redolog = xasprintf("%s/l2.redolog", b->work_dir);
	_cleanup_free_ char *rc = xasprintf("%s/bochs.rc", b->work_dir);
	_cleanup_free_ char *rc_path = xasprintf("%s/bochsrc", b->work_dir);
	_cleanup_free_ char *log = xasprintf("%s/bochs.log", b->work_dir);
	_cleanup_free_ char *out = xasprintf("%s/bochs.out", b->work_dir);
	_cleanup_free_ char *config = NULL, *uuid = NULL;
	const char *disks[] = { boot, results, b->l1_image, b->l2_image };
	struct child_wait_opts wo = {
		.label = "L1 (Bochs)",
		.timeout_s = b->timeout_s,
		.progress_s = 30,
		.progress_log = b->console_log,
		.interrupted = b->interrupted,
	};
	/* Debian's Bochs has its debugger on: it waits for a command before it runs. */
	static const char debugger_commands[] = "c\nquit\n";
	char *argv[] = { "bochs", "-q", "-f", rc_path, "-rc", rc, NULL };
	pid_t pid;
	int r;

	r = root_uuid(b, &uuid);
	if (r < 0) {
		snprintf(why, whylen, "cannot read the filesystem UUID of %s (blkid)", b->l1_image);
		return r;
	}
	r = make_boot_disk(b, boot, uuid);
	if (r < 0) {
		snprintf(why, whylen, "cannot build the Bochs boot disk (see %s)", b->tool_log);
		return r;
	}
	r = bochs_results_disk_create(results);
	config = bochs_config(b, boot, results, redolog, l2_redolog, log);
	if (r == 0)
		r = write_file_atomic(rc_path, config, strlen(config));
	if (r == 0)
		r = write_file_atomic(rc, debugger_commands, strlen(debugger_commands));
	if (r < 0) {
		snprintf(why, whylen, "cannot write Bochs' files in %s: %s", b->work_dir,
			 strerror(-r));
		return r;
	}
	(void)unlink(b->bundle_path);
	(void)unlink(b->console_log);
	(void)unlink(redolog);
	(void)unlink(l2_redolog);
	(void)unlink(log);
	(void)unlink(out);
	remove_locks(disks, ARRAY_SIZE(disks));

	r = child_spawn(argv, out, &pid);
	if (r < 0) {
		snprintf(why, whylen, "cannot run bochs: %s", strerror(-r));
		return r;
	}
	r = child_wait(pid, &wo, ret_seconds);
	remove_locks(disks, ARRAY_SIZE(disks));
	(void)unlink(redolog);
	(void)unlink(l2_redolog);
	if (r == -ETIMEDOUT) {
		snprintf(why, whylen, "L1 did not finish within %u s; killed Bochs", b->timeout_s);
		return r;
	}
	if (r == -EINTR) {
		snprintf(why, whylen, "interrupted");
		return r;
	}
	if (r < 0) {
		snprintf(why, whylen, "waiting for Bochs failed: %s", strerror(-r));
		return r;
	}
	if (bochs_results_disk_read(results, b->bundle_path) < 0) {
		_cleanup_free_ char *tail = file_tail(out, 3);

		snprintf(why, whylen, "Bochs stopped (status %d) and L1 wrote no results%s%s", r,
			 tail ? "; Bochs said: " : "", tail ? tail : "");
		return -ENODATA;
	}
	(void)unlink(results);
	(void)unlink(boot);
	return 0;
}
