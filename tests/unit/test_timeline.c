// SPDX-License-Identifier: GPL-2.0-only
/*
 * report/timeline.c and report/stages.c: the host timeline's parser, the
 * check of the probe's samples against it, and the boot stages, on a small
 * made-up timeline whose answers are known, and on a recorded run
 * (tests/data/timeline/, where it came from is in its README).
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
#include <json-c/json.h>

#include "../../lab/common/util.h"
#include "../../report/stages.h"
#include "../../report/timeline.h"
#include "fixture.h"

#define REALTIME 1800000000.0

/* 0..10 s at 100 ms: total = 100 t, CPUID (0x72) = 10 t, INTR (0x60) = 90 t. */
static char *made_up_timeline(const char *console)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "{\"type\":\"timeline\",\"schema\":\"exitlab-timeline/1\",\"isa\":\"svm\","
		   "\"vm\":\"42-12\",\"interval_ms\":100,\"seen_after_s\":0.3,\"realtime\":%.1f,"
		   "\"end_t\":10.05}\n", REALTIME);
	for (int i = 0; i <= 100; i++)
		fprintf(f, "{\"type\":\"host\",\"t\":%.2f,\"total\":%d,\"total_cycles\":%d,"
			   "\"reasons\":{\"114\":[%d,%d],\"96\":[%d,%d]}}\n", i / 10.0, 10 * i,
			10000 * i, i, 1000 * i, 9 * i, 9000 * i);
	fputs(console, f);
	fprintf(f, "{\"type\":\"probe_line\",\"t\":3.15,\"index\":1}\n");
	fclose(f);
	return text;
}

static const char stage_console[] =
	"{\"type\":\"console\",\"t\":1.05,\"line\":\"exitlab-initramfs: start uptime=0.80\"}\n"
	"{\"type\":\"console\",\"t\":2.0,\"line\":\"exitlab-initramfs: switch_root uptime=1.70\"}\n"
	"{\"type\":\"console\",\"t\":5.0,\"line\":\"\\u001b[!p[    4.500000] cloud-init[240]: "
	"Cloud-init v. 25.1.4 running 'init-local' at Tue. Up 4.40 seconds.\"}\n"
	"{\"type\":\"console\",\"t\":8.0,\"line\":\"[    7.600000] reboot: Restarting system\"}\n"
	"{\"type\":\"console\",\"t\":9.0,\"line\":\"[    0.500000] a line of the second boot\"}\n";

static void parses_a_timeline(void **state)
{
	_cleanup_free_ char *text = made_up_timeline("");
	struct timeline tl;
	char err[256] = "";

	(void)state;
	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.arch, EXIT_ARCH_SVM);
	assert_string_equal(tl.vm, "42-12");
	assert_int_equal(tl.n_host, 101);
	assert_int_equal(tl.n_probe, 1);
	assert_int_equal(timeline_host_at(&tl, 2.55), 25);
	assert_int_equal(timeline_host_at(&tl, -1), SIZE_MAX);
	assert_int_equal(timeline_host_after(&tl, 2.55), 26);
	assert_int_equal(timeline_host_after(&tl, 2.5), 25);
	assert_int_equal(timeline_host_after(&tl, 11), SIZE_MAX);
	assert_int_equal(timeline_count(&tl, 25, 0x72), 25);
	assert_int_equal(timeline_count(&tl, 25, 0x7c), 0);
	assert_int_equal(timeline_count(&tl, SIZE_MAX, 0x72), 0);
	timeline_free(&tl);
	assert_int_equal(timeline_parse("{\"type\":\"host\",\"t\":0}\n", &tl, err, sizeof(err)),
			 -EINVAL);
}

static int check_one(const char *sample, struct timeline_check *c)
{
	_cleanup_free_ char *text = made_up_timeline(""), *samples = NULL;
	struct timeline tl;
	char err[256];
	int r;

	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	samples = xasprintf("{\"type\":\"phase\",\"phase\":\"boot\",\"event\":\"begin\"}\n%s\n", sample);
	r = timeline_check_samples(&tl, samples, c, err, sizeof(err));
	timeline_free(&tl);
	return r;
}

/* Read at 3.0 s, arrived at 3.15 s: bracketed by the reads at 2.5 s and 3.2 s. */
static void a_sample_between_its_host_reads_agrees(void **state)
{
	struct timeline_check c;
	_cleanup_free_ char *s = xasprintf("{\"type\":\"sample\",\"realtime\":%.2f,\"total\":300,"
					   "\"reasons\":{\"114\":{\"count\":31},\"96\":{\"count\":"
					   "270}}}", REALTIME + 3.0);

	(void)state;
	assert_int_equal(check_one(s, &c), 0);
	assert_int_equal(c.samples, 1);
	assert_int_equal(c.checked, 1);
	assert_int_equal(c.failed, 0);
	assert_int_equal(c.reasons_checked, 3);
	/* 32 at the host read after its arrival. */
	assert_int_equal(c.cpuid_slack_max, 1);
	assert_true(fabs(c.latency_min - 0.15) < 1e-6);
}

