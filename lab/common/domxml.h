/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_DOMXML_H
#define EXITLAB_DOMXML_H

#include <stdbool.h>

enum dom_accel {
	DOM_ACCEL_TCG, /* libvirt type 'qemu': software emulation */
	DOM_ACCEL_KVM,
};

enum dom_cpu {
	DOM_CPU_EPYC_SVM,  /* EPYC model with SVM required: nested SVM under TCG */
	DOM_CPU_HOST,      /* host-passthrough: whatever the hypervisor below offers */
};

struct dom_disk {
	const char *path;
	const char *format; /* "raw", "qcow2" */
	const char *target; /* "vda" */
	bool block;         /* a block device, not a file */
	bool readonly;
};

struct dom_channel {
	const char *name; /* virtio-serial port name seen by the guest */
	const char *path; /* file on the host side */
};

#define DOM_MAX_DISKS 4
#define DOM_MAX_CHANNELS 2

struct dom_config {
	const char *name;
	enum dom_accel accel;
	enum dom_cpu cpu;
	unsigned memory_mib;
	unsigned vcpus;
	const char *vcpu_cpuset; /* host CPUs the vCPUs may run on ("1-3"); NULL: any */
	const char *kernel, *initrd, *cmdline;
	struct dom_disk disks[DOM_MAX_DISKS];
	unsigned n_disks;
	struct dom_channel channels[DOM_MAX_CHANNELS];
	unsigned n_channels;
	const char *console_log; /* serial console written to this file */
	const char *emulator;    /* NULL: libvirt's default */
	bool user_network;       /* a virtio NIC on QEMU's user network: the host is 10.0.2.2 */
	bool reboot_in_place;    /* a guest reboot resets it inside the same QEMU (same KVM VM) */
	unsigned tcg_tb_cache_mib; /* TCG's translation cache; 0: QEMU's default (1 GiB in 7.2) */
	const char *firmware_rom; /* a BIOS ROM (libvirt's <loader type='rom'>); NULL: SeaBIOS */
};

/*
 * qboot, the minimal BIOS Debian's qemu-system-data ships: it loads the
 * kernel QEMU was given straight from fw_cfg, where SeaBIOS enumerates and
 * initialises every device first (seconds under emulation, L2's whole
 * firmware stage). Direct kernel boot is all the lab's guests do.
 */
#define DOM_QBOOT_ROM "/usr/share/qemu/qboot.rom"

/* DOM_QBOOT_ROM if this machine has it, else NULL (SeaBIOS). */
const char *dom_qboot_rom(void);

/* Domain XML for cfg, or -EINVAL when cfg lacks something libvirt needs. */
int dom_config_to_xml(const struct dom_config *cfg, char **ret_xml);

#endif
