/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BENCH_H
#define EXITLAB_BENCH_H

struct agent;

/*
 * The CPUID round trip in L2 under Debian's stock KVM, the patched one with
 * exit_stats=0 and with exit_stats=1, and the peers on stock KVM (a
 * kvm_exit hist trigger, perf kvm stat record: bench_peers.h): one L2 per
 * configuration in the launcher's order, each KVM loaded by load_kvm_as.
 * The bundle's "bench" holds every run, the best per configuration and
 * their ratios.
 */
int bench_run(struct agent *a, int (*load_kvm_as)(struct agent *a, const char *config));

#endif
