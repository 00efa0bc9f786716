/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser of KVM's per-VM exit statistics file,
 * /sys/kernel/debug/kvm/<pid>-<fd>/exit_stats (kvm-patch 0005). The format
 * is the contract written in kvm-patch/README.md ("The host's view").
 */
#ifndef EXITLAB_VMSTATS_H
#define EXITLAB_VMSTATS_H

#include <stddef.h>
#include <stdint.h>

/* The interface version this parser reads (the file's first line). */
#define VMSTATS_VERSION 1u
/* More buckets than this in a file is refused. */
#define VMSTATS_MAX_BUCKETS 64u

struct vmstats_reason {
	uint32_t reason;
	uint64_t count, cycles;
	/* Bucket 0: 0 cycles; b: [2^(b-1), 2^b); the last: everything longer. */
	uint64_t hist[VMSTATS_MAX_BUCKETS];
};

struct vmstats {
	unsigned version;
	char isa[4];              /* "vmx" or "svm" */
	unsigned vcpus, buckets;
	uint64_t total, total_cycles;
	uint64_t other, other_cycles; /* exits of no defined reason */
	uint64_t preempted;           /* cycles excluded while vCPUs were scheduled out */
	size_t n_reasons;
	struct vmstats_reason *reasons; /* in the file's order */
};

/*
 * Parses the file's text. Returns 0, or -EINVAL (malformed), -EPROTO
 * (another version) or -ENOMEM with one line in err; ret is then empty.
 */
int vmstats_parse(const char *text, struct vmstats *ret, char *err, size_t errlen);
void vmstats_free(struct vmstats *s);

const struct vmstats_reason *vmstats_find(const struct vmstats *s, uint32_t reason);
/* Sums over the reason lines. */
uint64_t vmstats_sum_counts(const struct vmstats *s);
uint64_t vmstats_sum_cycles(const struct vmstats *s);
/* Exits in a reason's histogram: its count less those in flight when read. */
uint64_t vmstats_hist_sum(const struct vmstats *s, const struct vmstats_reason *r);

#endif
