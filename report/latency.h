/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_LATENCY_H
#define EXITLAB_REPORT_LATENCY_H

#include <stdbool.h>
#include <stdio.h>

#include "samples.h"
#include "units.h"

/*
 * The distribution of each top reason's handling cycles, from the host's
 * per-VM file RUN_DIR/exit_stats.txt (kvm-patch 0005's log2 histograms,
 * kvm-patch/README.md): a table of median and 90th-percentile buckets and,
 * with plots, out_dir/latency.svg. Says so when the run has no such file.
 */
void latency_section(FILE *f, const struct run *r, const struct cycle_unit *u,
		     const char *out_dir, bool plots);

#endif
