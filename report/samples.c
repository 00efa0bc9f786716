// SPDX-License-Identifier: GPL-2.0-only
#include "samples.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"

const char *const report_phases[] = { "boot", "check", "idle", "io", "reboot" };
const size_t report_n_phases = ARRAY_SIZE(report_phases);

uint32_t run_cpuid_reason(const struct run *r)
{
	return r->arch == EXIT_ARCH_VMX ? 10 : 0x72;
}

static bool get_num(struct json_object *o, const char *key, double *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*ret = json_object_get_double(v);
	return true;
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return false;
	*ret = (uint64_t)json_object_get_int64(v);
	return true;
}

static void copy_str(char *dst, size_t len, struct json_object *o, const char *key)
{
	struct json_object *v;

	snprintf(dst, len, "%s",
		 json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "");
}

/*
 * The probe's own reads are CPUID exits: out of the total, and out of the
 * CPUID reason, whose cycles shrink in proportion (same mean cost).
 */
static bool parse_counts(struct run *run, struct json_object *o, struct sample *s)
{
	struct json_object *reasons, *arch;
	uint64_t observer = 0;
	uint32_t cpuid;

	if (!get_u64(o, "total", &s->total_raw) ||
	    !get_u64(o, "total_cycles", &s->total_cycles) ||
	    !json_object_object_get_ex(o, "reasons", &reasons) ||
	    !json_object_is_type(reasons, json_type_object))
		return false;
	if (run->arch == EXIT_ARCH_UNKNOWN && json_object_object_get_ex(o, "arch", &arch))
		run->arch = exit_arch_from_name(json_object_get_string(arch));
	if (run->arch == EXIT_ARCH_UNKNOWN)
		return false;
	copy_str(s->phase, sizeof(s->phase), o, "phase");
	get_u64(o, "observer_cpuid", &observer);
	s->total = s->total_raw > observer ? s->total_raw - observer : 0;
	cpuid = run_cpuid_reason(run);
	json_object_object_foreach(reasons, key, entry)
	{
		char *end;
		unsigned long reason = strtoul(key, &end, 10);
		uint64_t count, cycles, own = 0;

		if (*end || reason >= REPORT_SLOTS || !get_u64(entry, "count", &count) ||
		    !get_u64(entry, "cycles", &cycles))
			return false;
		if (reason == cpuid && get_u64(entry, "observer", &own) && count) {
			uint64_t kept = count > own ? count - own : 0;

			cycles = (uint64_t)((double)cycles * kept / count);
			count = kept;
		}
		s->count[reason] = count;
		s->cycles[reason] = cycles;
	}
	return true;
}

static bool parse_sample(struct run *run, struct json_object *o, struct sample *s)
{
	return get_num(o, "t", &s->t) && parse_counts(run, o, s);
}

/* What an end mark's "result" says of the phase's workload. */
static void parse_result(struct json_object *o, struct mark *m)
{
	struct json_object *result, *v;

	if (!json_object_object_get_ex(o, "result", &result) ||
	    !json_object_is_type(result, json_type_object))
		return;
	m->failed = json_object_object_get_ex(result, "status", &v) &&
		    strcmp(json_object_get_string(v), "ok") != 0;
	if (m->failed)
		copy_str(m->error, sizeof(m->error), result, "error");
}

static int push(void **v, size_t *n, size_t size)
{
	void *grown = realloc(*v, (*n + 1) * size);

	if (!grown)
		return -ENOMEM;
	*v = grown;
	memset((char *)grown + *n * size, 0, size);
	(*n)++;
	return 0;
}

static int cmp_sample_t(const void *a, const void *b)
{
	double ta = ((const struct sample *)a)->t, tb = ((const struct sample *)b)->t;

	return (ta > tb) - (ta < tb);
}

/* With no sampler in L2 the marks' own counts are the only points in time. */
static int samples_from_marks(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n_marks; i++) {
		if (!r->marks[i].exact)
			continue;
		if (push((void **)&r->samples, &r->n_samples, sizeof(*r->samples)) < 0)
			return -ENOMEM;
		r->samples[r->n_samples - 1] = r->marks[i].counts;
		snprintf(r->samples[r->n_samples - 1].phase,
			 sizeof(r->samples[r->n_samples - 1].phase), "%s", r->marks[i].phase);
	}
	qsort(r->samples, r->n_samples, sizeof(*r->samples), cmp_sample_t);
	r->samples_from_marks = r->n_samples > 0;
	return 0;
}

