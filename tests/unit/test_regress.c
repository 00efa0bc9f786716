// SPDX-License-Identifier: GPL-2.0-only
/*
 * The regression gate: the interval's arithmetic, two real reruns of the
 * default configuration that ran side by side (soak-s3-1, soak-s3-2 of
 * 2026-12-01, tests/data/compare/l2v1, trimmed to what the phase deltas read)
 * that must pass against each other, and soak-s3-2 doctored to twice its
 * CPUID exits, which must fail on CPUID alone. The dispersion floor's D was
 * calibrated on this same pair (report/regress.h): its passing shows the
 * arithmetic holds what was measured, not that D is right for other pairs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lab/common/util.h"
#include "../../report/regress.h"
#include "scratch.h"

#define SVM_CPUID 0x72

/* cmocka 1.1's assert_float_equal is single precision: this prints both doubles. */
#define assert_near(a, b, eps)                                                             \
	do {                                                                               \
		double a_ = (a), b_ = (b);                                                 \
		if (fabs(a_ - b_) > (eps))                                                 \
			fail_msg("%s = %.9g, want %.9g (± %g)", #a, a_, b_, (double)(eps)); \
	} while (0)

static const struct regress_opts defaults = {
	.k = REGRESS_DEFAULT_K,
	.rel_floor = REGRESS_DEFAULT_REL_FLOOR,
	.abs_floor = REGRESS_DEFAULT_ABS_FLOOR,
	.dispersion = REGRESS_DEFAULT_DISPERSION,
};

#define BASE "soak-s3-1"
#define RERUN "soak-s3-2"

static void load(const char *name, struct run *r)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", EXITLAB_RERUN_DATA, name);
	char err[256] = "";

	if (run_load(dir, r, err, sizeof(err)) < 0)
		fail_msg("%s: %s", dir, err);
}

static void band_arithmetic(void **state)
{
	const double three[] = { 100, 110, 90 }, one[] = { 1000 }, small[] = { 10 };
	struct regress_opts o = defaults;
	struct regress_band b;

	(void)state;
	/* The dispersion floor alone first: 3·sqrt(40·1000) = 600 > 0.5·1000. */
	b = regress_band(one, 1, &o);
	assert_near(b.half, 3 * sqrt(40.0 * 1000), 1e-9);
	b = regress_band(small, 1, &o);
	assert_near(b.half, 60, 1e-9);
	/* Then the other terms, without it. */
	o.dispersion = 0;
	/* mean 100, s 10: 3s = 30, t95(2)·s·sqrt(4/3) = 49.69, 0.5·m = 50. */
	b = regress_band(three, 3, &o);
	assert_int_equal(b.n, 3);
	assert_near(b.mean, 100, 1e-9);
	assert_near(b.sd, 10, 1e-9);
	assert_near(b.half, 50, 1e-9);
	o.rel_floor = 0.1;
	b = regress_band(three, 3, &o);
	assert_near(b.half, 4.303 * 10 * sqrt(4.0 / 3.0), 1e-6);
	o.k = 6;
	b = regress_band(three, 3, &o);
	assert_near(b.half, 60, 1e-9);
	/* One run: no s, the floors alone. */
	o = defaults;
	o.dispersion = 0;
	b = regress_band(one, 1, &o);
	assert_near(b.sd, 0, 0);
	assert_near(b.half, 500, 1e-9);
	b = regress_band(small, 1, &o);
	assert_near(b.half, 20, 1e-9);
	/* The measured pair's widest small count: reboot's HLT, 44 then 166. */
	b = regress_band((const double[]){ 44 }, 1, &defaults);
	assert_true(fabs(166 - b.mean) <= b.half);
	o.dispersion = 37;
	b = regress_band((const double[]){ 44 }, 1, &o);
	assert_false(fabs(166 - b.mean) <= b.half);
}

static size_t compare(const struct run *base, size_t n, const struct run *run,
		      struct regress_result *res)
{
	char err[256] = "";

	if (regress_compare(base, n, run, &defaults, res, err, sizeof(err)) < 0)
		fail_msg("regress_compare: %s", err);
	return res->n_findings;
}

static void print_findings(const struct regress_result *res, enum exit_arch arch)
{
	size_t i;

	for (i = 0; i < res->n_findings; i++) {
		char line[512];

		regress_format(&res->findings[i], arch, line, sizeof(line));
		print_message("finding: %s\n", line);
	}
}

