/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_REPORT_H
#define EXITLAB_REPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "samples.h"

/* RUN_DIR/phases.csv: per phase, per reason with exits, and a total row. */
int report_write_phases_csv(const struct run *r);

/*
 * out_dir/report.md, answering the questions in words from these runs'
 * numbers; with plots, SVG files in out_dir drawn by gnuplot (the Markdown links
 * them); the gnuplot scripts stay beside them.
 */
int report_write(const struct run *runs, size_t n_runs, const char *out_dir, bool plots);

#endif
