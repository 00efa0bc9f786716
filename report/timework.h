/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_TIMEWORK_H
#define EXITLAB_REPORT_TIMEWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "samples.h"

/*
 * Which reasons come with elapsed guest time and which with work: the
 * criterion (docs/2026-12-02-report-science.md has the why and what it gave).
 *
 * Across runs of different speed (at least two runs whose lifetimes T, L2's
 * creation to the last sample, differ by TW_MIN_SPEED_SPREAD or more), the
 * elasticity beta of a reason's count c over its runs: the least-squares
 * slope of log c on log T. A count that grows with time (timer interrupts,
 * their MSR writes) has beta near 1: a run twice as slow has twice as many;
 * a count set by what the guest does (a boot's CPUIDs, its port I/O) has beta
 * near 0. beta >= TW_TIME_BETA: time-driven; beta <= TW_WORK_BETA:
 * work-driven; between: mixed.
 *
 * With one run, or runs of about one speed, there is no beta: the coefficient
 * of variation of the reason's rate over the phases (each phase's count over
 * its duration; the phases do very different work: CPUID bursts, sleeping,
 * disk and network, booting) decides, averaged over the runs:
 * cv <= TW_TIME_CV: time-driven; cv >= TW_WORK_CV: work-driven; between:
 * mixed.
 *
 * A reason of fewer than TW_MIN_EXITS exits per run (mean) is too rare to
 * tell.
 */
#define TW_MIN_SPEED_SPREAD 1.25
#define TW_TIME_BETA 0.7
#define TW_WORK_BETA 0.3
#define TW_TIME_CV 0.5
#define TW_WORK_CV 1.0
#define TW_MIN_EXITS 20.0

enum tw_class {
	TW_TOO_FEW,
	TW_TIME,
	TW_WORK,
	TW_MIXED,
};

struct tw_reason {
	uint32_t reason;
	double mean_count; /* over the runs, the whole life of L2 */
	double rate;       /* mean over the runs of count / T: exits per second of guest time */
	double phase_cv;   /* mean over the runs of the per-phase rate's CV; < 0: no phases */
	bool has_beta;
	double beta;
	enum tw_class cls;
};

struct tw_result {
	struct tw_reason *v; /* the reasons any run counted, most exits first */
	size_t n;
	bool across_runs; /* classified by beta */
	double t_min, t_max; /* the runs' lifetimes (s) */
};

int timework_classify(const struct run *runs, size_t n_runs, struct tw_result *ret);
void tw_result_free(struct tw_result *r);
const char *tw_class_name(enum tw_class c);

/* The report's section: the table, the criterion in words and a boot's split. */
void timework_section(FILE *f, const struct run *runs, size_t n_runs);

#endif
