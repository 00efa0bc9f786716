/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_LEAVES_H
#define EXITLAB_LEAVES_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "reasons.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/*
 * Where CPUID answers come from: the real instruction in the probe, a fake
 * machine in the tests.
 */
struct cpuid_source {
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *ret);
	void *ctx;
	uint64_t executed; /* CPUID instructions issued through this source */
};

void cpuid_native(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *ret);
struct cpuid_regs cpuid_query(struct cpuid_source *src, uint32_t leaf, uint32_t subleaf);

enum reason_class {
	REASON_COUNTED,   /* defined and handled by KVM: count/cycles are real */
	REASON_UNHANDLED, /* defined by the manual, no handler in KVM: all zero */
	REASON_UNDEFINED, /* not defined by the manual: edx = 0xFFFFFFFF */
	REASON_MALFORMED, /* anything else: the kernel broke the leaf ABI */
};

/* Classifies the answers of the two per-reason leaves for one ecx. */
enum reason_class reason_classify(const struct cpuid_regs *count, const struct cpuid_regs *cycles);
const char *reason_class_name(enum reason_class c);

static inline uint64_t regs_cycles(const struct cpuid_regs *r)
{
	return ((uint64_t)r->ebx << 32) | r->ecx;
}

/* Number of plain CPUID instructions the snapshot runs to check CPUID's own count. */
#define SNAPSHOT_CPUID_BURST 100
/* Bursts tried, at most, for one undisturbed by the VM's other CPUIDs (leaves.c). */
#define SNAPSHOT_CPUID_TRIES 5

/*
 * Reads every per-reason leaf for ecx 0..scan limit and a few far values, and
 * the totals. ret_obj holds raw registers and derived figures (schema in
 * probes/README.md).
 */
int leaves_snapshot(struct cpuid_source *src, const char *phase, struct json_object **ret_obj);

/*
 * One point of a time series (schema in probes/README.md): the totals, then
 * count and cycles of every reason the manual names that has exits.
 * observer_base: CPUIDs earlier probe processes ran in this VM; with the
 * ones this source ran it gives "observer_cpuid", the probe's own exits
 * contained in "total" (the read of the total is itself one of them).
 */
struct json_object *leaves_sample(struct cpuid_source *src, enum exit_arch arch, const char *phase,
				  uint64_t observer_base);

/*
 * Whether the patched KVM answers the leaves: the discovery leaf must give
 * the signature and the interface version this probe reads. With the
 * feature off, an Intel guest's CPUID of these leaves returns the highest
 * basic leaf's values, which would pass for counts. Returns 0, or -ENODEV
 * (no signature) / -EPROTO (another version) with one line in err.
 */
int leaves_discover(struct cpuid_source *src, char *err, size_t errlen);

/* Vendor string from leaf 0. */
void cpuid_vendor(struct cpuid_source *src, char ret_vendor[13]);

#endif
