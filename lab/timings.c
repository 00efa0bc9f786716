// SPDX-License-Identifier: GPL-2.0-only
#include "timings.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void timings_add(struct json_object *steps, const char *where, const char *step, double seconds)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "where", json_object_new_string(where));
	json_object_object_add(o, "step", json_object_new_string(step));
	json_object_object_add(o, "seconds", json_object_new_double(seconds));
	json_object_array_add(steps, o);
}

static const char *string_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static bool number_of(struct json_object *o, const char *key, double *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*ret = json_object_get_double(v);
	return true;
}

int timings_add_phases(struct json_object *steps, struct json_object *samples)
{
	size_t i, j, n = samples ? json_object_array_length(samples) : 0;
	int added = 0;

	for (i = 0; i < n; i++) {
		struct json_object *begin = json_object_array_get_idx(samples, i);
		const char *type = string_of(begin, "type"), *event = string_of(begin, "event");
		const char *phase = string_of(begin, "phase");
		double t0, t1;

		if (!type || strcmp(type, "phase") || !event || strcmp(event, "begin") || !phase ||
		    !number_of(begin, "t", &t0))
			continue;
		for (j = i + 1; j < n; j++) {
			struct json_object *end = json_object_array_get_idx(samples, j);
			const char *end_type = string_of(end, "type");
			const char *end_event = string_of(end, "event");
			const char *end_phase = string_of(end, "phase");

			if (end_type && !strcmp(end_type, "phase") && end_event &&
			    !strcmp(end_event, "end") && end_phase && !strcmp(end_phase, phase) &&
			    number_of(end, "t", &t1)) {
				char name[96];

				snprintf(name, sizeof(name), "phase %s", phase);
				timings_add(steps, "L2", name, t1 - t0);
				added++;
				break;
			}
		}
	}
	return added;
}

/* "[  12.3s] " at the start of line: the agent's time stamp. */
static bool agent_stamp(const char *line, const char *end, double *ret_t, const char **ret_rest)
{
	char *after;
	double t;

	if (end - line < 5 || line[0] != '[')
		return false;
	t = strtod(line + 1, &after);
	if (after == line + 1 || after + 3 > end || after[0] != 's' || after[1] != ']' ||
	    after[2] != ' ')
		return false;
	*ret_t = t;
	*ret_rest = after + 3;
	return true;
}

int timings_l1_last_step(const char *console, char *ret_step, size_t len, double *ret_at)
{
	const char *line = console;
	bool found = false;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *rest;
		double t;

		if (!end)
			end = line + strlen(line);
		if (agent_stamp(line, end, &t, &rest) && (size_t)(end - rest) > strlen(L1_STEP_MARK) &&
		    !strncmp(rest, L1_STEP_MARK, strlen(L1_STEP_MARK))) {
			const char *name = rest + strlen(L1_STEP_MARK);
			size_t n = (size_t)(end - name);

			while (n && (name[n - 1] == '\r' || name[n - 1] == ' '))
				n--;
			snprintf(ret_step, len, "%.*s", (int)n, name);
			*ret_at = t;
			found = true;
		}
		line = *end ? end + 1 : NULL;
	}
	return found ? 0 : -ENOENT;
}

static void print_steps(struct json_object *steps, const char *indent, FILE *f)
{
	size_t i, n = steps ? json_object_array_length(steps) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(steps, i);
		const char *where = string_of(s, "where"), *step = string_of(s, "step");
		double seconds = 0;

		number_of(s, "seconds", &seconds);
		fprintf(f, "%s%-3s %-*s %8.1f s\n", indent, where ? where : "?",
			(int)(44 - strlen(indent)), step ? step : "?", seconds);
	}
}

void timings_print(struct json_object *timings, FILE *f)
{
	struct json_object *before, *attempts, *after;
	size_t i, n;
	double total;

	fprintf(f, "\nwhere the time went:\n");
	if (json_object_object_get_ex(timings, "before", &before))
		print_steps(before, "  ", f);
	if (json_object_object_get_ex(timings, "attempts", &attempts)) {
		n = json_object_array_length(attempts);
		for (i = 0; i < n; i++) {
			struct json_object *a = json_object_array_get_idx(attempts, i), *steps;
			const char *failure = string_of(a, "failure"), *last = string_of(a, "last_step");
			double seconds = 0, at = 0;

			number_of(a, "seconds", &seconds);
			fprintf(f, "  attempt %zu: %s after %.1f s", i + 1, failure ? "failed" : "done",
				seconds);
			if (failure)
				fprintf(f, " (%s)", failure);
			if (last && number_of(a, "last_step_at", &at))
				fprintf(f, "; L1's last step: %s, %.1f s into its agent", last, at);
			fputc('\n', f);
			if (json_object_object_get_ex(a, "steps", &steps))
				print_steps(steps, "    ", f);
		}
	}
	if (json_object_object_get_ex(timings, "after", &after))
		print_steps(after, "  ", f);
	if (number_of(timings, "total_seconds", &total))
		fprintf(f, "  %-48s %8.1f s\n", "total", total);
}
