/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_WORKLOAD_SPEC_H
#define EXITLAB_WORKLOAD_SPEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * The probe's workload catalogue, by name: what `exitlab-probe workload
 * NAME[:ARGS]` runs in L2 and what `exitlab run --workload` checks on L0
 * before anything boots. Pure: no system calls, so both ends link it.
 */
enum workload_kind {
	WORKLOAD_CPUID,
	WORKLOAD_HLT,
	WORKLOAD_PIO,
	WORKLOAD_MMIO,
	WORKLOAD_MSR_READ,
	WORKLOAD_MSR_WRITE,
	WORKLOAD_MEM,
	WORKLOAD_DISK,
	WORKLOAD_NET,
	WORKLOAD_MIXED,
};

struct workload_spec {
	enum workload_kind kind;
	uint64_t arg; /* iterations, MiB or seconds (workload_unit) */
};

/* The catalogue's names, comma-separated, for messages and --help. */
extern const char workload_names[];

const char *workload_name(enum workload_kind k);
/* What ARGS counts: "iterations", "MiB" or "seconds". */
const char *workload_unit(enum workload_kind k);

/*
 * "NAME" or "NAME:N", N a decimal from 1 to the kind's limit; without N,
 * the kind's default. Returns 0, or -EINVAL with one line in err (unknown
 * name, not a number, zero, above the limit).
 */
int workload_spec_parse(const char *text, struct workload_spec *ret, char *err, size_t errlen);

#endif
