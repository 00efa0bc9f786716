// SPDX-License-Identifier: GPL-2.0-only
#include "vmstats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failf(char *err, size_t errlen, int r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "exit_stats line %u: ", line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return r;
}

/* One unsigned decimal number of at most 64 bits; *p moves past it and one space. */
static bool take_u64(const char **p, const char *end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	if (s < end && *s != ' ')
		return false;
	if (s < end)
		s++;
	*p = s;
	*ret = v;
	return true;
}

/* "key n1 n2 ...": exactly want numbers after the key. */
static bool take_numbers(const char *p, const char *end, uint64_t *v, size_t want)
{
	size_t i;

	for (i = 0; i < want; i++) {
		if (!take_u64(&p, end, &v[i]))
			return false;
	}
	return p == end;
}

static bool key_is(const char *line, const char *end, const char *key, const char **ret_rest)
{
	size_t n = strlen(key);

	if ((size_t)(end - line) <= n || strncmp(line, key, n) != 0 || line[n] != ' ')
		return false;
	*ret_rest = line + n + 1;
	return true;
}

int vmstats_parse(const char *text, struct vmstats *ret, char *err, size_t errlen)
{
	struct vmstats s = { 0 };
	const char *line = text, *rest;
	unsigned lineno = 0, seen = 0;
	size_t cap = 0;
	int r = 0;

	enum { SEEN_ISA = 1, SEEN_VCPUS = 2, SEEN_BUCKETS = 4, SEEN_TOTAL = 8, SEEN_OTHER = 16,
	       SEEN_PREEMPTED = 32, SEEN_ALL = 63 };

	memset(ret, 0, sizeof(*ret));
	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *next = end ? end + 1 : NULL;
		uint64_t v[3 + VMSTATS_MAX_BUCKETS];

		if (!end)
			end = line + strlen(line);
		lineno++;
		if (lineno == 1) {
			if (!key_is(line, end, "kvm_exit_stats", &rest) || !take_numbers(rest, end, v, 1)) {
				r = failf(err, errlen, -EINVAL, lineno, "not a kvm exit_stats file");
				goto out;
			}
			s.version = (unsigned)v[0];
			if (s.version != VMSTATS_VERSION) {
				r = failf(err, errlen, -EPROTO, lineno, "version %u, this parser reads %u",
					  s.version, VMSTATS_VERSION);
				goto out;
			}
		} else if (key_is(line, end, "isa", &rest)) {
			if ((end - rest != 3) || (strncmp(rest, "vmx", 3) && strncmp(rest, "svm", 3))) {
				r = failf(err, errlen, -EINVAL, lineno, "isa is neither vmx nor svm");
				goto out;
			}
			memcpy(s.isa, rest, 3);
			seen |= SEEN_ISA;
		} else if (key_is(line, end, "vcpus", &rest) && take_numbers(rest, end, v, 1)) {
			s.vcpus = (unsigned)v[0];
			seen |= SEEN_VCPUS;
		} else if (key_is(line, end, "buckets", &rest) && take_numbers(rest, end, v, 1)) {
			if (v[0] == 0 || v[0] > VMSTATS_MAX_BUCKETS) {
				r = failf(err, errlen, -EINVAL, lineno, "%" PRIu64 " buckets", v[0]);
				goto out;
			}
			s.buckets = (unsigned)v[0];
			seen |= SEEN_BUCKETS;
		} else if (key_is(line, end, "total", &rest) && take_numbers(rest, end, v, 2)) {
			s.total = v[0];
			s.total_cycles = v[1];
			seen |= SEEN_TOTAL;
		} else if (key_is(line, end, "other", &rest) && take_numbers(rest, end, v, 2)) {
			s.other = v[0];
			s.other_cycles = v[1];
			seen |= SEEN_OTHER;
		} else if (key_is(line, end, "preempted", &rest) && take_numbers(rest, end, v, 1)) {
			s.preempted = v[0];
			seen |= SEEN_PREEMPTED;
		} else if (key_is(line, end, "reason", &rest)) {
			struct vmstats_reason *row;

			if (!(seen & SEEN_BUCKETS)) {
				r = failf(err, errlen, -EINVAL, lineno, "a reason before the buckets line");
				goto out;
			}
			if (!take_numbers(rest, end, v, 3 + s.buckets) || v[0] > UINT32_MAX) {
				r = failf(err, errlen, -EINVAL, lineno,
					  "a reason line needs reason, count, cycles and %u buckets",
					  s.buckets);
				goto out;
			}
			if (s.n_reasons == cap) {
				size_t ncap = cap ? cap * 2 : 128;
				void *grown = realloc(s.reasons, ncap * sizeof(*s.reasons));

				if (!grown) {
					r = failf(err, errlen, -ENOMEM, lineno, "out of memory");
					goto out;
				}
				s.reasons = grown;
				cap = ncap;
			}
			row = &s.reasons[s.n_reasons++];
			memset(row, 0, sizeof(*row));
			row->reason = (uint32_t)v[0];
			row->count = v[1];
			row->cycles = v[2];
			memcpy(row->hist, v + 3, s.buckets * sizeof(v[0]));
		} else {
			r = failf(err, errlen, -EINVAL, lineno, "unexpected line: %.*s",
				  (int)(end - line > 40 ? 40 : end - line), line);
			goto out;
		}
		line = next;
	}
	if (lineno == 0 || (seen & SEEN_ALL) != SEEN_ALL) {
		r = failf(err, errlen, -EINVAL, lineno, "the header is incomplete");
		goto out;
	}
	*ret = s;
	return 0;
out:
	free(s.reasons);
	return r;
}

void vmstats_free(struct vmstats *s)
{
	free(s->reasons);
	s->reasons = NULL;
	s->n_reasons = 0;
}

const struct vmstats_reason *vmstats_find(const struct vmstats *s, uint32_t reason)
{
	size_t i;

	for (i = 0; i < s->n_reasons; i++) {
		if (s->reasons[i].reason == reason)
			return &s->reasons[i];
	}
	return NULL;
}

uint64_t vmstats_sum_counts(const struct vmstats *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->n_reasons; i++)
		sum += s->reasons[i].count;
	return sum;
}

uint64_t vmstats_sum_cycles(const struct vmstats *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->n_reasons; i++)
		sum += s->reasons[i].cycles;
	return sum;
}

uint64_t vmstats_hist_sum(const struct vmstats *s, const struct vmstats_reason *r)
{
	uint64_t sum = 0;
	unsigned b;

	for (b = 0; b < s->buckets; b++)
		sum += r->hist[b];
	return sum;
}
