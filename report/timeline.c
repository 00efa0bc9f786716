// SPDX-License-Identifier: GPL-2.0-only
#include "timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static double number_or(struct json_object *o, const char *key, double dflt)
{
	struct json_object *v = member(o, key);

	return v && (json_object_is_type(v, json_type_double) ||
		     json_object_is_type(v, json_type_int)) ? json_object_get_double(v) : dflt;
}

static int col_of(struct timeline *tl, uint32_t reason, bool add)
{
	for (size_t c = 0; c < tl->n_cols; c++)
		if (tl->col_reason[c] == reason)
			return (int)c;
	if (!add || tl->n_cols == TIMELINE_MAX_COLS)
		return -1;
	tl->col_reason[tl->n_cols] = reason;
	return (int)tl->n_cols++;
}

static int col_find(const struct timeline *tl, uint32_t reason)
{
	for (size_t c = 0; c < tl->n_cols; c++)
		if (tl->col_reason[c] == reason)
			return (int)c;
	return -1;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *np;

	if (n < *cap)
		return 0;
	np = realloc(*p, (*cap ? *cap * 2 : 1024) * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = *cap ? *cap * 2 : 1024;
	return 0;
}

static int add_host(struct timeline *tl, struct json_object *o, size_t *cap)
{
	size_t i = tl->n_host;

	if (i >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		double *t = realloc(tl->host_t, ncap * sizeof(*t));
		uint64_t *a, *b, *c, *d;

		if (!t)
			return -ENOMEM;
		tl->host_t = t;
		if (!(a = realloc(tl->host_total, ncap * sizeof(*a))))
			return -ENOMEM;
		tl->host_total = a;
		if (!(b = realloc(tl->host_total_cycles, ncap * sizeof(*b))))
			return -ENOMEM;
		tl->host_total_cycles = b;
		if (!(c = realloc(tl->count, ncap * TIMELINE_MAX_COLS * sizeof(*c))))
			return -ENOMEM;
		tl->count = c;
		if (!(d = realloc(tl->cycles, ncap * TIMELINE_MAX_COLS * sizeof(*d))))
			return -ENOMEM;
		tl->cycles = d;
		*cap = ncap;
	}
	tl->host_t[i] = number_or(o, "t", 0);
	tl->host_total[i] = (uint64_t)json_object_get_int64(member(o, "total"));
	tl->host_total_cycles[i] = (uint64_t)json_object_get_int64(member(o, "total_cycles"));
	memset(&tl->count[i * TIMELINE_MAX_COLS], 0, TIMELINE_MAX_COLS * sizeof(uint64_t));
	memset(&tl->cycles[i * TIMELINE_MAX_COLS], 0, TIMELINE_MAX_COLS * sizeof(uint64_t));
	if (!json_object_is_type(member(o, "reasons"), json_type_object))
		goto done;
	json_object_object_foreach(member(o, "reasons"), key, pair) {
		int c = col_of(tl, (uint32_t)strtoul(key, NULL, 10), true);

		if (c < 0 || !json_object_is_type(pair, json_type_array))
			continue;
		tl->count[i * TIMELINE_MAX_COLS + c] =
			(uint64_t)json_object_get_int64(json_object_array_get_idx(pair, 0));
		tl->cycles[i * TIMELINE_MAX_COLS + c] =
			(uint64_t)json_object_get_int64(json_object_array_get_idx(pair, 1));
	}
done:
	tl->n_host++;
	return 0;
}

int timeline_parse(const char *text, struct timeline *ret, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = strdup(text);
	struct timeline tl = { .seen_after_s = -1, .end_t = -1 };
	size_t host_cap = 0, console_cap = 0, probe_cap = 0, lineno = 0;
	char *line, *save = NULL;
	bool header = false;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line);
		const char *type = o ? json_object_get_string(member(o, "type")) : NULL;

		lineno++;
		if (!type) {
			json_object_put(o);
			continue;
		}
		if (!strcmp(type, "timeline")) {
			header = true;
			tl.arch = exit_arch_from_name(json_object_get_string(member(o, "isa")));
			snprintf(tl.vm, sizeof(tl.vm), "%s", json_object_get_string(member(o, "vm")) ?: "");
			tl.interval_ms = (unsigned)number_or(o, "interval_ms", 0);
			tl.seen_after_s = number_or(o, "seen_after_s", -1);
			tl.realtime = number_or(o, "realtime", 0);
			tl.end_t = number_or(o, "end_t", -1);
		} else if (!strcmp(type, "host")) {
			r = add_host(&tl, o, &host_cap);
		} else if (!strcmp(type, "console")) {
			r = grow((void **)&tl.console, &console_cap, tl.n_console, sizeof(*tl.console));
			if (r == 0) {
				tl.console[tl.n_console].t = number_or(o, "t", 0);
				tl.console[tl.n_console].line =
					strdup(json_object_get_string(member(o, "line")) ?: "");
				tl.n_console++;
			}
		} else if (!strcmp(type, "probe_line")) {
			r = grow((void **)&tl.probe, &probe_cap, tl.n_probe, sizeof(*tl.probe));
			if (r == 0) {
				tl.probe[tl.n_probe].t = number_or(o, "t", 0);
				tl.probe[tl.n_probe].index = (size_t)json_object_get_int64(member(o, "index"));
				tl.n_probe++;
			}
		}
		json_object_put(o);
	}
	if (r == 0 && !header) {
		snprintf(err, errlen, "no \"timeline\" header line");
		r = -EINVAL;
	} else if (r == 0 && tl.n_host == 0) {
		snprintf(err, errlen, "no host sample (L1 never saw L2's VM)");
		r = -ENODATA;
	} else if (r < 0) {
		snprintf(err, errlen, "out of memory at line %zu", lineno);
	}
	if (r < 0) {
		timeline_free(&tl);
		return r;
	}
	*ret = tl;
	return 0;
}

