// SPDX-License-Identifier: GPL-2.0-only
/* exitlab runs/soak: how many at once, failure kinds, the soak's figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lab/l0/many.h"

static void jobs_by_cores_and_memory(void **state)
{
	(void)state;
	/* This machine: 2 cores, ~23 GiB free, L1 4 GiB: cores decide. */
	assert_int_equal(many_default_jobs(4, 2, 23000, 4096, 2048), 2);
	/* Fewer runs than cores. */
	assert_int_equal(many_default_jobs(1, 8, 64000, 4096, 2048), 1);
	/* Memory decides: 12 GiB holds two of 4 GiB + QEMU's own 1 GiB cache... */
	assert_int_equal(many_default_jobs(8, 16, 12288, 4096, 0), 2);
	/* ...and 16000 MiB three of those, but two of 4 GiB + a 2 GiB cache. */
	assert_int_equal(many_default_jobs(8, 16, 16000, 4096, 0), 3);
	assert_int_equal(many_default_jobs(8, 16, 16000, 4096, 2048), 2);
	/* Never none, even on a machine that looks full. */
	assert_int_equal(many_default_jobs(3, 2, 1000, 4096, 2048), 1);
	/* Unknown memory (-1) does not stop the runs. */
	assert_int_equal(many_default_jobs(3, 2, -1, 4096, 2048), 1);
}

static const char *kind_of(const char *json)
{
	struct json_object *o = json_tokener_parse(json);
	static char kind[64];

	assert_non_null(o);
	snprintf(kind, sizeof(kind), "%s", soak_failure_kind(o));
	json_object_put(o);
	return kind;
}

static void failure_kinds(void **state)
{
	(void)state;
	/* L1's kernel named it: that wins. */
	assert_string_equal(kind_of("{\"error\":\"L1 hung: its agent printed nothing for 30 s\","
				    "\"l1_fault\":\"guest-gs-recursion\"}"),
			    "guest-gs-recursion");
	assert_string_equal(kind_of("{\"error\":\"L1 hung: its agent printed nothing for 30 s; "
				    "destroyed it\",\"l1_fault\":\"other\"}"),
			    "hang");
	assert_string_equal(kind_of("{\"error\":\"a CPU of L1 has been stuck for 120 s or more\"}"),
			    "soft-lockup");
	assert_string_equal(kind_of("{\"error\":\"L1 did not finish within 1200 s; destroyed it\"}"),
			    "timeout");
	assert_string_equal(kind_of("{\"error\":\"the second VM ended before L2 did\"}"), "second-vm");
	assert_string_equal(kind_of("{\"error\":\"L1 reported a failure\"}"), "l2-failed");
	/* L2's hang, as the agent reports it: not L1's. */
	assert_string_equal(kind_of("{\"error\":\"L1 reported a failure: L2 hung: no console "
				    "output and no sample for 180 s\"}"), "l2-hang");
	assert_string_equal(kind_of("{\"error\":\"L1 reported a failure: L2 did not finish "
				    "within 900 s\"}"), "l2-timeout");
	assert_string_equal(kind_of("{\"error\":\"something new\"}"), "other");
	assert_string_equal(kind_of("{}"), "other");
}

/* Two runs that succeeded (one after a hang), one that never did. */
static const char soak_runs[] =
	"[{\"run_id\":\"s-1\",\"exit_status\":0,\"seconds\":250,"
	"  \"env\":{\"failed_attempts\":[],\"timings\":{"
	"    \"before\":[{\"where\":\"L0\",\"step\":\"accelerator trial\",\"seconds\":3}],"
	"    \"attempts\":[{\"seconds\":240,\"steps\":["
	"      {\"where\":\"L2\",\"step\":\"phase boot\",\"seconds\":50}]}],"
	"    \"after\":[],\"total_seconds\":250}}},"
	" {\"run_id\":\"s-2\",\"exit_status\":0,\"seconds\":330,"
	"  \"env\":{\"failed_attempts\":[{\"error\":\"L1 hung: its agent printed nothing\"}],"
	"   \"timings\":{\"before\":[{\"where\":\"L0\",\"step\":\"accelerator trial\",\"seconds\":5}],"
	"    \"attempts\":[{\"seconds\":45,\"failure\":\"L1 hung\",\"steps\":["
	"      {\"where\":\"L2\",\"step\":\"phase boot\",\"seconds\":999}]},"
	"     {\"seconds\":280,\"steps\":[{\"where\":\"L2\",\"step\":\"phase boot\",\"seconds\":70}]}],"
	"    \"after\":[],\"total_seconds\":330}}},"
	" {\"run_id\":\"s-3\",\"exit_status\":1,\"seconds\":900,\"env\":null,"
	"  \"failed_attempts\":[{\"error\":\"x\",\"l1_fault\":\"soft-lockup\"},"
	"   {\"error\":\"L1 did not finish within 1200 s\"}],\"timings\":null}]";

static struct json_object *step_named(struct json_object *summary, const char *name)
{
	struct json_object *steps, *s, *v;
	size_t i;

	assert_true(json_object_object_get_ex(summary, "steps", &steps));
	for (i = 0; i < json_object_array_length(steps); i++) {
		s = json_object_array_get_idx(steps, i);
		if (json_object_object_get_ex(s, "step", &v) &&
		    !strcmp(json_object_get_string(v), name))
			return s;
	}
	fail_msg("no step '%s' in the summary", name);
	return NULL;
}

static double number(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_double(v);
}

static void summary_figures(void **state)
{
	struct json_object *runs = json_tokener_parse(soak_runs), *summary, *failures, *boot;
	char *md = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(runs);
	summary = soak_summarize(runs);
	assert_int_equal((int)number(summary, "runs"), 3);
	assert_int_equal((int)number(summary, "succeeded"), 2);
	assert_int_equal((int)number(summary, "first_attempt_successes"), 1);
	assert_true(json_object_object_get_ex(summary, "failures", &failures));
	assert_int_equal((int)number(failures, "hang"), 1);
	assert_int_equal((int)number(failures, "soft-lockup"), 1);
	assert_int_equal((int)number(failures, "timeout"), 1);
	/* Only the attempts that succeeded count: the hung one's 999 s do not. */
	boot = step_named(summary, "phase boot");
	assert_int_equal((int)number(boot, "runs"), 2);
	assert_true(number(boot, "median_seconds") == 60);
	assert_true(number(boot, "max_seconds") == 70);
	assert_true(number(step_named(summary, "whole run"), "max_seconds") == 330);

	f = open_memstream(&md, &len);
	soak_print_markdown(summary, f);
	fclose(f);
	assert_non_null(strstr(md, "3 runs: 2 succeeded, 1 on their first attempt."));
	assert_non_null(strstr(md, "| L2 | phase boot | 2 | 60.0 | 70.0 |"));
	assert_non_null(strstr(md, "hang 1"));
	free(md);
	json_object_put(summary);
	json_object_put(runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jobs_by_cores_and_memory),
		cmocka_unit_test(failure_kinds),
		cmocka_unit_test(summary_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
