/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_MANY_H
#define EXITLAB_MANY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/*
 * "exitlab runs" and "exitlab soak": N runs of the chain side by side, each
 * an "exitlab run" of its own (its own domains, work and results
 * directories), as many at once as the machine holds. parse reads the
 * options passed on to each run (0, 1 after --help, -EINVAL); soak adds the
 * reliability table (soak_summarize()).
 */
int many_main(int argc, char **argv, bool soak,
	      int (*parse)(int argc, char **argv, struct run_opts *ret));

/*
 * How many runs at once: at most count, one per host core (a run keeps
 * about one core busy: L1's vCPU that runs L2), and as many as memory holds
 * with l1_memory_mib + the translation cache each (tb_cache_mib; 0: QEMU
 * 7.2's own 1 GiB).
 */
unsigned many_default_jobs(unsigned count, long cores, long mem_available_mib,
			   unsigned l1_memory_mib, unsigned tb_cache_mib);

/*
 * The kind of a failed attempt, from its env.json/failed_attempts.json
 * record: L1's kernel fault when it named one, else what the run saw
 * ("hang", "timeout", "soft-lockup", "second-vm", "l2-hang", "l2-timeout",
 * "l2-failed", "other").
 */
const char *soak_failure_kind(struct json_object *failed_attempt);

/*
 * The soak's figures over runs, an array of
 * { "run_id", "exit_status", "seconds", "env" | null, "failed_attempts" | null,
 *   "timings" | null } (what each run left in its results): runs, successes,
 * first-attempt successes, every failure by kind, and per step the median
 * and maximum of its time over the runs that had it.
 */
struct json_object *soak_summarize(struct json_object *runs);

/* The summary as Markdown: the figures, the failures, the steps' table. */
void soak_print_markdown(struct json_object *summary, FILE *f);

#endif