int timeline_load(const char *dir, struct timeline *ret, char *err, size_t errlen)
{
	_cleanup_free_ char *path = xasprintf("%s/timeline.jsonl", dir), *text = NULL;
	int r = read_file(path, &text, NULL);

	if (r < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	return timeline_parse(text, ret, err, errlen);
}

void timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->n_console; i++)
		free(tl->console[i].line);
	free(tl->console);
	free(tl->probe);
	free(tl->host_t);
	free(tl->host_total);
	free(tl->host_total_cycles);
	free(tl->count);
	free(tl->cycles);
	memset(tl, 0, sizeof(*tl));
}

size_t timeline_host_at(const struct timeline *tl, double t)
{
	size_t lo = 0, hi = tl->n_host;

	/* The first sample after t, by bisection; the one before it is the answer. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->host_t[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SIZE_MAX;
}

size_t timeline_host_after(const struct timeline *tl, double t)
{
	size_t i = timeline_host_at(tl, t);

	if (i != SIZE_MAX && tl->host_t[i] >= t)
		return i;
	i = i == SIZE_MAX ? 0 : i + 1;
	return i < tl->n_host ? i : SIZE_MAX;
}

uint64_t timeline_count(const struct timeline *tl, size_t i, uint32_t reason)
{
	int c = col_find(tl, reason);

	return i == SIZE_MAX || c < 0 ? 0 : tl->count[i * TIMELINE_MAX_COLS + (size_t)c];
}

uint64_t timeline_cycles(const struct timeline *tl, size_t i, uint32_t reason)
{
	int c = col_find(tl, reason);

	return i == SIZE_MAX || c < 0 ? 0 : tl->cycles[i * TIMELINE_MAX_COLS + (size_t)c];
}

uint64_t timeline_total(const struct timeline *tl, size_t i)
{
	return i == SIZE_MAX ? 0 : tl->host_total[i];
}

static uint32_t cpuid_reason(enum exit_arch arch)
{
	return arch == EXIT_ARCH_VMX ? 10 : 0x72;
}

/* The arrival of samples.jsonl's line index; < -1e299 when L1 did not see it arrive. */
static double arrival_of(const struct timeline *tl, size_t index)
{
	for (size_t i = 0; i < tl->n_probe; i++)
		if (tl->probe[i].index == index)
			return tl->probe[i].t;
	return -1e300;
}

static bool in_bracket(struct timeline_check *c, size_t index, const char *what, uint64_t lo,
		       uint64_t v, uint64_t hi)
{
	c->reasons_checked++;
	if (lo <= v && v <= hi)
		return true;
	if (!c->first_failure[0])
		snprintf(c->first_failure, sizeof(c->first_failure),
			 "samples.jsonl line %zu: %s %" PRIu64 " not within the host's %" PRIu64
			 "..%" PRIu64, index + 1, what, v, lo, hi);
	return false;
}

int timeline_check_samples(const struct timeline *tl, const char *samples_text,
			   struct timeline_check *ret, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = strdup(samples_text);
	struct timeline_check c = { .latency_min = 1e300, .latency_max = -1e300 };
	uint32_t cpuid = cpuid_reason(tl->arch);
	char *line, *save = NULL;
	size_t index = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), index++) {
		struct json_object *o = json_tokener_parse(line), *reasons;
		double t_read, arrival;
		size_t lo, hi;
		bool ok = true;

		if (!o) {
			snprintf(err, errlen, "samples.jsonl line %zu is not JSON", index + 1);
			return -EINVAL;
		}
		if (strcmp(json_object_get_string(member(o, "type")) ?: "", "sample") != 0) {
			json_object_put(o);
			continue;
		}
		c.samples++;
		t_read = number_or(o, "realtime", 0) - tl->realtime;
		arrival = arrival_of(tl, index);
		hi = arrival > -1e299 ? timeline_host_after(tl, arrival) : SIZE_MAX;
		if (hi == SIZE_MAX) {
			c.unbracketed++;
			json_object_put(o);
			continue;
		}
		lo = timeline_host_at(tl, t_read - TIMELINE_CHECK_MARGIN_S);
		if (arrival - t_read < c.latency_min)
			c.latency_min = arrival - t_read;
		if (arrival - t_read > c.latency_max)
			c.latency_max = arrival - t_read;
		ok &= in_bracket(&c, index, "total", timeline_total(tl, lo),
				 (uint64_t)json_object_get_int64(member(o, "total")), timeline_total(tl, hi));
		reasons = member(o, "reasons");
		if (!json_object_is_type(reasons, json_type_object)) {
			/* No reason with exits yet: an empty set, owned by o. */
			reasons = json_object_new_object();
			json_object_object_add(o, "reasons", reasons);
		}
		json_object_object_foreach(reasons, key, r) {
			uint32_t reason = (uint32_t)strtoul(key, NULL, 10);
			uint64_t v = (uint64_t)json_object_get_int64(member(r, "count"));
			char what[32];

			snprintf(what, sizeof(what), "reason %u", reason);
			ok &= in_bracket(&c, index, what, timeline_count(tl, lo, reason), v,
					 timeline_count(tl, hi, reason));
			if (reason == cpuid && timeline_count(tl, hi, reason) >= v &&
			    timeline_count(tl, hi, reason) - v > c.cpuid_slack_max)
				c.cpuid_slack_max = timeline_count(tl, hi, reason) - v;
		}
		c.checked++;
		c.failed += !ok;
		json_object_put(o);
	}
	if (!c.checked)
		c.latency_min = c.latency_max = 0;
	*ret = c;
	return 0;
}
