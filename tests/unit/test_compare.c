// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-compare over stored real runs (tests/data/compare, README.md
 * there): 4 default runs (1 L2 vCPU) against 3 with 2 L2 vCPUs, and those 3
 * against the one shadow-paging run (no test: one run on a side). Golden
 * files: tests/data/compare/expected (make -C report golden-compare). Then
 * Welch's arithmetic, the npt on/off design (NPF and #PF must come out
 * different once each side has two runs), and the one-line errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lab/common/util.h"
#include "../../report/compare.h"
#include "shell.h"
#include "scratch.h"

#define SVM_NPF 0x400
#define SVM_EXCP_PF 0x4e

static void same_file(const char *got_path, const char *want_path)
{
	_cleanup_free_ char *got = NULL, *want = NULL;

	assert_int_equal(read_file(got_path, &got, NULL), 0);
	assert_int_equal(read_file(want_path, &want, NULL), 0);
	if (strcmp(got, want))
		fail_msg("%s differs from %s (make -C report golden-compare, then read the diff)",
			 got_path, want_path);
}

static void golden_pair(const char *a, const char *b, const char *opts, const char *suffix,
			const char *printed)
{
	char dir[] = "/tmp/exitlab-compare-XXXXXX", cwd[4096];
	_cleanup_free_ char *cmd = NULL, *out = NULL, *md = NULL, *csv = NULL, *want = NULL;

	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* Relative names, as make -C report golden-compare runs it. */
	assert_int_equal(chdir(EXITLAB_COMPARE_DATA), 0);
	cmd = xasprintf("%s --no-plots %s --out %s -a %s -b %s", EXITLAB_COMPARE_BIN, opts, dir, a,
			b);
	assert_int_equal(sh(cmd, &out), 0);
	want = xasprintf("compare: %s/compare.md %s", dir, printed);
	assert_string_equal(out, want);
	md = xasprintf("%s/compare.md", dir);
	csv = xasprintf("%s/compare.csv", dir);
	free(want);
	want = xasprintf("expected/%s-%s%s.md", a, b, suffix);
	same_file(md, want);
	free(want);
	want = xasprintf("expected/%s-%s%s.csv", a, b, suffix);
	same_file(csv, want);
	assert_int_equal(chdir(cwd), 0);
	(void)scratch_remove(dir);
}

static void golden(void **state)
{
	(void)state;
	golden_pair("l2v1", "l2v2", "", "", "(4 vs 3 runs, 16 of 89 tested rows different)");
	golden_pair("l2v2", "shadow", "", "", "(3 vs 1 runs, 0 of 0 tested rows different)");
	/* Rates: VINTR, time-driven, differs per second (42 → 70/s) though not in exits. */
	golden_pair("l2v1", "l2v2", "--per-second", ".per-second",
		    "(4 vs 3 runs, 13 of 89 tested rows different)");
}

static void welch_arithmetic(void **state)
{
	const double a[] = { 10, 12, 14 }, b[] = { 20, 21, 22, 23 }, same[] = { 5, 5 };
	struct summary sa = summarize(a, 3), sb = summarize(b, 4), s5 = summarize(same, 2);
	double t, df, p, va = 4.0 / 3, vb = (5.0 / 3) / 4;
	size_t df_i;

	(void)state;
	/* p of the table's 95% quantiles is 0.05. */
	for (df_i = 1; df_i <= 30; df_i++)
		if (fabs(t_two_sided_p(t95(df_i), (double)df_i) - 0.05) > 2e-4)
			fail_msg("p(t95(%zu)) = %g", df_i, t_two_sided_p(t95(df_i), (double)df_i));
	assert_true(fabs(t_two_sided_p(0, 3) - 1) < 1e-12);
	/* By hand: se² = 4/3 + (5/3)/4, t = 9.5/se, df = se⁴/((4/3)²/2 + (5/12)²/3). */
	assert_int_equal(welch(&sa, &sb, &t, &df, &p), 0);
	assert_true(fabs(t - 9.5 / sqrt(va + vb)) < 1e-9);
	assert_true(fabs(df - (va + vb) * (va + vb) / (va * va / 2 + vb * vb / 3)) < 1e-9);
	assert_true(p > 0 && p < 0.01);
	/* One run on a side: no test. */
	sa = summarize(a, 1);
	assert_int_equal(welch(&sa, &sb, &t, &df, &p), -1);
	/* No spread anywhere: equal means are not different, others are. */
	assert_int_equal(welch(&s5, &s5, &t, &df, &p), 0);
	assert_true(p == 1 && t == 0);
	sa = summarize(a, 3);
	sa.sd = 0;
	sb.sd = 0;
	assert_int_equal(welch(&sa, &sb, &t, &df, &p), 0);
	assert_true(p == 0 && isinf(t));
}

static void load(const char *name, struct run *r)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", EXITLAB_COMPARE_DATA, name);
	char err[256] = "";

	if (run_load(dir, r, err, sizeof(err)) < 0)
		fail_msg("%s: %s", dir, err);
}

static const struct compare_row *find(const struct compare_result *res, const char *phase,
				      int32_t reason)
{
	size_t i;

	for (i = 0; i < res->n_rows; i++)
		if (!strcmp(res->rows[i].phase, phase) && res->rows[i].reason == reason)
			return &res->rows[i];
	fail_msg("no row %s %d", phase, reason);
	return NULL;
}