/* Two real reruns side by side: each inside the other's interval. */
static void rerun_passes(void **state)
{
	struct run runs[2] = { 0 };
	struct regress_result res;

	(void)state;
	load(BASE, &runs[0]);
	load(RERUN, &runs[1]);
	compare(&runs[0], 1, &runs[1], &res);
	print_findings(&res, runs[1].arch);
	assert_int_equal(res.n_findings, 0);
	assert_int_equal(res.n_phases, 5);
	assert_true(res.n_checked > 5 * 2); /* each phase's total and its reasons */
	regress_result_free(&res);
	compare(&runs[1], 1, &runs[0], &res);
	print_findings(&res, runs[0].arch);
	assert_int_equal(res.n_findings, 0);
	regress_result_free(&res);
	compare(runs, 2, &runs[0], &res);
	assert_int_equal(res.n_findings, 0);
	regress_result_free(&res);
	run_free(&runs[0]);
	run_free(&runs[1]);
}

/* Twice the guest's CPUID exits in every sample, and the totals grown by as much. */
static void double_cpuid(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n_samples; i++) {
		r->samples[i].total += r->samples[i].count[SVM_CPUID];
		r->samples[i].count[SVM_CPUID] *= 2;
	}
}

static void doubled_cpuid_fails(void **state)
{
	struct run base = { 0 }, run = { 0 };
	struct regress_result res;
	struct phase_delta *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	size_t i, cpuid_findings = 0;
	bool check_found = false;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	load(BASE, &base);
	load(RERUN, &run);
	run_phase_delta(&run, "check", before);
	double_cpuid(&run);
	run_phase_delta(&run, "check", after);
	assert_int_equal(after->count[SVM_CPUID], 2 * before->count[SVM_CPUID]);
	compare(&base, 1, &run, &res);
	print_findings(&res, run.arch);
	assert_true(res.n_findings > 0);
	for (i = 0; i < res.n_findings; i++) {
		const struct regress_finding *f = &res.findings[i];

		/* Only CPUID moved, and totals with it. */
		if (f->reason != REGRESS_TOTAL)
			assert_int_equal(f->reason, SVM_CPUID);
		assert_false(f->phase_missing);
		if (f->reason == SVM_CPUID) {
			cpuid_findings++;
			assert_true((double)f->count > f->band.mean + f->band.half);
		}
		if (f->reason == SVM_CPUID && !strcmp(f->phase, "check")) {
			check_found = true;
			assert_int_equal(f->count, after->count[SVM_CPUID]);
		}
	}
	assert_true(check_found);
	/*
	 * Four phases fail. Idle's CPUID does not: 132 doubled is 264, inside the
	 * baseline's 97 ± 187 (the dispersion floor, 3·sqrt(40·97)): the price of
	 * holding the measured small-count spread with one baseline run.
	 */
	assert_int_equal(cpuid_findings, 4);
	for (i = 0; i < res.n_findings; i++)
		assert_string_not_equal(res.findings[i].phase, "idle");
	regress_result_free(&res);
	run_free(&base);
	run_free(&run);
	free(before);
	free(after);
}

static void missing_phase_and_vendor(void **state)
{
	struct run base = { 0 }, run = { 0 };
	struct regress_result res;
	char err[256] = "";
	size_t i;

	(void)state;
	load(BASE, &base);
	load(RERUN, &run);
	for (i = 0; i < run.n_marks; i++)
		if (!strcmp(run.marks[i].phase, "io"))
			snprintf(run.marks[i].phase, sizeof(run.marks[i].phase), "gone");
	compare(&base, 1, &run, &res);
	print_findings(&res, run.arch);
	assert_int_equal(res.n_findings, 1);
	assert_true(res.findings[0].phase_missing);
	assert_string_equal(res.findings[0].phase, "io");
	regress_result_free(&res);
	run.arch = EXIT_ARCH_VMX;
	assert_int_equal(regress_compare(&base, 1, &run, &defaults, &res, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "one vendor"));
	assert_int_equal(regress_compare(&base, 0, &run, &defaults, &res, err, sizeof(err)),
			 -EINVAL);
	run_free(&base);
	run_free(&run);
}

