/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_TIMINGS_H
#define EXITLAB_TIMINGS_H

#include <json-c/json.h>
#include <stdio.h>

/*
 * Where a run's wall time went, step by step: env.json's "timings" and the
 * table printed at the end of every run. A step is
 * { "step": name, "seconds": s, "where": "L0" | "L1" | "L2" }.
 */

/* Appends one step to the array steps. */
void timings_add(struct json_object *steps, const char *where, const char *step, double seconds);

/*
 * Appends L2's phases (boot, check, idle, io, reboot, ...) as steps, each
 * from its begin mark to its end mark in samples (the run's time series).
 * Returns how many it added.
 */
int timings_add_phases(struct json_object *steps, struct json_object *samples);

/*
 * The agent's step lines on L1's console: "[  12.3s] L1 step: <name>".
 * L1_STEP_MARK is what follows the agent's time stamp.
 */
#define L1_STEP_MARK "L1 step: "
/* The agent's heartbeat lines (agent.c): "[  17.3s] L1: alive; <step> for 5 s". */
#define L1_HEARTBEAT_MARK "L1: alive; "

/*
 * The last step L1's agent began, from its console, with the agent's time
 * at that moment; 0, or -ENOENT when the console shows none.
 */
int timings_l1_last_step(const char *console, char *ret_step, size_t len, double *ret_at);

/* The table: one line a step, L1's and L2's indented under their attempt. */
void timings_print(struct json_object *timings, FILE *f);

#endif
