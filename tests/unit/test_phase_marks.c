// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exact phases and workload phases in the report: marks that carry their
 * own counters are used instead of the nearest samples (and old marks
 * without them still work); phases outside the fixed list get tables of
 * their own, in the order they began, in report.md and phases.csv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/common/util.h"
#include "../../report/report.h"
#include "../../report/samples.h"
#include "../../report/workloads.h"
#include "scratch.h"

#define MARK(phase, event, t) \
	"{\"type\":\"phase\",\"phase\":\"" phase "\",\"event\":\"" event "\",\"t\":" #t "}\n"
/* A mark with its counters, as `exitlab-probe mark` writes them (SVM: CPUID 114, IOIO 123). */
#define XMARK(phase, event, t, total, obs, cpuid, ioio, extra)                               \
	"{\"type\":\"phase\",\"phase\":\"" phase "\",\"event\":\"" event "\",\"t\":" #t extra  \
	",\"counters\":{\"arch\":\"svm\",\"total\":" #total ",\"total_cycles\":" #total "00," \
	"\"observer_cpuid\":" #obs ",\"reasons\":{\"114\":{\"count\":" #cpuid ",\"cycles\":"  \
	#cpuid "0,\"observer\":" #obs "},\"123\":{\"count\":" #ioio ",\"cycles\":" #ioio "000}}}}\n"
#define SAMPLE(t, total, obs, cpuid, ioio)                                                   \
	"{\"type\":\"sample\",\"phase\":\"x\",\"arch\":\"svm\",\"t\":" #t ",\"total\":" #total \
	",\"total_cycles\":" #total "00,\"observer_cpuid\":" #obs ",\"reasons\":{\"114\":{"    \
	"\"count\":" #cpuid ",\"cycles\":" #cpuid "0,\"observer\":" #obs "},\"123\":{"         \
	"\"count\":" #ioio ",\"cycles\":" #ioio "000}}}\n"

/*
 * Samples once a second; the io phase (old marks) between them, then two
 * workload phases whose marks fall between samples and carry counters. The
 * second failed.
 */
static const char run_text[] =
	MARK("boot", "begin", 0)
	SAMPLE(1.0, 1000, 100, 300, 0)
	MARK("boot", "end", 1.2)
	MARK("io", "begin", 1.3)
	SAMPLE(2.0, 2000, 200, 500, 400)
	MARK("io", "end", 2.1)
	XMARK("workload-1-pio", "begin", 2.2, 2100, 300, 600, 450, "")
	SAMPLE(3.0, 9000, 400, 800, 7000)
	XMARK("workload-1-pio", "end", 3.5, 12100, 500, 900, 10450,
	      ",\"result\":{\"status\":\"ok\",\"done\":10000}")
	XMARK("workload-2-my.sh", "begin", 3.6, 12200, 600, 1000, 10460, "")
	XMARK("workload-2-my.sh", "end", 3.9, 12300, 700, 1150, 10470,
	      ",\"result\":{\"status\":\"failed\",\"error\":\"my.sh exited with status 3\"}")
	SAMPLE(4.0, 12400, 800, 1200, 10480)
	MARK("workload-3-cpuid", "begin", 4.1);

