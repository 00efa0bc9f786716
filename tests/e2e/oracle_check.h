/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The oracle's verdict, as both end-to-end tiers require it: every counted
 * reason's leaf growth equals KVM's own kvm_exit count over the interval.
 */
#ifndef EXITLAB_TESTS_ORACLE_CHECK_H
#define EXITLAB_TESTS_ORACLE_CHECK_H

#include <json-c/json.h>

#include "../../lab/common/util.h"

/* Reads RUN_DIR/oracle.json, fails the test on any disagreement; returns it (put it). */
static inline struct json_object *assert_oracle_agrees(const char *run_dir)
{
	_cleanup_free_ char *text = NULL, *path = xasprintf("%s/oracle.json", run_dir);
	struct json_object *oracle, *v, *rows, *total;
	size_t i;

	assert_int_equal(read_file(path, &text, NULL), 0);
	oracle = json_tokener_parse(text);
	assert_non_null(oracle);
	if (json_object_object_get_ex(oracle, "error", &v))
		fail_msg("the oracle did not run: %s", json_object_get_string(v));
	assert_true(json_object_object_get_ex(oracle, "reasons", &rows));
	assert_true(json_object_array_length(rows) > 0);
	for (i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *eq, *r, *l, *t;

		json_object_object_get_ex(row, "reason", &r);
		json_object_object_get_ex(row, "leaf_delta", &l);
		json_object_object_get_ex(row, "trace_delta", &t);
		if (!json_object_object_get_ex(row, "equal", &eq) || !json_object_get_boolean(eq))
			fail_msg("reason %d: leaves counted %lld, kvm_exit %lld", json_object_get_int(r),
				 (long long)json_object_get_int64(l), (long long)json_object_get_int64(t));
	}
	assert_true(json_object_object_get_ex(oracle, "total", &total));
	assert_true(json_object_object_get_ex(total, "equal", &v));
	assert_true(json_object_get_boolean(v));
	/* Per-reason counts add up to the total exactly (within the vCPUs' tolerance). */
	assert_true(json_object_object_get_ex(oracle, "sum_of_reasons", &total));
	if (!json_object_object_get_ex(total, "equal", &v) || !json_object_get_boolean(v)) {
		struct json_object *s = NULL, *t = NULL, *err = NULL;

		json_object_object_get_ex(total, "sum", &s);
		json_object_object_get_ex(total, "total", &t);
		json_object_object_get_ex(total, "error", &err);
		fail_msg("per-reason counts add up to %lld, the total is %lld%s%s",
			 (long long)json_object_get_int64(s), (long long)json_object_get_int64(t),
			 err ? ": " : "", err ? json_object_get_string(err) : "");
	}
	assert_true(json_object_object_get_ex(oracle, "mismatches", &v));
	assert_int_equal(json_object_get_int(v), 0);
	/* An exit the oracle could not name is one no reason was checked against. */
	assert_true(json_object_object_get_ex(oracle, "unknown_reason_names", &v));
	if (json_object_get_int64(v) != 0)
		fail_msg("%lld kvm_exit events had a reason name the oracle does not know",
			 (long long)json_object_get_int64(v));
	return oracle;
}

#endif