static void counts_that_disagree_fail(void **state)
{
	struct timeline_check c;
	/* More CPUIDs than the host had counted after the line arrived (32). */
	_cleanup_free_ char *high = xasprintf("{\"type\":\"sample\",\"realtime\":%.2f,\"total\":300,"
					      "\"reasons\":{\"114\":{\"count\":33}}}",
					      REALTIME + 3.0);
	/* Fewer exits than the host had before the read began (250 at 2.5 s). */
	_cleanup_free_ char *low = xasprintf("{\"type\":\"sample\",\"realtime\":%.2f,\"total\":249,"
					     "\"reasons\":{}}", REALTIME + 3.0);
	/* A reason the host never saw. */
	_cleanup_free_ char *other = xasprintf("{\"type\":\"sample\",\"realtime\":%.2f,\"total\":300,"
					       "\"reasons\":{\"124\":{\"count\":1}}}", REALTIME + 3.0);

	(void)state;
	assert_int_equal(check_one(high, &c), 0);
	assert_int_equal(c.failed, 1);
	assert_non_null(strstr(c.first_failure, "reason 114 33 not within the host's 25..32"));
	assert_int_equal(check_one(low, &c), 0);
	assert_int_equal(c.failed, 1);
	assert_non_null(strstr(c.first_failure, "total 249"));
	assert_int_equal(check_one(other, &c), 0);
	assert_int_equal(c.failed, 1);
}

static void a_sample_never_seen_arriving_is_not_checked(void **state)
{
	struct timeline_check c;
	_cleanup_free_ char *s = xasprintf("{\"type\":\"sample\",\"realtime\":%.2f,\"total\":1}\n"
					   "{\"type\":\"sample\",\"realtime\":%.2f,\"total\":300,"
					   "\"reasons\":{}}", REALTIME + 3.0, REALTIME + 4.0);

	(void)state;
	/* Line 1 (index 1) arrived at 3.15 and is checked (and fails); line 2 never arrived. */
	assert_int_equal(check_one(s, &c), 0);
	assert_int_equal(c.samples, 2);
	assert_int_equal(c.checked, 1);
	assert_int_equal(c.unbracketed, 1);
	assert_int_equal(c.failed, 1);
}

static void stages_from_markers_and_merged_where_missing(void **state)
{
	_cleanup_free_ char *text = made_up_timeline(stage_console);
	struct timeline tl;
	struct stages st;
	char err[256];
	const struct stage *s;

	(void)state;
	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	stages_compute(&tl, &st);
	assert_int_equal(st.n_boots, 2);
	/* min(arrival - uptime): the initramfs' start line, 1.05 - 0.80. */
	assert_true(fabs(st.boot[0].t0 - 0.25) < 1e-9);
	assert_int_equal(st.boot[0].n, 5);
	s = st.boot[0].stage;
	assert_string_equal(s[0].name, "firmware");
	assert_true(s[0].begin == 0 && fabs(s[0].end - 0.25) < 1e-9);
	assert_string_equal(s[1].name, "kernel");
	assert_true(fabs(s[1].end - 1.05) < 1e-9);
	assert_string_equal(s[2].name, "initramfs");
	assert_true(fabs(s[2].end - 1.95) < 1e-9);
	assert_string_equal(s[3].name, "systemd");
	assert_true(fabs(s[3].end - 4.65) < 1e-9);
	assert_string_equal(s[4].name, "cloud-init init-local to the boot's end");
	/* To the reset: its stamp on the boot's clock, 0.25 + 7.6. */
	assert_true(fabs(s[4].end - 7.85) < 1e-9);
	/* Reads at 1.0 and 1.9 (each stage's ends fall on the last read before them). */
	assert_int_equal(s[2].exits, 90);
	assert_int_equal(s[2].n_top, 2);
	assert_int_equal(s[2].top_reason[0], 0x60);
	assert_int_equal(s[2].top_count[0], 81);
	assert_int_equal(s[2].top_reason[1], 0x72);
	/* The second boot: from the reset; its kernel at 9.0 - 0.5; no markers, one stage after. */
	assert_true(fabs(st.boot[1].t0 - 8.5) < 1e-9);
	assert_int_equal(st.boot[1].n, 2);
	assert_string_equal(st.boot[1].stage[0].name, "firmware");
	assert_true(fabs(st.boot[1].stage[0].begin - 7.85) < 1e-9);
	assert_true(fabs(st.boot[1].stage[1].end - 10.05) < 1e-9);
	assert_string_equal(st.boot[1].stage[1].name, "kernel to the boot's end");
	timeline_free(&tl);
}

/* The recorded run's files (tests/data/timeline/README.md). */
static char *recorded(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", EXITLAB_TIMELINE_DATA, name);

	return fixture_read(path);
}

