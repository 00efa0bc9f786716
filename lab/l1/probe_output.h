/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_PROBE_OUTPUT_H
#define EXITLAB_PROBE_OUTPUT_H

struct agent;

/*
 * Reads what the probe in L2 wrote (paths->l2_results, one JSON object a
 * line) into the bundle: its snapshots, and the samples and phase marks as
 * a timeline from L2's creation. 0, or -ENODATA after agent_fail().
 */
int probe_output_collect(struct agent *a);

#endif
