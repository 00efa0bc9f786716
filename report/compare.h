/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_COMPARE_H
#define EXITLAB_REPORT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samples.h"
#include "stats.h"

/* The phases compared: report_phases, then "all" (creation to the last sample). */
#define COMPARE_ALL "all"
#define COMPARE_TOTAL (-1) /* the reason of a phase's total */
#define COMPARE_ALPHA 0.05

/*
 * One phase and reason over two groups of runs: each side's mean with its
 * 95% interval (Student's t over that side's runs), the ratio B/A, and
 * Welch's t-test of the difference of the means. A side counts only its
 * runs that went through the phase; a run without the reason counts 0.
 */
struct compare_row {
	char phase[32];
	int32_t reason;
	struct summary a, b;
	double ratio;     /* b.mean / a.mean; INFINITY when a.mean is 0 */
	bool tested;      /* false when a side has fewer than 2 runs: no test */
	double t, df, p;  /* Welch's, when tested */
	bool significant; /* tested and p < COMPARE_ALPHA */
};

struct compare_result {
	enum exit_arch arch;
	bool per_second; /* values are exits per second of the phase, not exits */
	struct compare_row *rows;
	size_t n_rows;
	size_t n_tested, n_significant;
};

/*
 * Compares runs b against runs a, phase by phase and reason by reason (a
 * phase's total first, then the reasons either side counted, by the larger
 * mean). per_second: each run's count over the phase's duration (for "all",
 * over L2's lifetime), which takes out how fast each run went for the
 * time-driven reasons (report/timework.h). -EINVAL with one line in err when
 * a side is empty or the runs are not all of one ISA.
 */
int compare_runs(const struct run *a, size_t n_a, const struct run *b, size_t n_b,
		 bool per_second, struct compare_result *ret, char *err, size_t errlen);
void compare_result_free(struct compare_result *r);

/*
 * out_dir/compare.md and compare.csv; with plots, compare.svg (the whole run's
 * most frequent reasons, both sides with their intervals) by gnuplot.
 */
int compare_write(const struct compare_result *r, const struct run *a, size_t n_a,
		  const struct run *b, size_t n_b, const char *out_dir, bool plots);

#endif
