/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_WORKLOADS_H
#define EXITLAB_REPORT_WORKLOADS_H

#include <stdio.h>

#include "samples.h"

/* Most phases a run can have: the fixed ones and a workload's each (lab/l0/seed.h). */
#define REPORT_MAX_PHASES 64

/*
 * report_phases, then the run's other phases in the order they began: what
 * phases.csv lists. Returns how many; names point into r or report_phases.
 */
size_t report_run_phases(const struct run *r, const char **ret, size_t max);

/*
 * "## Workload phases": for each phase not in report_phases, in the order
 * it began, its span, whether it failed, and a table of its reasons (from
 * the first run). Nothing without such phases.
 */
void report_section_workloads(FILE *f, const struct run *runs, size_t n_runs);

#endif
