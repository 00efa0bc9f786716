// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report: its arithmetic (observer correction, phase deltas, the 95%
 * interval), its handling of bad input, and a golden report from two stored
 * runs. EXITLAB_REPORT_BIN and EXITLAB_REPORT_DATA come from the Makefile.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lab/common/util.h"
#include "../../report/samples.h"
#include "../../report/stats.h"
#include "scratch.h"

#define MARK(phase, event, t) \
	"{\"type\":\"phase\",\"phase\":\"" #phase "\",\"event\":\"" #event "\",\"t\":" #t "}\n"

/* SVM: CPUID is 0x72 (114), HLT 0x78 (120). */
static const char two_phases[] =
	MARK(boot, begin, 0)
	"{\"type\":\"sample\",\"phase\":\"boot\",\"arch\":\"svm\",\"t\":1.0,\"total\":110,"
	"\"total_cycles\":5000,\"observer_cpuid\":10,\"reasons\":{\"114\":{\"count\":40,"
	"\"cycles\":4000,\"observer\":11},\"120\":{\"count\":70,\"cycles\":1000}}}\n"
	MARK(boot, end, 1.5)
	MARK(idle, begin, 1.6)
	"this line was cut by a reboot {\"type\n"
	"{\"type\":\"sample\",\"phase\":\"idle\",\"arch\":\"svm\",\"t\":2.0,\"total\":300,"
	"\"total_cycles\":9000,\"observer_cpuid\":20,\"reasons\":{\"114\":{\"count\":60,"
	"\"cycles\":6000,\"observer\":21},\"120\":{\"count\":240,\"cycles\":3000}}}\n"
	MARK(idle, end, 2.5);

static void observer_correction(void **state)
{
	struct run r;
	char err[128];

	(void)state;
	assert_int_equal(run_parse(two_phases, &r, err, sizeof(err)), 0);
	assert_int_equal(r.arch, EXIT_ARCH_SVM);
	assert_int_equal(r.n_samples, 2);
	assert_int_equal(r.skipped_lines, 1);
	assert_int_equal(r.samples[0].total_raw, 110);
	assert_int_equal(r.samples[0].total, 100);
	/* CPUID: 40 - 11 of the probe's; its cycles shrink in proportion. */
	assert_int_equal(r.samples[0].count[0x72], 29);
	assert_int_equal(r.samples[0].cycles[0x72], 2900);
	assert_int_equal(r.samples[0].count[0x78], 70);
	assert_int_equal(r.samples[0].cycles[0x78], 1000);
	run_free(&r);
}

static void phase_deltas(void **state)
{
	struct phase_delta d;
	struct run r;
	char err[128];

	(void)state;
	assert_int_equal(run_parse(two_phases, &r, err, sizeof(err)), 0);
	/* Boot counts from the VM's creation: everything in the sample before its end. */
	run_phase_delta(&r, "boot", &d);
	assert_true(d.present);
	assert_int_equal(d.total, 100);
	assert_int_equal(d.count[0x78], 70);
	/* Idle: the sample at its end minus the last one before it began. */
	run_phase_delta(&r, "idle", &d);
	assert_true(d.present);
	assert_int_equal(d.total, 280 - 100);
	assert_int_equal(d.count[0x72], 39 - 29);
	assert_int_equal(d.count[0x78], 240 - 70);
	assert_int_equal(d.cycles[0x78], 2000);
	assert_true(fabs(d.end_t - d.begin_t - 0.9) < 1e-9);
	run_phase_delta(&r, "io", &d);
	assert_false(d.present);
	/* A counter that went back yields 0, never a wrapped figure. */
	assert_int_equal(counter_delta(5, 7), 0);
	run_free(&r);
}

static void interval_95(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct summary s;

	(void)state;
	s = summarize(v, 5);
	assert_int_equal(s.n, 5);
	assert_true(fabs(s.mean - 3) < 1e-12);
	/* t(0.975, 4) = 2.776; sd = sqrt(2.5) */
	assert_true(fabs(s.half_width - 2.776 * sqrt(2.5) / sqrt(5)) < 1e-9);
	s = summarize(v, 1);
	assert_true(s.half_width == 0);
	assert_true(fabs(t95(1) - 12.706) < 1e-9);
	assert_true(fabs(t95(1000) - 1.96) < 1e-9);
}

static void no_samples(void **state)
{
	struct run r;
	char err[128] = "";

	(void)state;
	assert_int_equal(run_parse("garbage\n" MARK(boot, begin, 0), &r, err, sizeof(err)),
			 -ENODATA);
	assert_non_null(strstr(err, "no samples"));
	assert_int_equal(run_parse("", &r, err, sizeof(err)), -ENODATA);
}

static int report(const char *args)
{
	_cleanup_free_ char *cmd = xasprintf("%s %s >/dev/null 2>&1", EXITLAB_REPORT_BIN, args);
	char *argv[] = { "sh", "-c", cmd, NULL };

	return run_command(argv, NULL);
}

static void bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(report(""), 2);
	assert_int_equal(report("--bogus x"), 2);
	assert_int_equal(report("/nonexistent/run"), 1);
}

/* Two stored runs, byte for byte against the reviewed output (make -C report golden). */
static void golden_report(void **state)
{
	char dir[] = "/tmp/exitlab-report-XXXXXX";
	_cleanup_free_ char *copy = NULL, *cmd = NULL, *got = NULL, *want = NULL;
	_cleanup_free_ char *got_csv = NULL, *want_csv = NULL, *path = NULL;
	char *argv[] = { "sh", "-c", NULL, NULL };
	char cwd[4096];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	copy = xasprintf("cp -r %s/run-a %s/run-b %s/", EXITLAB_REPORT_DATA, EXITLAB_REPORT_DATA, dir);
	argv[2] = copy;
	assert_int_equal(run_command(argv, NULL), 0);
	assert_int_equal(chdir(dir), 0);
	/* Relative names: the report quotes them, and must not depend on where it ran. */
	cmd = xasprintf("%s --no-plots --out out run-a run-b >/dev/null 2>&1", EXITLAB_REPORT_BIN);
	argv[2] = cmd;
	assert_int_equal(run_command(argv, NULL), 0);
	assert_int_equal(read_file("out/report.md", &got, NULL), 0);
	assert_int_equal(read_file("run-a/phases.csv", &got_csv, NULL), 0);
	assert_int_equal(chdir(cwd), 0);
	path = xasprintf("%s/expected/report.md", EXITLAB_REPORT_DATA);
	assert_int_equal(read_file(path, &want, NULL), 0);
	free(path);
	path = xasprintf("%s/expected/run-a.phases.csv", EXITLAB_REPORT_DATA);
	assert_int_equal(read_file(path, &want_csv, NULL), 0);
	assert_string_equal(got, want);
	assert_string_equal(got_csv, want_csv);
	(void)scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(observer_correction),
		cmocka_unit_test(phase_deltas),
		cmocka_unit_test(interval_95),
		cmocka_unit_test(no_samples),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(golden_report),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
