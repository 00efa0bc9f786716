/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_L2_LAUNCHER_H
#define EXITLAB_L2_LAUNCHER_H

#include <json-c/json.h>

struct agent;

/*
 * One way of starting L2 inside L1: through libvirt (systemd, cloud-init,
 * the phases) or with QEMU directly, the probe as init (under Bochs, where
 * libvirt's start-up alone takes minutes). The agent's sequence is the
 * same for both.
 */
struct l2_launcher {
	const char *name;
	/* The agent's step names: starting what L2 needs (NULL: no step), and L2's run. */
	const char *start_step, *run_step;
	/* What L2 needs in L1 first (libvirt: its daemons). 0, or after agent_fail(). */
	int (*start)(struct agent *a);
	/*
	 * The run's L2, until it stops by itself; what it was in l2 (its kernel
	 * among it), its probe
	 * output in paths->l2_results. 0, -ETIMEDOUT, -EINTR, or another negative
	 * errno after agent_fail() when it could not run.
	 */
	int (*run_l2)(struct agent *a, struct json_object *l2, double *ret_seconds);
	/*
	 * One bench L2 under the KVM loaded now, whose init is the probe's CPUID
	 * loop printing its figure on the console at console_path. 0, or after
	 * agent_fail().
	 */
	int (*run_bench_l2)(struct agent *a, const char *config, const char *console_path);
	/* The bench's order of configurations (indexes into stock, off, on, hist, perf). */
	const unsigned *bench_order;
	unsigned n_bench_order;
	unsigned bench_iterations;
	const char *bench_clock;
	/* Releases what start() opened (NULL: nothing). */
	void (*stop)(struct agent *a);
};

extern const struct l2_launcher l2_through_libvirt;
extern const struct l2_launcher l2_direct_qemu;

#endif
