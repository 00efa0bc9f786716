/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_SAMPLES_H
#define EXITLAB_REPORT_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../probes/reasons.h"

/* Every reason number either manual uses below the sparse tail (SVM: 0..0x40F). */
#define REPORT_SLOTS 0x410

/* One sample, corrected for the probe's own CPUID exits (probes/README.md). */
struct sample {
	double t;               /* seconds since L2's QEMU was running */
	char phase[32];
	uint64_t total, total_raw;
	uint64_t total_cycles;
	uint64_t count[REPORT_SLOTS], cycles[REPORT_SLOTS]; /* corrected */
};

struct mark {
	char phase[32];
	bool begin;
	double t;
	/*
	 * exact: the probe read the counters at the mark itself ("counters",
	 * probes/README.md), corrected like a sample; older runs have none.
	 */
	bool exact;
	struct sample counts;
	bool failed; /* an end mark whose result says "status":"failed" */
	char error[160]; /* then the result's "error" */
};

struct run {
	char dir[512];
	enum exit_arch arch;
	struct sample *samples;
	size_t n_samples;
	struct mark *marks;
	size_t n_marks;
	size_t skipped_lines;
	/*
	 * No sampler ran in L2 (--sample-ms 0): the samples are the marks' own
	 * counts, one point per phase boundary, in time order.
	 */
	bool samples_from_marks;
};

/*
 * Reads RUN_DIR/samples.jsonl. Lines that are not JSON (a guest cut off
 * mid-write) are skipped and counted. A run without samples whose marks
 * carry counts (no sampler in L2) gets its samples from the marks; no
 * sample and no such mark is -ENODATA, with the reason in err.
 */
int run_load(const char *dir, struct run *ret, char *err, size_t errlen);

/*
 * The run directories in dir (its subdirectories holding samples.jsonl), as
 * "dir/name", sorted; the caller frees each and the array. 0 (possibly
 * none), or a negative errno.
 */
int run_dirs_in(const char *dir, char ***ret, size_t *n_ret);
/* The same from text, for tests. */
int run_parse(const char *text, struct run *ret, char *err, size_t errlen);
void run_free(struct run *r);

/* The CPUID reason of the run's vendor: its count holds the probe's reads. */
uint32_t run_cpuid_reason(const struct run *r);

/* The phases in the order L2 goes through them. */
extern const char *const report_phases[];
extern const size_t report_n_phases;

/* A phase's measured span: counters at its end minus counters at its start. */
struct phase_delta {
	bool present;
	bool exact; /* both ends from the marks' own counts, not the nearest samples */
	double begin_t, end_t;
	uint64_t total, total_cycles;
	uint64_t count[REPORT_SLOTS], cycles[REPORT_SLOTS];
};

/*
 * The phase's delta: its end mark's counts minus its begin mark's, where the
 * marks have them; else the last sample at or before each mark (zero for
 * boot's start: the VM's counters start at creation). present is false
 * without both marks.
 */
void run_phase_delta(const struct run *r, const char *phase, struct phase_delta *ret);

/*
 * later - earlier for counters that only grow; 0 if the data says otherwise
 * (never a wrapped 2^64 figure in a report).
 */
uint64_t counter_delta(uint64_t later, uint64_t earlier);

/*
 * The phases with a begin mark that are not in report_phases (the workload
 * phases), in the order they began: pointers into r's marks, at most max.
 */
size_t run_extra_phases(const struct run *r, const char **ret, size_t max);

/* The phase's end mark, or NULL. */
const struct mark *run_end_mark(const struct run *r, const char *phase);

/* The last sample (the whole run so far), or NULL. */
const struct sample *run_last(const struct run *r);

#endif
