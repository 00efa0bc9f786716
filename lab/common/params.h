/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_PARAMS_H
#define EXITLAB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

enum l2_mode {
	L2_MODE_RUN,     /* L2 with systemd and cloud-init, through libvirt */
	L2_MODE_BENCH,   /* CPUID round trips under stock, off and on instead of a run */
	L2_MODE_MINIMAL, /* the probe as L2's only process, QEMU started directly */
	L2_MODE_MINIMAL_BENCH, /* bench with such L2s (Bochs: time counts instructions) */
};

const char *l2_mode_name(enum l2_mode mode);

/* A run id names files and domains: [A-Za-z0-9._-], 1..64 chars, not starting with '.'. */
bool run_id_valid(const char *id);

/* What L0 tells the agent in L1, carried on L1's kernel command line. */
struct l2_params {
	char run_id[65];
	unsigned timeout_s;
	unsigned vcpus;
	unsigned memory_mib;
	unsigned sample_ms; /* L2's sampler interval; 0: no sampler (the observer effect measured) */
	unsigned timeline_ms; /* L1's reads of L2's VM's exit_stats (host_timeline.h); 0: none */
	bool second_vm;     /* another VM beside L2, to show its exits stay out of L2's counts */
	/*
	 * Keep every VM in L1 off L1's CPU 0. Under QEMU's TCG, each FPU state
	 * load on any vCPU rewrites CPU 0's hflags2 from that vCPU's thread
	 * (cpu_clear_ignne()), undoing CPU 0's own concurrent changes of GIF
	 * and nested paging: a CPU 0 that never enters a guest is not hurt.
	 */
	bool spare_cpu0;
	enum l2_mode mode;
};

#define L2_PARAMS_DEFAULT \
	{ .run_id = "manual", .timeout_s = 600, .vcpus = 1, .memory_mib = 1024, .sample_ms = 1000, \
	  .timeline_ms = 100 }

/* "exitlab.contract=1 exitlab.run_id=... exitlab.l2_timeout=..." */
char *l2_params_to_cmdline(const struct l2_params *p);

/*
 * The agent's side of the L0-L1 contract version (exitlab/contract.h): 0, or
 * -EPROTO with the reason in err when L0 passed none or another one.
 */
int contract_check_cmdline(const char *cmdline, char *err, size_t errlen);

/* Reads them back; unknown keys are ignored, bad values are -EINVAL with a reason. */
int l2_params_from_cmdline(const char *cmdline, struct l2_params *ret, char *err, size_t errlen);

/*
 * Extra kernel parameters for L1 (--l1-cmdline), e.g. "kvm_amd.npt=0": words of
 * printable ASCII without quotes, none of the parameters the lab itself sets
 * (root=, init=, console=, exitlab.*). 0, or -EINVAL with the reason in err.
 */
int l1_cmdline_extra_check(const char *extra, char *err, size_t errlen);

/*
 * What tells apart the L1 state kept for one set of KVM module parameters from
 * another's (libvirt's QEMU capabilities depend on them): "" when extra sets
 * none, else "-" and 16 hex digits of a hash of its kvm*. words, sorted. The
 * caller frees it; NULL when out of memory.
 */
char *l1_state_variant(const char *extra);

#endif
