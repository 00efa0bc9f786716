/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_RUN_H
#define EXITLAB_RUN_H

#include "accel.h"
#include "params.h"
#include "run_workloads.h"
#include "seed.h"

struct l0_backend_ops;

/*
 * QEMU 7.2's own 1 GiB fills ~2.3 min into a run and is flushed whole, and
 * every block is translated again; with 2 GiB, 6 runs of the default chain
 * took a median 161.4 s against 171.0 s for 10 with 1 GiB, 2 at once
 * (Welch's t 2.96, 2026-12-02: docs/2026-12-02-fast-chain-3.md).
 */
#define RUN_DEFAULT_TB_CACHE_MIB 2048

struct run_opts {
	/* What runs L1 (backend.h): libvirt with QEMU, or Bochs with emulated VMX. */
	const struct l0_backend_ops *l0;
	const char *uri;
	const char *images_dir;  /* vmlinuz, initrd.img, l1.img, l2.img */
	const char *results_dir; /* results/<run-id>/ goes here */
	const char *work_dir;    /* per-run scratch: overlays, seed image */
	enum accel_request accel;
	unsigned l1_timeout_s, l1_vcpus, l1_memory_mib;
	unsigned tb_cache_mib; /* L1 under TCG: its translation cache; 0: QEMU's default */
	const char *l1_cmdline_extra; /* appended to L1's kernel command line; "" for none */
	unsigned attempts; /* boots of L1 before giving up */
	struct l2_params l2;
	/* --l2-full: under --l0 bochs too, L2 with systemd and cloud-init through libvirt */
	bool l2_full;
	struct seed_phases phases;
	struct run_workloads workloads; /* L2's workload phases, in order */
	const char *report_tool; /* NULL: no report after the run */
};

/* The whole chain from L0: returns a process exit status. */
int run_lab(const struct run_opts *o);

#endif