int run_parse(const char *text, struct run *ret, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	struct run r = { .arch = EXIT_ARCH_UNKNOWN };
	char *line, *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *type;
		const char *kind;

		if (!o || !json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "type", &type)) {
			r.skipped_lines++;
			json_object_put(o);
			continue;
		}
		kind = json_object_get_string(type);
		if (!strcmp(kind, "sample")) {
			if (push((void **)&r.samples, &r.n_samples, sizeof(*r.samples)) < 0)
				goto oom;
			if (!parse_sample(&r, o, &r.samples[r.n_samples - 1])) {
				r.n_samples--;
				r.skipped_lines++;
			}
		} else if (!strcmp(kind, "phase")) {
			struct json_object *event;
			struct mark m = { 0 };

			copy_str(m.phase, sizeof(m.phase), o, "phase");
			if (!get_num(o, "t", &m.t) || !json_object_object_get_ex(o, "event", &event)) {
				r.skipped_lines++;
			} else {
				struct json_object *counters;
				struct mark *p;

				m.begin = !strcmp(json_object_get_string(event), "begin");
				if (push((void **)&r.marks, &r.n_marks, sizeof(*r.marks)) < 0)
					goto oom;
				p = &r.marks[r.n_marks - 1];
				*p = m;
				p->counts.t = m.t;
				/* Counts that do not parse leave the mark to the samples. */
				p->exact = json_object_object_get_ex(o, "counters", &counters) &&
					   json_object_is_type(counters, json_type_object) &&
					   parse_counts(&r, counters, &p->counts);
				parse_result(o, p);
			}
		}
		json_object_put(o);
		continue;
oom:
		json_object_put(o);
		run_free(&r);
		return -ENOMEM;
	}
	if (r.n_samples == 0 && samples_from_marks(&r) < 0) {
		run_free(&r);
		return -ENOMEM;
	}
	if (r.n_samples == 0) {
		snprintf(err, errlen, "no samples and no phase mark with counts (%zu lines skipped)",
			 r.skipped_lines);
		run_free(&r);
		return -ENODATA;
	}
	*ret = r;
	return 0;
}

int run_load(const char *dir, struct run *ret, char *err, size_t errlen)
{
	_cleanup_free_ char *path = xasprintf("%s/samples.jsonl", dir), *text = NULL;
	int r;

	if (read_file(path, &text, NULL) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	r = run_parse(text, ret, err, errlen);
	if (r == 0)
		snprintf(ret->dir, sizeof(ret->dir), "%s", dir);
	return r;
}

void run_free(struct run *r)
{
	free(r->samples);
	free(r->marks);
	memset(r, 0, sizeof(*r));
}

const struct sample *run_last(const struct run *r)
{
	return r->n_samples ? &r->samples[r->n_samples - 1] : NULL;
}

static const struct mark *find_mark(const struct run *r, const char *phase, bool begin)
{
	size_t i;

	for (i = 0; i < r->n_marks; i++)
		if (r->marks[i].begin == begin && !strcmp(r->marks[i].phase, phase))
			return &r->marks[i];
	return NULL;
}

const struct mark *run_end_mark(const struct run *r, const char *phase)
{
	return find_mark(r, phase, false);
}

size_t run_extra_phases(const struct run *r, const char **ret, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->n_marks && n < max; i++) {
		bool known = !r->marks[i].begin;

		for (j = 0; j < report_n_phases && !known; j++)
			known = !strcmp(r->marks[i].phase, report_phases[j]);
		for (j = 0; j < n && !known; j++)
			known = !strcmp(r->marks[i].phase, ret[j]);
		if (!known)
			ret[n++] = r->marks[i].phase;
	}
	return n;
}

/* The last sample taken at or before t (samples are in time order), or NULL. */
static const struct sample *at(const struct run *r, double t)
{
	const struct sample *best = NULL;
	size_t i;

	for (i = 0; i < r->n_samples && r->samples[i].t <= t; i++)
		best = &r->samples[i];
	return best;
}

uint64_t counter_delta(uint64_t later, uint64_t earlier)
{
	return later >= earlier ? later - earlier : 0;
}

void run_phase_delta(const struct run *r, const char *phase, struct phase_delta *ret)
{
	const struct mark *begin = find_mark(r, phase, true), *end = find_mark(r, phase, false);
	const struct sample *a, *b;
	bool from_creation = strcmp(phase, "boot") == 0;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (!begin || !end)
		return;
	ret->begin_t = begin->t;
	ret->end_t = end->t;
	b = end->exact ? &end->counts : at(r, ret->end_t);
	a = from_creation ? NULL : begin->exact ? &begin->counts : at(r, ret->begin_t);
	if (!b)
		return;
	ret->present = true;
	ret->exact = end->exact && (from_creation || begin->exact);
	ret->total = counter_delta(b->total, a ? a->total : 0);
	ret->total_cycles = counter_delta(b->total_cycles, a ? a->total_cycles : 0);
	for (i = 0; i < REPORT_SLOTS; i++) {
		ret->count[i] = counter_delta(b->count[i], a ? a->count[i] : 0);
		ret->cycles[i] = counter_delta(b->cycles[i], a ? a->cycles[i] : 0);
	}
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int run_dirs_in(const char *dir, char ***ret, size_t *n_ret)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		_cleanup_free_ char *s = NULL;
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		s = xasprintf("%s/%s/samples.jsonl", dir, e->d_name);
		if (!file_exists(s))
			continue;
		grown = realloc(v, (n + 1) * sizeof(*v));
		if (!grown)
			return -ENOMEM;
		v = grown;
		v[n++] = xasprintf("%s/%s", dir, e->d_name);
	}
	qsort(v, n, sizeof(*v), cmp_path);
	*ret = v;
	*n_ret = n;
	return 0;
}