/* dst/samples.jsonl: src's with twice the guest's CPUID exits (the probe's own kept). */
static void write_doctored(const char *src, const char *dst)
{
	_cleanup_free_ char *in_path = xasprintf("%s/samples.jsonl", src);
	_cleanup_free_ char *out_path = xasprintf("%s/samples.jsonl", dst);
	_cleanup_free_ char *text = NULL;
	FILE *out;
	char *line, *save = NULL;

	assert_int_equal(read_file(in_path, &text, NULL), 0);
	assert_int_equal(mkdir_p(dst, 0755), 0);
	out = fopen(out_path, "w");
	assert_non_null(out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *reasons, *cpuid, *v;
		int64_t count, own = 0;

		assert_non_null(o);
		if (json_object_object_get_ex(o, "reasons", &reasons) &&
		    json_object_object_get_ex(reasons, "114", &cpuid)) {
			assert_true(json_object_object_get_ex(cpuid, "count", &v));
			count = json_object_get_int64(v);
			if (json_object_object_get_ex(cpuid, "observer", &v))
				own = json_object_get_int64(v);
			json_object_object_add(cpuid, "count", json_object_new_int64(2 * count - own));
			assert_true(json_object_object_get_ex(o, "total", &v));
			json_object_object_add(o, "total",
					       json_object_new_int64(json_object_get_int64(v) +
								     count - own));
		}
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	assert_int_equal(fclose(out), 0);
}

static int regress_cli(const char *args, char **out)
{
	_cleanup_free_ char *cmd = xasprintf("%s %s", EXITLAB_REGRESS_BIN, args);
	char *argv[] = { "sh", "-c", cmd, NULL };
	int r = capture_command(argv, out);

	/* cmocka cuts long messages: the first lines are enough to read a failure. */
	print_message("$ exitlab-regress %s: status %d\n%.600s\n", args, r, *out ? *out : "");
	return r;
}

static void cli(void **state)
{
	char dir[] = "/tmp/exitlab-regress-XXXXXX";
	_cleanup_free_ char *doctored = NULL, *args = NULL, *out = NULL, *src = NULL;
	char *line, *save = NULL;
	size_t lines = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	doctored = xasprintf("%s/" RERUN "-cpuid2x", dir);
	src = xasprintf("%s/" RERUN, EXITLAB_RERUN_DATA);
	write_doctored(src, doctored);

	args = xasprintf("%s/" BASE " %s/" RERUN, EXITLAB_RERUN_DATA, EXITLAB_RERUN_DATA);
	assert_int_equal(regress_cli(args, &out), 0);
	assert_non_null(strstr(out, "inside the baseline's interval"));
	free(args), free(out), out = NULL, args = NULL;

	args = xasprintf("%s/" BASE " %s 2>/dev/null", EXITLAB_RERUN_DATA, doctored);
	assert_int_equal(regress_cli(args, &out), 1);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		assert_true(strncmp(line, "regression: ", 12) == 0);
		if (!strstr(line, " total: "))
			assert_non_null(strstr(line, "0x72 CPUID: "));
	}
	assert_true(lines >= 5);
	free(args), free(out), out = NULL, args = NULL;

	/* A baseline directory of runs, the doctored run left out of it. */
	args = xasprintf("%s %s/" RERUN, EXITLAB_RERUN_BASELINE, EXITLAB_RERUN_DATA);
	assert_int_equal(regress_cli(args, &out), 0);
	assert_non_null(strstr(out, "(2 baseline runs)"));
	free(args), free(out), out = NULL, args = NULL;

	assert_int_equal(regress_cli("/nonexistent/dir /tmp", &out), 2);
	assert_non_null(strstr(out, "/nonexistent/dir: No such file or directory"));
	free(out), out = NULL;
	assert_int_equal(regress_cli("--rel-floor -1 a b", &out), 2);
	assert_non_null(strstr(out, "--rel-floor wants a number >= 0"));
	free(out), out = NULL;
	assert_int_equal(regress_cli("only-one", &out), 2);
	free(out), out = NULL;
	assert_int_equal(regress_cli("--help", &out), 0);
	assert_non_null(strstr(out, "m ± max(K·s, t95(n-1)·s·sqrt(1+1/n), F·m, K·sqrt(D·m), N)"));
	free(out), out = NULL;

	(void)scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(band_arithmetic),
		cmocka_unit_test(rerun_passes),
		cmocka_unit_test(doubled_cpuid_fails),
		cmocka_unit_test(missing_phase_and_vendor),
		cmocka_unit_test(cli),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
