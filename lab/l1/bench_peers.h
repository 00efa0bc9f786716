/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BENCH_PEERS_H
#define EXITLAB_BENCH_PEERS_H

#include <stdbool.h>

struct agent;
struct json_object;

/*
 * The peers of kvm.exit_stats in the bench (issue 17): counting exits with
 * what stock Linux already has. "hist" is Debian's stock KVM with a tracefs
 * hist trigger on kvm:kvm_exit keyed by exit_reason, the in-kernel
 * per-reason count an admin can set up without any patch. "perf" is stock
 * KVM with `perf kvm stat record -a` running over the L2's life, what a
 * researcher would run (its perf.data on L1's tmpfs).
 */

/* Whether the bench configuration is a peer, which runs on stock KVM. */
bool bench_peer_is(const char *config);

/* Arms the peer's counting, after its KVM is loaded and before L2 starts. */
int bench_peer_begin(struct agent *a, const char *config);

/*
 * Disarms it once L2 has stopped, before KVM is unloaded, and, when counted
 * (L2 ran to its end), records in run what it counted: evidence that it ran
 * (the hist trigger's hits, perf's kvm_exit events), failing if nothing.
 * Not counted (L2 failed, the agent is on an error path): only disarms it
 * (perf stopped, killed if need be, and reaped) and returns 0.
 */
int bench_peer_end(struct agent *a, const char *config, struct json_object *run, bool counted);

#endif
