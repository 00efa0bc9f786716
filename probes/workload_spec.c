// SPDX-License-Identifier: GPL-2.0-only
#include "workload_spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Limits keep one workload within what an L2 phase can finish under nested
 * emulation (~1 µs..1 ms per exit) and within L2's memory and disk.
 */
static const struct {
	const char *name, *unit;
	uint64_t def, max;
} catalogue[] = {
	[WORKLOAD_CPUID] = { "cpuid", "iterations", 100000, 100000000 },
	[WORKLOAD_HLT] = { "hlt", "iterations", 1000, 1000000 },
	[WORKLOAD_PIO] = { "pio", "iterations", 10000, 100000000 },
	[WORKLOAD_MMIO] = { "mmio", "iterations", 10000, 100000000 },
	[WORKLOAD_MSR_READ] = { "msr-read", "iterations", 10000, 100000000 },
	[WORKLOAD_MSR_WRITE] = { "msr-write", "iterations", 10000, 100000000 },
	[WORKLOAD_MEM] = { "mem", "MiB", 64, 16384 },
	[WORKLOAD_DISK] = { "disk", "MiB", 32, 4096 },
	[WORKLOAD_NET] = { "net", "MiB", 16, 4096 },
	[WORKLOAD_MIXED] = { "mixed", "seconds", 10, 3600 },
};

const char workload_names[] = "cpuid, hlt, pio, mmio, msr-read, msr-write, mem, disk, net, mixed";

const char *workload_name(enum workload_kind k)
{
	return (size_t)k < ARRAY_LEN(catalogue) ? catalogue[k].name : NULL;
}

const char *workload_unit(enum workload_kind k)
{
	return (size_t)k < ARRAY_LEN(catalogue) ? catalogue[k].unit : NULL;
}

#define FAIL(...)                                  \
	do {                                       \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                    \
	} while (0)

int workload_spec_parse(const char *text, struct workload_spec *ret, char *err, size_t errlen)
{
	const char *colon, *p;
	size_t name_len, k;
	uint64_t v = 0;

	if (!text || !*text)
		FAIL("empty workload (one of: %s)", workload_names);
	colon = strchr(text, ':');
	name_len = colon ? (size_t)(colon - text) : strlen(text);
	for (k = 0; k < ARRAY_LEN(catalogue); k++)
		if (strlen(catalogue[k].name) == name_len && !strncmp(catalogue[k].name, text, name_len))
			break;
	if (k == ARRAY_LEN(catalogue))
		FAIL("unknown workload '%.*s' (one of: %s)", (int)name_len, text, workload_names);
	if (!colon) {
		ret->kind = (enum workload_kind)k;
		ret->arg = catalogue[k].def;
		return 0;
	}
	/* Digits only: strtoull would take "-1", "+5", " 7" and "0x10". */
	if (!colon[1])
		FAIL("workload '%s': no number after ':'", text);
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			FAIL("workload '%s': '%s' is not a whole number of %s", text, colon + 1,
			     catalogue[k].unit);
		if (v > (catalogue[k].max - (uint64_t)(*p - '0')) / 10)
			FAIL("workload '%s': at most %llu %s", text,
			     (unsigned long long)catalogue[k].max, catalogue[k].unit);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0)
		FAIL("workload '%s': takes 1 to %llu %s, not 0", text,
		     (unsigned long long)catalogue[k].max, catalogue[k].unit);
	ret->kind = (enum workload_kind)k;
	ret->arg = v;
	return 0;
}
