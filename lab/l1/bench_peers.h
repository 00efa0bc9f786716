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
 * per-reason count an admin can set up without any patch.
 */

/* Whether the bench configuration is a peer, which runs on stock KVM. */
bool bench_peer_is(const char *config);

/* Arms the peer's counting, after its KVM is loaded and before L2 starts. */
int bench_peer_begin(struct agent *a, const char *config);

/*
 * Disarms it once L2 has stopped, before KVM is unloaded, and records in
 * run what it counted (the hist trigger's hits: evidence that it ran).
 */
int bench_peer_end(struct agent *a, const char *config, struct json_object *run);

#endif