static void marks_counts_make_phases_exact(void **state)
{
	struct phase_delta d;
	struct run r;
	char err[128];

	(void)state;
	assert_int_equal(run_parse(run_text, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_samples, 4);
	assert_int_equal(r.n_marks, 9);
	assert_false(r.marks[1].exact);
	assert_true(r.marks[5].exact);
	/* A mark's counts are corrected as a sample's: 12100 - 500; CPUID 900 - 500. */
	assert_int_equal(r.marks[5].counts.total, 11600);
	assert_int_equal(r.marks[5].counts.count[0x72], 400);
	assert_int_equal(r.marks[5].counts.count[0x7b], 10450);

	/* Old marks: from the samples at or before them, as before. */
	run_phase_delta(&r, "io", &d);
	assert_true(d.present);
	assert_false(d.exact);
	assert_int_equal(d.total, (2000 - 200) - (1000 - 100));
	/* Exact marks: their own counts, not the samples at 2.0 and 3.0. */
	run_phase_delta(&r, "workload-1-pio", &d);
	assert_true(d.present);
	assert_true(d.exact);
	assert_int_equal(d.total, (12100 - 500) - (2100 - 300));
	assert_int_equal(d.count[0x7b], 10450 - 450);
	assert_int_equal(d.cycles[0x7b], 10450000 - 450000);
	assert_int_equal(d.count[0x72], (900 - 500) - (600 - 300));
	/* CPUID's cycles shrink with the probe's reads taken out: 9000*400/900 - 6000*300/600. */
	assert_int_equal(d.cycles[0x72], 4000 - 3000);
	assert_true(d.end_t - d.begin_t > 1.29 && d.end_t - d.begin_t < 1.31);
	/* No end mark: not present. */
	run_phase_delta(&r, "workload-3-cpuid", &d);
	assert_false(d.present);

	assert_false(run_end_mark(&r, "workload-1-pio")->failed);
	assert_true(run_end_mark(&r, "workload-2-my.sh")->failed);
	assert_string_equal(run_end_mark(&r, "workload-2-my.sh")->error, "my.sh exited with status 3");
	assert_null(run_end_mark(&r, "workload-3-cpuid"));
	run_free(&r);
}

/* --sample-ms 0: no sample at all, and the marks' counts stand in for them, in time order. */
static const char marks_only_text[] =
	MARK("boot", "begin", 0)
	XMARK("io", "begin", 2.0, 2000, 200, 500, 400, "")
	XMARK("boot", "end", 1.0, 1000, 100, 300, 0, "")
	XMARK("io", "end", 3.0, 9000, 400, 800, 7000, "");

static void marks_stand_in_for_samples(void **state)
{
	_cleanup_free_ char *md = NULL, *md_path = NULL;
	char dir[] = "/tmp/exitlab-test-marks-only-XXXXXX";
	struct phase_delta d;
	struct run r;
	char err[128];

	(void)state;
	assert_int_equal(run_parse(marks_only_text, &r, err, sizeof(err)), 0);
	assert_true(r.samples_from_marks);
	assert_int_equal(r.n_samples, 3);
	assert_true(r.samples[0].t < r.samples[1].t && r.samples[1].t < r.samples[2].t);
	assert_string_equal(r.samples[0].phase, "boot");
	assert_int_equal(r.samples[2].total, 9000 - 400);
	run_phase_delta(&r, "boot", &d);
	assert_true(d.present && d.exact);
	assert_int_equal(d.total, 1000 - 100);
	run_phase_delta(&r, "io", &d);
	assert_int_equal(d.count[0x7b], 7000 - 400);

	assert_int_equal(scratch_make(dir, NULL, 0), 0);
	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	assert_int_equal(report_write(&r, 1, dir, false), 0);
	md_path = xasprintf("%s/report.md", dir);
	assert_int_equal(read_file(md_path, &md, NULL), 0);
	assert_non_null(strstr(md, "No sampler ran in L2"));
	run_free(&r);
	(void)scratch_remove(dir);

	/* A run with samples never takes its points from its marks. */
	assert_int_equal(run_parse(run_text, &r, err, sizeof(err)), 0);
	assert_false(r.samples_from_marks);
	run_free(&r);
}

static void extra_phases_in_order(void **state)
{
	const char *names[REPORT_MAX_PHASES];
	struct run r;
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(run_parse(run_text, &r, err, sizeof(err)), 0);
	n = run_extra_phases(&r, names, REPORT_MAX_PHASES);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "workload-1-pio");
	assert_string_equal(names[1], "workload-2-my.sh");
	assert_string_equal(names[2], "workload-3-cpuid");
	assert_int_equal(run_extra_phases(&r, names, 1), 1);
	n = report_run_phases(&r, names, REPORT_MAX_PHASES);
	assert_int_equal(n, report_n_phases + 3);
	assert_string_equal(names[0], "boot");
	assert_string_equal(names[report_n_phases], "workload-1-pio");
	run_free(&r);
}

static void report_has_a_table_per_workload(void **state)
{
	char dir[] = "/tmp/exitlab-test-marks-XXXXXX";
	_cleanup_free_ char *md = NULL, *csv = NULL, *md_path = NULL, *csv_path = NULL;
	const char *a, *b, *c;
	struct run r;
	char err[128];

	(void)state;
	assert_int_equal(scratch_make(dir, NULL, 0), 0);
	assert_int_equal(run_parse(run_text, &r, err, sizeof(err)), 0);
	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	assert_int_equal(report_write_phases_csv(&r), 0);
	assert_int_equal(report_write(&r, 1, dir, false), 0);
	md_path = xasprintf("%s/report.md", dir);
	csv_path = xasprintf("%s/phases.csv", dir);
	assert_int_equal(read_file(md_path, &md, NULL), 0);
	assert_int_equal(read_file(csv_path, &csv, NULL), 0);

	a = strstr(md, "## Workload phases");
	assert_non_null(a);
	b = strstr(a, "### workload-1-pio\n\n1.30 s, 9800 exits (7538/s), counted by the marks themselves.");
	c = strstr(a, "### workload-2-my.sh");
	assert_non_null(b);
	assert_non_null(c);
	assert_true(b < c);
	assert_non_null(strstr(b, "| 0x7b IOIO | 10000 | 102.0% |"));
	assert_non_null(strstr(c, "**Failed**: my.sh exited with status 3."));
	assert_non_null(strstr(a, "### workload-3-cpuid\n\nNo end mark"));
	/* phases.csv: the fixed phases first, then the workloads with their reasons. */
	assert_non_null(strstr(csv, "\nio,,total,900,"));
	assert_non_null(strstr(csv, "\nworkload-1-pio,,total,9800,1000000,102.0,1.300,"));
	assert_non_null(strstr(csv, "\nworkload-1-pio,123,IOIO,10000,10000000,1000.0,1.300,"));
	assert_true(strstr(csv, "\nio,") < strstr(csv, "\nworkload-1-pio,"));
	assert_true(strstr(csv, "\nworkload-1-pio,") < strstr(csv, "\nworkload-2-my.sh,"));
	run_free(&r);
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marks_counts_make_phases_exact),
		cmocka_unit_test(marks_stand_in_for_samples),
		cmocka_unit_test(extra_phases_in_order),
		cmocka_unit_test(report_has_a_table_per_workload),
	};

	return cmocka_run_group_tests_name("phase_marks", tests, NULL, NULL);
}
