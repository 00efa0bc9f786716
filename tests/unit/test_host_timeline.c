// SPDX-License-Identifier: GPL-2.0-only
/*
 * L1's host timeline (lab/l1/host_timeline.c) on a fake KVM debugfs
 * directory whose VM is this process, and its way into timeline.jsonl
 * (lab/l0/timeline_file.c): cumulative counts, the arrival of console and
 * probe lines, the VM's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lab/common/util.h"
#include "host_timeline.h"
#include "scratch.h"
#include "timeline_file.h"

static char dir[] = "/tmp/exitlab-host-timeline-XXXXXX";

#define HEADER "kvm_exit_stats 1\nisa svm\nvcpus 1\nbuckets 2\n"

static void write_text(const char *name, const char *text, bool append)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, append ? "a" : "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct json_object *lines_of(const char *path, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *a = json_object_new_array();
	char *save = NULL;

	assert_int_equal(read_file(path, &text, NULL), 0);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		json_object_array_add(a, json_tokener_parse(l));
	*n = json_object_array_length(a);
	return a;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void samples_a_vm_from_sight_to_end(void **state)
{
	_cleanup_free_ char *vm = xasprintf("%s/kvm/%d-12", dir, (int)getpid());
	_cleanup_free_ char *stats = xasprintf("%s/exit_stats", vm);
	_cleanup_free_ char *console = xasprintf("%s/console.log", dir);
	_cleanup_free_ char *results = xasprintf("%s/results.jsonl", dir);
	_cleanup_free_ char *kvm = xasprintf("%s/kvm", dir);
	_cleanup_free_ char *out = xasprintf("%s/timeline.jsonl", dir);
	_cleanup_free_ char *raw_path = xasprintf("%s/exit_stats.txt", dir), *raw = NULL;
	struct host_timeline h = { .interval_ms = 20, .pid = getpid(), .debugfs = kvm,
				   .console_path = console, .results_path = results,
				   .max_samples = 1000, .cpu = -1 };
	struct json_object *parent = json_object_new_object(), *ht, *lines, *o, *reasons, *v;
	size_t n, i, hosts = 0, probes = 0, consoles = 0;
	bool saw_both = false;

	(void)state;
	write_text("console.log", "", false);
	write_text("results.jsonl", "", false);
	host_timeline_start(&h);
	usleep(60000);
	assert_int_equal(mkdir_p(vm, 0755), 0);
	write_text(stats + strlen(dir) + 1, HEADER "total 5 50\nother 0 0\npreempted 0\n"
		   "reason 114 5 50 1 4\nreason 120 0 0 0 0\n", false);
	usleep(100000);
	write_text("console.log", "[    1.000000] first\r\nexitlab-initramfs: start", true);
	write_text("results.jsonl", "{\"snapshot\":1}\n{\"type\":\"sample\"}\n", true);
	usleep(100000);
	write_text(stats + strlen(dir) + 1, HEADER "total 9 95\nother 0 0\npreempted 0\n"
		   "reason 114 5 50 1 4\nreason 120 4 45 0 4\n", false);
	write_text("console.log", " uptime=0.5\n", true);
	usleep(100000);
	assert_int_equal(unlink(stats), 0);
	assert_int_equal(rmdir(vm), 0);
	usleep(100000);
	write_text("results.jsonl", "{\"type\":\"phase\"}", true);
	host_timeline_stop(&h, parent, 1);

	assert_true(json_object_object_get_ex(parent, "host_timeline", &ht));
	assert_int_equal(timeline_file_write(dir, ht), 0);
	lines = lines_of(out, &n);
	o = json_object_array_get_idx(lines, 0);
	assert_string_equal(str(o, "type"), "timeline");
	assert_string_equal(str(o, "schema"), "exitlab-timeline/1");
	assert_string_equal(str(o, "isa"), "svm");
	{
		_cleanup_free_ char *name = xasprintf("%d-12", (int)getpid());

		assert_string_equal(str(o, "vm"), name);
	}
	/* From this process's start (it is the "QEMU" here): the test's own seconds. */
	assert_true(json_object_object_get_ex(o, "seen_after_s", &v));
	assert_true(json_object_get_double(v) > 0.05 && json_object_get_double(v) < 30);
	assert_true(json_object_object_get_ex(o, "end_t", &v));
	assert_true(json_object_get_double(v) > 0.15);
	for (i = 1; i < n; i++) {
		o = json_object_array_get_idx(lines, i);
		if (!strcmp(str(o, "type"), "host")) {
			assert_true(json_object_object_get_ex(o, "reasons", &reasons));
			/* Cumulative: the CPUID reason (0x72) at every sample, not only when it grew. */
			assert_true(json_object_object_get_ex(reasons, "114", &v));
			assert_int_equal(json_object_get_int64(json_object_array_get_idx(v, 0)), 5);
			if (json_object_object_get_ex(reasons, "120", &v)) {
				assert_int_equal(json_object_get_int64(json_object_array_get_idx(v, 0)), 4);
				assert_int_equal(json_object_get_int64(json_object_array_get_idx(v, 1)), 45);
				saw_both = true;
			}
			hosts++;
		} else if (!strcmp(str(o, "type"), "probe_line")) {
			/* After the agent's boot mark: the typed lines are samples.jsonl's 1 and 2. */
			assert_true(json_object_object_get_ex(o, "index", &v));
			assert_int_equal(json_object_get_int64(v), (int64_t)++probes);
		} else if (!strcmp(str(o, "type"), "console")) {
			consoles++;
			assert_true(json_object_object_get_ex(o, "t", &v));
			assert_true(json_object_get_double(v) > 0);
			if (consoles == 1)
				assert_string_equal(str(o, "line"), "[    1.000000] first");
			else
				assert_string_equal(str(o, "line"),
						    "exitlab-initramfs: start uptime=0.5");
		}
	}
	assert_true(saw_both);
	assert_true(hosts >= 5 && hosts <= 20);
	assert_int_equal(probes, 2);
	assert_int_equal(consoles, 2);
	assert_int_equal(read_file(raw_path, &raw, NULL), 0);
	assert_non_null(strstr(raw, "reason 120 4 45 0 4\n"));
	json_object_put(lines);
	json_object_put(parent);
}

static void off_at_zero(void **state)
{
	struct host_timeline h = { .interval_ms = 0, .cpu = -1 };
	struct json_object *parent = json_object_new_object();

	(void)state;
	host_timeline_start(&h);
	host_timeline_stop(&h, parent, 0);
	assert_false(json_object_object_get_ex(parent, "host_timeline", NULL));
	json_object_put(parent);
}

static int setup(void **state)
{
	(void)state;
	return scratch_make(dir, NULL, 0);
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(samples_a_vm_from_sight_to_end),
		cmocka_unit_test(off_at_zero),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