static void recorded_samples_agree_with_the_host(void **state)
{
	_cleanup_free_ char *text = recorded("timeline.jsonl");
	_cleanup_free_ char *samples = recorded("probe-samples.jsonl");
	struct timeline tl;
	struct timeline_check c;
	char err[256] = "";

	(void)state;
	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.arch, EXIT_ARCH_SVM);
	assert_int_equal(timeline_check_samples(&tl, samples, &c, err, sizeof(err)), 0);
	if (c.failed)
		fail_msg("%zu failed: %s", c.failed, c.first_failure);
	assert_true(c.checked > 100);
	assert_true(c.checked + c.unbracketed == c.samples);
	/* The probe's reads are CPUIDs the host counted after that leaf's read. */
	assert_true(c.cpuid_slack_max > 0);
	assert_true(c.latency_min >= 0);
	timeline_free(&tl);
}

/* One count of one recorded sample moved out of its bracket: the check says which. */
static void a_recorded_sample_off_by_some_fails(void **state)
{
	_cleanup_free_ char *text = recorded("timeline.jsonl");
	_cleanup_free_ char *samples = recorded("probe-samples.jsonl");
	_cleanup_free_ char *tampered = NULL;
	struct timeline tl;
	struct timeline_check c;
	char err[256] = "", *save = NULL;
	size_t len = 0, index = 0, changed = 0;
	FILE *f = open_memstream(&tampered, &len);

	(void)state;
	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	for (char *l = strtok_r(samples, "\n", &save); l; l = strtok_r(NULL, "\n", &save), index++) {
		struct json_object *o = json_tokener_parse(l), *reasons, *cpuid, *count;

		/* The 50th sample's CPUID count, 100000 more than it read. */
		if (json_object_object_get_ex(o, "reasons", &reasons) && ++changed == 50 &&
		    json_object_object_get_ex(reasons, "114", &cpuid) &&
		    json_object_object_get_ex(cpuid, "count", &count))
			json_object_object_add(cpuid, "count", json_object_new_int64(
				json_object_get_int64(count) + 100000));
		fprintf(f, "%s\n", json_object_to_json_string(o));
		json_object_put(o);
	}
	fclose(f);
	assert_int_equal(timeline_check_samples(&tl, tampered, &c, err, sizeof(err)), 0);
	assert_int_equal(c.failed, 1);
	assert_non_null(strstr(c.first_failure, "reason 114"));
	timeline_free(&tl);
}

static void recorded_boots_in_stages_that_tile_the_run(void **state)
{
	_cleanup_free_ char *text = recorded("timeline.jsonl");
	struct timeline tl;
	struct stages st;
	char err[256] = "";
	uint64_t sum = 0;
	double end = 0;

	(void)state;
	assert_int_equal(timeline_parse(text, &tl, err, sizeof(err)), 0);
	stages_compute(&tl, &st);
	/* The first boot oopsed and reset with no reset line: the next begins where it stopped. */
	assert_int_equal(st.n_boots, 3);
	assert_true(st.boot[0].oops >= 0);
	assert_false(st.boot[0].reset_seen);
	assert_int_equal(st.boot[0].n, 4);
	assert_string_equal(st.boot[0].stage[3].name, "systemd to the boot's end");
	for (size_t b = 0; b < st.n_boots; b++) {
		const struct boot_stages *bs = &st.boot[b];

		assert_string_equal(bs->stage[0].name, "firmware");
		assert_string_equal(bs->stage[2].name, "initramfs");
		assert_true(bs->t0 > bs->stage[0].begin);
		/* Every stage the console marks was marked in the boots that ran through. */
		if (b > 0) {
			assert_true(bs->reset_seen == (b == 1));
			assert_int_equal(bs->n, 9);
			assert_string_equal(bs->stage[8].name, "cloud-init done");
		}
		for (size_t i = 0; i < bs->n; i++) {
			assert_true(bs->stage[i].begin == end);
			assert_true(bs->stage[i].end >= bs->stage[i].begin);
			end = bs->stage[i].end;
			sum += bs->stage[i].exits;
		}
	}
	/* From 0 to the VM's end with no gap: the stages' exits are all the VM's. */
	assert_int_equal(sum, timeline_total(&tl, timeline_host_at(&tl, end)));
	timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_timeline),
		cmocka_unit_test(a_sample_between_its_host_reads_agrees),
		cmocka_unit_test(counts_that_disagree_fail),
		cmocka_unit_test(a_sample_never_seen_arriving_is_not_checked),
		cmocka_unit_test(stages_from_markers_and_merged_where_missing),
		cmocka_unit_test(recorded_samples_agree_with_the_host),
		cmocka_unit_test(a_recorded_sample_off_by_some_fails),
		cmocka_unit_test(recorded_boots_in_stages_that_tile_the_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
