/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_PROBE_ARGS_H
#define EXITLAB_PROBE_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "workload_spec.h"

enum probe_command {
	PROBE_HELP,
	PROBE_QUERY,
	PROBE_SNAPSHOT,
	PROBE_INTERVAL,
	PROBE_BENCH,
	PROBE_GUEST_INIT,
	PROBE_SAMPLE,
	PROBE_MARK,
	PROBE_WORKLOAD,
};

struct probe_args {
	enum probe_command command;
	uint32_t leaf, subleaf;  /* query */
	const char *phase;       /* snapshot */
	unsigned seconds;        /* interval */
	uint32_t iterations;     /* bench */
	const char *out;         /* NULL: stdout */
	uint32_t interval_ms;    /* sample */
	uint32_t duration_s;     /* sample: 0 = until SIGTERM or SIGINT */
	const char *phase_file;  /* sample: the phase's name is read from here at each sample */
	const char *event;       /* mark: begin or end */
	const char *workload;    /* mark: a JSON object describing the phase's workload */
	const char *result;      /* mark: a JSON object, what the phase's workload did */
	struct workload_spec spec; /* workload: from the catalogue... */
	const char *file;        /* workload: ...or this program */
};

extern const char probe_usage[];

/*
 * Whether a command reads the exit statistics leaves (and so refuses to run
 * where they are absent): query and bench run anywhere, bench under stock
 * KVM too.
 */
int probe_needs_leaves(enum probe_command c);

/* Returns 0, or -EINVAL with a one-line reason in err. */
int probe_args_parse(int argc, char **argv, struct probe_args *ret, char *err, size_t errlen);

#endif
