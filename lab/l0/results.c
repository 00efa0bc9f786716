// SPDX-License-Identifier: GPL-2.0-only
#include "results.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		r = -EINVAL;                        \
		goto out;                           \
	} while (0)

static bool get_u64(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)
		return false;
	*ret = json_object_get_uint64(v);
	return true;
}

static bool get_str(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(v));
	return true;
}

static bool get_regs(struct json_object *o, const char *key, uint32_t regs[4])
{
	struct json_object *a;
	size_t i;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != 4)
		return false;
	for (i = 0; i < 4; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		int64_t x;

		if (!json_object_is_type(v, json_type_int))
			return false;
		x = json_object_get_int64(v);
		if (x < 0 || x > 0xFFFFFFFFll)
			return false;
		regs[i] = (uint32_t)x;
	}
	return true;
}

int snapshot_parse(const char *json, struct snapshot *ret, char *err, size_t errlen)
{
	struct json_object *root, *reasons, *check;
	struct snapshot s = { 0 };
	char schema[64], arch[16];
	size_t i, n;
	int r = 0;

	root = json_tokener_parse(json);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		if (root)
			json_object_put(root);
		return -EINVAL;
	}
	if (!get_str(root, "schema", schema, sizeof(schema)) ||
	    strcmp(schema, "exitlab-snapshot/1") != 0)
		FAIL("schema is not exitlab-snapshot/1");
	if (!get_str(root, "arch", arch, sizeof(arch)) ||
	    (s.arch = exit_arch_from_name(arch)) == EXIT_ARCH_UNKNOWN)
		FAIL("arch missing or neither vmx nor svm");
	if (!get_str(root, "vendor", s.vendor, sizeof(s.vendor)) ||
	    !get_str(root, "phase", s.phase, sizeof(s.phase)))
		FAIL("vendor or phase missing");
	if (!get_u64(root, "total_exits", &s.total_exits) ||
	    !get_u64(root, "scan_total_before", &s.total_before) ||
	    !get_u64(root, "total_cycles", &s.total_cycles) ||
	    !get_regs(root, "total_exits_regs", s.total_exits_regs) ||
	    !get_regs(root, "total_cycles_regs", s.total_cycles_regs))
		FAIL("totals missing or malformed");
	if (!json_object_object_get_ex(root, "cpuid_self_check", &check) ||
	    !get_u64(check, "before", &s.self_before) || !get_u64(check, "after", &s.self_after) ||
	    !get_u64(check, "expected_delta", &s.self_expected_delta))
		FAIL("cpuid_self_check missing or malformed");
	if (!json_object_object_get_ex(root, "reasons", &reasons) ||
	    !json_object_is_type(reasons, json_type_array))
		FAIL("reasons missing");
	n = json_object_array_length(reasons);
	if (n == 0 || n > 100000)
		FAIL("reasons: %zu entries", n);
	s.rows = calloc(n, sizeof(*s.rows));
	if (!s.rows) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(reasons, i);
		struct reason_row *row = &s.rows[i];
		uint64_t reason;

		if (!json_object_is_type(o, json_type_object) || !get_u64(o, "reason", &reason) ||
		    reason > 0xFFFFFFFFu || !get_str(o, "class", row->cls, sizeof(row->cls)) ||
		    !get_u64(o, "count", &row->count) || !get_u64(o, "cycles", &row->cycles) ||
		    !get_regs(o, "count_regs", row->count_regs) ||
		    !get_regs(o, "cycles_regs", row->cycles_regs))
			FAIL("reasons[%zu] malformed", i);
		row->reason = (uint32_t)reason;
		if (!get_str(o, "name", row->name, sizeof(row->name)))
			row->name[0] = '\0';
	}
	s.n_rows = n;
	*ret = s;
	s.rows = NULL;
out:
	free(s.rows);
	json_object_put(root);
	return r;
}

void snapshot_free(struct snapshot *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n_rows = 0;
}

const struct reason_row *snapshot_find(const struct snapshot *s, uint32_t reason)
{
	size_t i;

	for (i = 0; i < s->n_rows; i++) {
		if (s->rows[i].reason == reason)
			return &s->rows[i];
	}
	return NULL;
}

uint64_t snapshot_sum_counts(const struct snapshot *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->n_rows; i++)
		sum += s->rows[i].count;
	return sum;
}

uint64_t snapshot_sum_cycles(const struct snapshot *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->n_rows; i++)
		sum += s->rows[i].cycles;
	return sum;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct reason_row *x = *(const struct reason_row *const *)a;
	const struct reason_row *y = *(const struct reason_row *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

void snapshot_print_table(const struct snapshot *s, FILE *out)
{
	_cleanup_free_ const struct reason_row **sorted = calloc(s->n_rows, sizeof(*sorted));
	size_t i, n = 0;

	if (!sorted)
		return;
	for (i = 0; i < s->n_rows; i++) {
		if (s->rows[i].count > 0)
			sorted[n++] = &s->rows[i];
	}
	qsort(sorted, n, sizeof(*sorted), by_count_desc);
	fprintf(out, "%-8s %-6s %-26s %12s %16s %12s\n", "reason", "hex", "name", "count", "cycles",
		"cycles/exit");
	for (i = 0; i < n; i++) {
		const struct reason_row *row = sorted[i];

		fprintf(out, "%-8u 0x%-4x %-26s %12llu %16llu %12llu\n", row->reason, row->reason,
			row->name[0] ? row->name : "?", (unsigned long long)row->count,
			(unsigned long long)row->cycles,
			(unsigned long long)(row->cycles / row->count));
	}
	fprintf(out, "%-8s %-6s %-26s %12llu %16llu %12llu\n", "total", "", "", (unsigned long long)s->total_exits,
		(unsigned long long)s->total_cycles,
		(unsigned long long)(s->total_exits ? s->total_cycles / s->total_exits : 0));
}

char *snapshot_to_csv(const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;

	if (!f)
		return NULL;
	fputs("reason,name,class,count,cycles,cycles_per_exit\n", f);
	for (i = 0; i < s->n_rows; i++) {
		const struct reason_row *row = &s->rows[i];

		fprintf(f, "%u,%s,%s,%llu,%llu,%llu\n", row->reason, row->name, row->cls,
			(unsigned long long)row->count, (unsigned long long)row->cycles,
			(unsigned long long)(row->count ? row->cycles / row->count : 0));
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
