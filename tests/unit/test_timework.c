// SPDX-License-Identifier: GPL-2.0-only
/*
 * The time-driven / work-driven criterion (report/timework.h) on runs built
 * so the answer is known: INTR comes at 100 exits/s in every phase (time),
 * IOIO is 2000 exits in boot, 1000 in check and 500 in io whatever the speed
 * (work), MSR is 1000 exits in boot plus 5/s throughout (mixed). The slow run
 * is the same guest with every phase lasting twice as long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/common/util.h"
#include "../../report/timework.h"

#define INTR 0x60
#define IOIO 0x7b
#define MSR 0x7c

/* Phase boundaries (s) of the fast run: boot, check, idle, io, reboot. */
static const double edges[] = { 0, 100, 110, 125, 140, 250 };

/* Work of a phase, spread evenly over it. */
static double work(uint32_t reason, size_t phase)
{
	if (reason == IOIO)
		return phase == 0 ? 2000 : phase == 1 ? 1000 : phase == 3 ? 500 : 0;
	if (reason == MSR)
		return phase == 0 ? 1000 : 0;
	return 0;
}

static double per_second(uint32_t reason)
{
	return reason == INTR ? 100 : reason == MSR ? 5 : 0;
}

/* Exits of reason by time t of a run whose phases last `scale` times the fast run's. */
static uint64_t cum(uint32_t reason, double t, double scale)
{
	double c = per_second(reason) * t;
	size_t p;

	for (p = 0; p < 5; p++) {
		double a = edges[p] * scale, b = edges[p + 1] * scale;

		if (t >= b)
			c += work(reason, p);
		else if (t > a)
			c += work(reason, p) * (t - a) / (b - a);
	}
	return (uint64_t)llround(c);
}

static char *make_run(double scale)
{
	static const uint32_t reasons[] = { INTR, IOIO, MSR };
	char *text = NULL;
	size_t len = 0, p;
	FILE *f = open_memstream(&text, &len);
	int k;

	assert_non_null(f);
	for (p = 0; p < 5; p++)
		fprintf(f, "{\"type\":\"phase\",\"phase\":\"%s\",\"event\":\"begin\",\"t\":%.3f}\n",
			report_phases[p], edges[p] * scale);
	for (k = 0; k <= 250; k++) {
		double t = k * scale;
		uint64_t total = 0;
		size_t i;

		for (i = 0; i < 3; i++)
			total += cum(reasons[i], t, scale);
		for (p = 0; p < 4 && t >= edges[p + 1] * scale; p++)
			;
		fprintf(f, "{\"type\":\"sample\",\"phase\":\"%s\",\"arch\":\"svm\",\"t\":%.3f,"
			   "\"total\":%llu,\"total_cycles\":0,\"reasons\":{",
			report_phases[p], t, (unsigned long long)total);
		for (i = 0; i < 3; i++)
			fprintf(f, "%s\"%u\":{\"count\":%llu,\"cycles\":0}", i ? "," : "", reasons[i],
				(unsigned long long)cum(reasons[i], t, scale));
		fprintf(f, "}}\n");
	}
	for (p = 0; p < 5; p++)
		fprintf(f, "{\"type\":\"phase\",\"phase\":\"%s\",\"event\":\"end\",\"t\":%.3f}\n",
			report_phases[p], edges[p + 1] * scale);
	fclose(f);
	return text;
}

static void parse(double scale, struct run *r)
{
	_cleanup_free_ char *text = make_run(scale);
	char err[256] = "";

	if (run_parse(text, r, err, sizeof(err)) < 0)
		fail_msg("run_parse: %s", err);
}

static const struct tw_reason *get(const struct tw_result *res, uint32_t reason)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (res->v[i].reason == reason)
			return &res->v[i];
	fail_msg("reason 0x%x not classified", reason);
	return NULL;
}

static void across_runs(void **state)
{
	struct run runs[2] = { 0 };
	struct tw_result res;

	(void)state;
	parse(1, &runs[0]);
	parse(2, &runs[1]);
	assert_int_equal(timework_classify(runs, 2, &res), 0);
	assert_true(res.across_runs);
	assert_int_equal(res.n, 3);
	assert_true(fabs(get(&res, INTR)->beta - 1) < 1e-3);
	assert_int_equal(get(&res, INTR)->cls, TW_TIME);
	assert_true(fabs(get(&res, IOIO)->beta) < 1e-3);
	assert_int_equal(get(&res, IOIO)->cls, TW_WORK);
	/* 2250 then 3500 exits: beta = log(3500/2250)/log 2 = 0.637. */
	assert_true(fabs(get(&res, MSR)->beta - log(3500.0 / 2250) / log(2)) < 1e-3);
	assert_int_equal(get(&res, MSR)->cls, TW_MIXED);
	/* Exits per second of guest time: INTR 100/s in both runs. */
	assert_true(fabs(get(&res, INTR)->rate - 100) < 1e-6);
	tw_result_free(&res);
	run_free(&runs[0]);
	run_free(&runs[1]);
}

static void one_run(void **state)
{
	struct run r = { 0 };
	struct tw_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	parse(1, &r);
	assert_int_equal(timework_classify(&r, 1, &res), 0);
	assert_false(res.across_runs);
	assert_false(get(&res, INTR)->has_beta);
	/*
	 * Steady 100/s: CV 0. IOIO's phase rates 20, 100, 0, 33.3, 0: CV 1.34.
	 * MSR's 15, 5, 5, 5, 5: 0.64.
	 */
	assert_true(get(&res, INTR)->phase_cv < 1e-3);
	assert_int_equal(get(&res, INTR)->cls, TW_TIME);
	assert_true(fabs(get(&res, IOIO)->phase_cv - 1.343) < 1e-2);
	assert_int_equal(get(&res, IOIO)->cls, TW_WORK);
	assert_true(fabs(get(&res, MSR)->phase_cv - sqrt(20.0) / 7) < 1e-3);
	assert_int_equal(get(&res, MSR)->cls, TW_MIXED);
	tw_result_free(&res);
	/* The boot: 10000 INTR (time), 2000 IOIO (work), 1500 MSR (mixed). */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	timework_section(f, &r, 1);
	fclose(f);
	print_message("%s", text);
	assert_non_null(strstr(text, "13500 exits, of which **2000 work-driven**"));
	assert_non_null(strstr(text, "10000 time-driven (100 exits/s of boot"));
	assert_non_null(strstr(text, "1500 mixed"));
	assert_non_null(strstr(text, "| 0x60 INTR | 25000 | 100.00 | 0.00 | – | time-driven |"));
	free(text);
	run_free(&r);
}

/* Runs of about one speed have no beta: the per-phase CV decides. */
static void same_speed(void **state)
{
	struct run runs[2] = { 0 };
	struct tw_result res;

	(void)state;
	parse(1, &runs[0]);
	parse(1.1, &runs[1]);
	assert_int_equal(timework_classify(runs, 2, &res), 0);
	assert_false(res.across_runs);
	assert_int_equal(get(&res, INTR)->cls, TW_TIME);
	assert_int_equal(get(&res, IOIO)->cls, TW_WORK);
	tw_result_free(&res);
	run_free(&runs[0]);
	run_free(&runs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(across_runs),
		cmocka_unit_test(one_run),
		cmocka_unit_test(same_speed),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