/*
 * The lead's live test, npt on (A) against off (B): with the stored shadow
 * run alone B has no test; with a second B run (the stored one with every
 * count scaled by 0.9: NOT a real run, it only gives B a spread) NPF and #PF
 * must come out different in every phase that has them.
 */
static void npt_on_off(void **state)
{
	struct run a[3] = { 0 }, b[2] = { 0 };
	struct compare_result res;
	const struct compare_row *row;
	char err[256] = "";
	size_t i, k;

	(void)state;
	load("l2v2/e2e-1796158019", &a[0]);
	load("l2v2/e2e-1796161385", &a[1]);
	load("l2v2/e2e-1796162745", &a[2]);
	load("shadow/e2e-shadow-1796163222", &b[0]);
	assert_int_equal(compare_runs(a, 3, b, 1, false, &res, err, sizeof(err)), 0);
	assert_int_equal(res.n_tested, 0);
	row = find(&res, COMPARE_ALL, SVM_EXCP_PF);
	assert_false(row->tested);
	assert_true(isinf(row->ratio));
	compare_result_free(&res);

	load("shadow/e2e-shadow-1796163222", &b[1]);
	for (i = 0; i < b[1].n_samples; i++) {
		struct sample *s = &b[1].samples[i];

		s->total = (uint64_t)(0.9 * s->total);
		for (k = 0; k < REPORT_SLOTS; k++)
			s->count[k] = (uint64_t)(0.9 * s->count[k]);
	}
	assert_int_equal(compare_runs(a, 3, b, 2, false, &res, err, sizeof(err)), 0);
	for (i = 0; i < report_n_phases + 1; i++) {
		const char *phase = i < report_n_phases ? report_phases[i] : COMPARE_ALL;

		row = find(&res, phase, SVM_NPF);
		assert_true(row->significant);
		assert_true(row->b.mean == 0 && row->a.mean > 0);
		row = find(&res, phase, SVM_EXCP_PF);
		assert_true(row->significant);
		assert_true(row->a.mean == 0 && row->b.mean > 1000);
	}
	compare_result_free(&res);
	/* Two ISAs. */
	b[1].arch = EXIT_ARCH_VMX;
	assert_int_equal(compare_runs(a, 3, b, 2, false, &res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "one ISA per comparison"));
	assert_int_equal(compare_runs(a, 0, b, 2, false, &res, err, sizeof(err)), -EINVAL);
	for (i = 0; i < 3; i++)
		run_free(&a[i]);
	run_free(&b[0]);
	run_free(&b[1]);
}

/* Exit status 2 and one line on stderr. */
static void one_line_error(const char *args, const char *want)
{
	_cleanup_free_ char *cmd = xasprintf("%s %s 2>&1 >/dev/null", EXITLAB_COMPARE_BIN, args);
	_cleanup_free_ char *out = NULL;

	assert_int_equal(sh(cmd, &out), 2);
	assert_non_null(strstr(out, want));
	assert_null(strchr(out, '\n'));
}

static void errors(void **state)
{
	char dir[] = "/tmp/exitlab-compare-err-XXXXXX";
	_cleanup_free_ char *cmd = NULL, *out = NULL, *args = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	args = xasprintf("--out %s/out -a /nonexistent/run -b %s/shadow", dir, EXITLAB_COMPARE_DATA);
	one_line_error(args, "/nonexistent/run: No such file or directory");
	free(args);
	args = xasprintf("--out %s/out -a %s/l2v1 -b %s", dir, EXITLAB_COMPARE_DATA, dir);
	one_line_error(args, "no run (no samples.jsonl in it or its subdirectories)");
	/* A run directory whose samples.jsonl holds none. */
	cmd = xasprintf("mkdir -p %s/empty && echo '{\"type\":\"phase\"}' > %s/empty/samples.jsonl"
			" && mkdir -p %s/vmx && sed 's/\"arch\":\"svm\"/\"arch\":\"vmx\"/' "
			"%s/shadow/e2e-shadow-1796163222/samples.jsonl > %s/vmx/samples.jsonl",
			dir, dir, dir, EXITLAB_COMPARE_DATA, dir);
	assert_int_equal(sh(cmd, &out), 0);
	free(args);
	args = xasprintf("--out %s/out -a %s/l2v1 -b %s/empty", dir, EXITLAB_COMPARE_DATA, dir);
	one_line_error(args, "empty: no samples");
	free(args);
	args = xasprintf("--out %s/out -a %s/l2v1 -b %s/vmx", dir, EXITLAB_COMPARE_DATA, dir);
	one_line_error(args, "one ISA per comparison");
	free(args);
	args = xasprintf("--out %s/out -a %s/l2v1", dir, EXITLAB_COMPARE_DATA);
	{
		_cleanup_free_ char *c = xasprintf("%s %s 2>&1", EXITLAB_COMPARE_BIN, args), *o = NULL;

		assert_int_equal(sh(c, &o), 2);
		assert_non_null(strstr(o, "want runs for both sides"));
	}
	(void)scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden),
		cmocka_unit_test(welch_arithmetic),
		cmocka_unit_test(npt_on_off),
		cmocka_unit_test(errors),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
