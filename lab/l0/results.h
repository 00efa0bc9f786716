/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_RESULTS_H
#define EXITLAB_RESULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reasons.h"

struct reason_row {
	uint32_t reason;
	char name[40];       /* "" when the manual names none */
	char cls[16];        /* counted, zero, undefined, malformed */
	uint64_t count, cycles;
	uint32_t count_regs[4], cycles_regs[4];
};

struct snapshot {
	enum exit_arch arch;
	char vendor[16];
	char phase[32];
	uint64_t total_before; /* total exits read before the reason scan */
	uint64_t total_exits, total_cycles;
	uint32_t total_exits_regs[4], total_cycles_regs[4];
	struct reason_row *rows;
	size_t n_rows;
	/* CPUID's own count around a burst of plain CPUIDs */
	uint64_t self_before, self_after, self_expected_delta;
};

/*
 * Parses one probe snapshot (schema exitlab-snapshot/1). Returns -EINVAL
 * with a reason in err for anything malformed; never trusts the guest's text.
 */
int snapshot_parse(const char *json, struct snapshot *ret, char *err, size_t errlen);
void snapshot_free(struct snapshot *s);

const struct reason_row *snapshot_find(const struct snapshot *s, uint32_t reason);

/* Sum of counts (or cycles) over counted reasons. */
uint64_t snapshot_sum_counts(const struct snapshot *s);
uint64_t snapshot_sum_cycles(const struct snapshot *s);

/* The human table: every reason with exits, most frequent first, and the total. */
void snapshot_print_table(const struct snapshot *s, FILE *out);

/* reason,name,class,count,cycles,cycles_per_exit */
char *snapshot_to_csv(const struct snapshot *s);

#endif
