/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_RUN_WORKLOADS_H
#define EXITLAB_RUN_WORKLOADS_H

#include <json-c/json.h>
#include <stddef.h>

#include "seed.h"

/*
 * `exitlab run --workload NAME[:N]` and `--workload-file PATH`, in the order
 * given: each checked here, on L0, before anything boots, so that a typo
 * costs no ten-minute run. Files are read now; the seed carries them.
 */
struct run_workloads {
	struct seed_workload *items;
	size_t n;
	size_t file_bytes; /* all files together */
};

/* Each returns 0, or -EINVAL with one line in err. */
int run_workloads_add_spec(struct run_workloads *w, const char *spec, char *err, size_t errlen);
int run_workloads_add_file(struct run_workloads *w, const char *path, char *err, size_t errlen);

/* What env.json records: each workload's spec or file (name, path, bytes). */
struct json_object *run_workloads_json(const struct seed_workload *items, size_t n);

/* The name L2 runs a file under: its base name, [A-Za-z0-9._-] only, at most 16 characters. */
void run_workload_file_name(const char *path, char *ret, size_t len);

#endif
