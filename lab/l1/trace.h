/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_TRACE_H
#define EXITLAB_TRACE_H

#include <stddef.h>

struct agent;

/*
 * Sets up the tracefs instance before L2 starts: 0 with err emptied, or a
 * negative errno with err saying why (logged; the run goes on, and the
 * oracle reports that error instead of a comparison).
 */
int trace_start(struct agent *a, char *err, size_t errlen);

/*
 * Stops tracing and adds the bundle's "oracle": the leaves' growth against
 * kvm_exit over the probe's interval, or why there is no comparison
 * (trace_error: trace_start()'s, NULL if it succeeded).
 */
void trace_check_interval(struct agent *a, const char *trace_error);

#endif
