/* SPDX-License-Identifier: GPL-2.0-only */
/* PARSE(&args, err, "word", ...): the probe's argument parser on a literal command line, for tests. */
#ifndef EXITLAB_TEST_PROBE_PARSE_H
#define EXITLAB_TEST_PROBE_PARSE_H

#include "../../probes/probe_args.h"

static inline int parse(struct probe_args *a, char *err, size_t n, int argc, const char **argv)
{
	return probe_args_parse(argc, (char **)argv, a, err, n);
}

#define PARSE(a, err, ...)                                                         \
	({                                                                         \
		const char *argv_[] = { "exitlab-probe", __VA_ARGS__ };            \
		parse((a), (err), sizeof(err), sizeof(argv_) / sizeof(argv_[0]), argv_); \
	})

#endif
