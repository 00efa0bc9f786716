// SPDX-License-Identifier: GPL-2.0-only
#include "run_workloads.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "workload_spec.h"

static struct seed_workload *grow(struct run_workloads *w, char *err, size_t errlen)
{
	struct seed_workload *v;

	if (w->n >= SEED_WORKLOADS_MAX) {
		snprintf(err, errlen, "at most %d workloads in one run", SEED_WORKLOADS_MAX);
		return NULL;
	}
	v = realloc(w->items, (w->n + 1) * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->items = v;
	memset(&v[w->n], 0, sizeof(*v));
	return &v[w->n++];
}

int run_workloads_add_spec(struct run_workloads *w, const char *spec, char *err, size_t errlen)
{
	struct workload_spec parsed;
	struct seed_workload *item;

	if (workload_spec_parse(spec, &parsed, err, errlen) < 0)
		return -EINVAL;
	item = grow(w, err, errlen);
	if (!item)
		return -EINVAL;
	/* Canonical: "cpuid" becomes "cpuid:100000", so that env.json says what ran. */
	item->spec = xasprintf("%s:%llu", workload_name(parsed.kind), (unsigned long long)parsed.arg);
	return 0;
}

void run_workload_file_name(const char *path, char *ret, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t i, k = 0;

	/* A name for a phase, a file in L2 and a line of shell: nothing to quote. */
	for (i = 0; base[i] && k + 1 < len && k < 16; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';

		ret[k++] = ok ? c : '_';
	}
	if (k == 0 || ret[0] == '.' || ret[0] == '-')
		ret[0] = '_', k = k ? k : 1;
	ret[k] = '\0';
}

int run_workloads_add_file(struct run_workloads *w, const char *path, char *err, size_t errlen)
{
	struct seed_workload *item;
	char name[32];
	char *data = NULL;
	size_t len = 0;
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "--workload-file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--workload-file %s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > SEED_WORKLOAD_FILE_MAX) {
		snprintf(err, errlen, "--workload-file %s: %lld bytes, the seed takes at most %d per "
			 "file (cloud-init decodes it at emulated speed)", path,
			 (long long)st.st_size, SEED_WORKLOAD_FILE_MAX);
		return -EINVAL;
	}
	if (read_file(path, &data, &len) < 0) {
		snprintf(err, errlen, "--workload-file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (len == 0 || w->file_bytes + len > SEED_WORKLOAD_FILES_MAX) {
		snprintf(err, errlen, len == 0 ? "--workload-file %s: empty" :
			 "--workload-file %s: the files come to more than %d bytes together", path,
			 SEED_WORKLOAD_FILES_MAX);
		free(data);
		return -EINVAL;
	}
	item = grow(w, err, errlen);
	if (!item) {
		free(data);
		return -EINVAL;
	}
	run_workload_file_name(path, name, sizeof(name));
	item->path = strdup(path);
	item->name = strdup(name);
	item->data = data;
	item->size = len;
	w->file_bytes += len;
	return 0;
}

struct json_object *run_workloads_json(const struct seed_workload *items, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		if (items[i].spec) {
			json_object_object_add(o, "spec", json_object_new_string(items[i].spec));
		} else {
			json_object_object_add(o, "file", json_object_new_string(items[i].name));
			json_object_object_add(o, "path", json_object_new_string(items[i].path));
			json_object_object_add(o, "bytes", json_object_new_uint64(items[i].size));
		}
		{
			_cleanup_free_ char *phase = seed_workload_phase(&items[i], i);

			json_object_object_add(o, "phase", json_object_new_string(phase));
		}
		json_object_array_add(a, o);
	}
	return a;
}
