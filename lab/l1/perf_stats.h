/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_PERF_STATS_H
#define EXITLAB_PERF_STATS_H

#include <stdint.h>

/*
 * What `perf report --stats` prints of a perf.data file: its "Aggregated
 * stats" (one line per record type, "LOST events: N" among them), then per
 * event "kvm:kvm_exit stats:" with "SAMPLE events: N" under it. An event
 * without samples has no block (perf skips empty ones by default).
 *
 * Reads event's samples into *ret_samples (0 when it has no block) and the
 * LOST records, the chunks perf could not write in time, into *ret_lost.
 * 0, or -EBADMSG when text is not that report (no "Aggregated stats:", or
 * a number that does not parse).
 */
int perf_stats_parse(const char *text, const char *event, uint64_t *ret_samples,
		     uint64_t *ret_lost);

#endif
