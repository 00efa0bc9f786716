/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_TIMELINE_H
#define EXITLAB_REPORT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../probes/reasons.h"

/*
 * A run's timeline.jsonl (probes/README.md, "The host timeline"): L2's VM
 * as L1 read it every interval_ms, with the arrival of console and probe
 * lines, t in seconds since L1 first saw the VM.
 */

/* Distinct reasons a timeline may hold (SVM defines ~170; a boot uses ~30). */
#define TIMELINE_MAX_COLS 256

struct timeline_line {
	double t;
	char *line;
};

struct timeline_probe_line {
	double t;
	size_t index; /* its line in samples.jsonl */
};

struct timeline {
	enum exit_arch arch;
	char vm[64];
	unsigned interval_ms;
	double seen_after_s; /* < 0: unknown */
	double realtime;     /* L1's CLOCK_REALTIME at t = 0 */
	double end_t;        /* the VM's end; < 0: not seen */
	size_t n_cols;
	uint32_t col_reason[TIMELINE_MAX_COLS];
	size_t n_host;
	double *host_t;
	uint64_t *host_total, *host_total_cycles;
	uint64_t *count, *cycles; /* [host * TIMELINE_MAX_COLS + col], cumulative */
	size_t n_console;
	struct timeline_line *console;
	size_t n_probe;
	struct timeline_probe_line *probe;
};

/* 0, -ENODATA (no host sample) or -EINVAL, with one line in err. */
int timeline_parse(const char *text, struct timeline *ret, char *err, size_t errlen);
/* DIR/timeline.jsonl; -ENOENT when the run has none. */
int timeline_load(const char *dir, struct timeline *ret, char *err, size_t errlen);
void timeline_free(struct timeline *tl);

/* The last host sample at or before t; SIZE_MAX when there is none. */
size_t timeline_host_at(const struct timeline *tl, double t);
/* The first host sample at or after t; SIZE_MAX when there is none. */
size_t timeline_host_after(const struct timeline *tl, double t);
/* A reason's cumulative count (cycles) at host sample i (SIZE_MAX: before the first: 0). */
uint64_t timeline_count(const struct timeline *tl, size_t i, uint32_t reason);
uint64_t timeline_cycles(const struct timeline *tl, size_t i, uint32_t reason);
uint64_t timeline_total(const struct timeline *tl, size_t i);

/*
 * The probe's samples against the host timeline. A sample's counts were
 * read by the guest at its realtime and had reached L1 when its line
 * arrived; the VM's counters only grow, so every count the probe read lies
 * between the host read before its read and the host read after its
 * arrival (the host reads a line's arrival before its exit_stats, in one
 * thread). The read's instant on L1's clock is the guest's realtime, taken
 * just before it reads the leaves. The guest's wall clock runs with L1's
 * (kvmclock) but may be set off by up to a second at boot: in run t18-2 its
 * lines arrived 0.9-1.3 s after their realtime in one boot and from 0.9 s in
 * the next, the same for phase marks and samples, so it lagged L1's. A guest
 * clock behind L1's only loosens the lower bound; the bound is taken
 * TIMELINE_CHECK_MARGIN_S earlier still, for a guest clock a little ahead
 * (a looser lower bound never fails a true count). The
 * probe's CPUID count differs from the host's after its arrival by the
 * CPUIDs after that leaf's read: the rest of its own reads, and any other
 * CPUID in the gap (cpuid_slack_max).
 */
#define TIMELINE_CHECK_MARGIN_S 0.5

struct timeline_check {
	size_t samples;      /* "sample" lines */
	size_t checked;      /* bracketed by two host reads */
	size_t unbracketed;  /* no host read after its arrival (the VM's last moments), or no arrival */
	size_t failed;       /* a count outside its bracket */
	size_t reasons_checked;
	uint64_t cpuid_slack_max;
	double latency_min, latency_max; /* arrival minus the guest's realtime of the read */
	char first_failure[256];
};

/* samples_text: samples.jsonl. 0, or -EINVAL on unreadable input (err). */
int timeline_check_samples(const struct timeline *tl, const char *samples_text,
			   struct timeline_check *ret, char *err, size_t errlen);

#endif
