/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_ACCEL_H
#define EXITLAB_ACCEL_H

#include <libvirt/libvirt.h>

#include "domxml.h"

enum accel_request {
	ACCEL_AUTO,
	ACCEL_FORCE_KVM,
	ACCEL_FORCE_TCG,
};

struct accel_choice {
	enum dom_accel accel;
	enum dom_cpu cpu;
	/* The vendor module L1's agent loads: L1 sees the host's vendor through
	 * host-passthrough, and AMD's under TCG (EPYC). */
	const char *vendor_module;
	char why[512];
};

/*
 * What the accelerator decision reads from the host, recorded so that the
 * decision can be tested without the host: the text of /proc/cpuinfo, the
 * contents of /sys/module/kvm_intel/parameters/nested and
 * /sys/module/kvm_amd/parameters/nested (NULL when the file is missing),
 * and whether a trial KVM guest ran (and why not).
 */
struct host_facts {
	const char *cpuinfo;        /* NULL: unreadable */
	const char *nested_intel;   /* "Y", "N" (bool parameter), NULL: missing */
	const char *nested_amd;     /* "1", "0" (int parameter in 6.1), NULL: missing */
	bool kvm_trial_ran;
	const char *kvm_trial_why;  /* why the trial failed, when it did */
	/* virConnectGetCapabilities(), NULL: not read. Never decides (libvirt lists
	 * domain type kvm where QEMU cannot use /dev/kvm); it only explains a
	 * failed trial. */
	const char *libvirt_caps;
};

/* 1 when the capabilities offer x86_64 hvm guests of domain type kvm, 0 if not,
 * -EINVAL for XML that cannot be read. */
int caps_offer_kvm(const char *caps_xml);

/* "kvm_intel" for GenuineIntel, "kvm_amd" for AuthenticAMD (or HygonGenuine), else NULL. */
const char *kvm_vendor_module(const char *cpuinfo);

/* Whether the first "flags" line of cpuinfo holds flag as a whole word. */
bool cpuinfo_has_flag(const char *cpuinfo, const char *flag);

/*
 * The decision, from facts alone: KVM with host-passthrough only when the
 * trial guest ran and the host offers nested virtualization (vmx with
 * kvm_intel nested Y/1, or svm with kvm_amd nested 1/Y); otherwise TCG with
 * an EPYC CPU and SVM. -ENODEV (why in ret->why) when KVM was forced and
 * cannot be had.
 */
int accel_decide(enum accel_request req, const struct host_facts *f, struct accel_choice *ret);

int accel_request_parse(const char *s, enum accel_request *ret);

/*
 * KVM only where a guest really runs on it and the host offers nested
 * virtualization; otherwise TCG with an emulated SVM CPU. kernel is any
 * bootable kernel for the trial guest.
 */
int accel_choose(virConnectPtr conn, enum accel_request req, const char *kernel,
		 struct accel_choice *ret);

#endif
