// SPDX-License-Identifier: GPL-2.0-only
#include "timeline_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static double pair_t(struct json_object *array, size_t i)
{
	return json_object_get_double(json_object_array_get_idx(json_object_array_get_idx(array, i),
							       0));
}

/*
 * The agent sends each host sample's changed reasons only (the bundle's
 * size); the file has every reason with exits at every sample, so that a
 * line is read alone.
 */
static void write_host(FILE *f, struct json_object *sample, struct json_object *state)
{
	struct json_object *line = json_object_new_object(), *reasons = json_object_new_object();

	json_object_object_add(line, "type", json_object_new_string("host"));
	json_object_object_add(line, "t", json_object_get(member(sample, "t")));
	json_object_object_add(line, "total", json_object_get(member(sample, "total")));
	json_object_object_add(line, "total_cycles", json_object_get(member(sample, "total_cycles")));
	if (json_object_is_type(member(sample, "reasons"), json_type_object)) {
		json_object_object_foreach(member(sample, "reasons"), code, pair)
			json_object_object_add(state, code, json_object_get(pair));
	}
	{
		json_object_object_foreach(state, code, pair)
			json_object_object_add(reasons, code, json_object_get(pair));
	}
	json_object_object_add(line, "reasons", reasons);
	fprintf(f, "%s\n", json_object_to_json_string_ext(line, JSON_FLAGS));
	json_object_put(line);
}

static void write_pair(FILE *f, const char *type, const char *key, struct json_object *pair)
{
	struct json_object *line = json_object_new_object();

	json_object_object_add(line, "type", json_object_new_string(type));
	json_object_object_add(line, "t", json_object_get(json_object_array_get_idx(pair, 0)));
	json_object_object_add(line, key, json_object_get(json_object_array_get_idx(pair, 1)));
	fprintf(f, "%s\n", json_object_to_json_string_ext(line, JSON_FLAGS));
	json_object_put(line);
}

int timeline_file_write(const char *dir, struct json_object *ht)
{
	static const char *const header_keys[] = { "schema", "isa", "vm", "interval_ms",
						   "seen_after_s", "realtime", "end_t", "truncated",
						   "l1_cpu_s" };
	struct json_object *host = member(ht, "host"), *console = member(ht, "console");
	struct json_object *probe = member(ht, "probe_lines"), *raw = member(ht, "exit_stats");
	struct json_object *header = json_object_new_object(), *state = json_object_new_object();
	size_t nh = host ? json_object_array_length(host) : 0;
	size_t nc = console ? json_object_array_length(console) : 0;
	size_t np = probe ? json_object_array_length(probe) : 0, ih = 0, ic = 0, ip = 0;
	_cleanup_free_ char *text = NULL, *path = xasprintf("%s/timeline.jsonl", dir);
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return -ENOMEM;
	json_object_object_add(header, "type", json_object_new_string("timeline"));
	for (size_t i = 0; i < ARRAY_SIZE(header_keys); i++)
		json_object_object_add(header, header_keys[i], json_object_get(member(ht, header_keys[i])));
	fprintf(f, "%s\n", json_object_to_json_string_ext(header, JSON_FLAGS));
	json_object_put(header);
	/* Three streams each in time order, merged; at equal t a host read comes last (read last). */
	while (ih < nh || ic < nc || ip < np) {
		double th = ih < nh ? json_object_get_double(member(json_object_array_get_idx(host, ih),
								     "t")) : 1e300;
		double tc = ic < nc ? pair_t(console, ic) : 1e300;
		double tp = ip < np ? pair_t(probe, ip) : 1e300;

		if (tc <= tp && tc <= th)
			write_pair(f, "console", "line", json_object_array_get_idx(console, ic++));
		else if (tp <= th)
			write_pair(f, "probe_line", "index", json_object_array_get_idx(probe, ip++));
		else
			write_host(f, json_object_array_get_idx(host, ih++), state);
	}
	json_object_put(state);
	fclose(f);
	r = write_file_atomic(path, text, len);
	if (r == 0 && raw && json_object_is_type(raw, json_type_string)) {
		_cleanup_free_ char *raw_path = xasprintf("%s/exit_stats.txt", dir);

		r = write_file_atomic(raw_path, json_object_get_string(raw),
				      strlen(json_object_get_string(raw)));
	}
	return r;
}
