// SPDX-License-Identifier: GPL-2.0-only
/* Where a run's time went: phases from the time series, L1's last step from its console. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lab/timings.h"
#include "../../lab/util.h"

static struct json_object *step_at(struct json_object *steps, size_t i)
{
	assert_true(i < json_object_array_length(steps));
	return json_object_array_get_idx(steps, i);
}

static const char *field(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

static double seconds_of(struct json_object *o)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, "seconds", &v));
	return json_object_get_double(v);
}

/* Begin and end marks pair up by phase, samples and unmatched marks do not count. */
static void phases_from_marks(void **state)
{
	static const char samples_text[] =
		"[{\"type\":\"phase\",\"phase\":\"boot\",\"event\":\"begin\",\"t\":0},"
		"{\"type\":\"sample\",\"t\":1.0,\"total_exits\":10},"
		"{\"type\":\"phase\",\"phase\":\"boot\",\"event\":\"end\",\"t\":41.25},"
		"{\"type\":\"phase\",\"phase\":\"check\",\"event\":\"begin\",\"t\":41.5},"
		"{\"type\":\"phase\",\"phase\":\"check\",\"event\":\"end\",\"t\":47.0},"
		"{\"type\":\"phase\",\"phase\":\"reboot\",\"event\":\"begin\",\"t\":80.0}]";
	struct json_object *samples = json_tokener_parse(samples_text);
	struct json_object *steps = json_object_new_array();

	(void)state;
	assert_non_null(samples);
	assert_int_equal(timings_add_phases(steps, samples), 2);
	assert_int_equal(json_object_array_length(steps), 2);
	assert_string_equal(field(step_at(steps, 0), "step"), "phase boot");
	assert_string_equal(field(step_at(steps, 0), "where"), "L2");
	assert_true(seconds_of(step_at(steps, 0)) == 41.25);
	assert_string_equal(field(step_at(steps, 1), "step"), "phase check");
	assert_true(seconds_of(step_at(steps, 1)) == 5.5);
	/* No time series at all: nothing added, nothing crashes. */
	assert_int_equal(timings_add_phases(steps, NULL), 0);
	json_object_put(samples);
	json_object_put(steps);
}

/* The last "L1 step:" line wins; kernel lines and other agent lines are passed over. */
static void last_step_from_console(void **state)
{
	static const char console[] =
		"[   30.651664] tun: Universal TUN/TAP device driver, 1.6\n"
		"exitlab-l1-init: 6.1.0-57-amd64, starting the agent\n"
		"[    0.1s] " L1_STEP_MARK "kvm modules\n"
		"[    2.1s] L1: starting virtlogd and libvirtd\n"
		"[    2.2s] " L1_STEP_MARK "libvirt start\r\n"
		"[    8.6s] " L1_STEP_MARK "L2 runs (boot, phases, power-off)\n"
		"[   13.6s] L1: alive; L2 runs (boot, phases, power-off) for 5 s\n"
		"[  148.466972] kvm [241]: vcpu0, guest rIP: 0xffffffffa729a068\n";
	char step[96];
	double at = 0;

	(void)state;
	assert_int_equal(timings_l1_last_step(console, step, sizeof(step), &at), 0);
	assert_string_equal(step, "L2 runs (boot, phases, power-off)");
	assert_true(at == 8.6);
	/* A kernel time stamp ("[  1.000000]") is not the agent's ("[  1.0s]"). */
	assert_int_equal(timings_l1_last_step("[    1.000000] L1 step: x\nno steps\n", step,
					      sizeof(step), &at), -ENOENT);
	assert_int_equal(timings_l1_last_step("", step, sizeof(step), &at), -ENOENT);
}

/* The table names every step and the attempt's failure. */
static void table_shows_failures(void **state)
{
	static const char timings_text[] =
		"{\"before\":[{\"where\":\"L0\",\"step\":\"accelerator trial\",\"seconds\":3.0}],"
		"\"attempts\":[{\"seconds\":47.5,\"failure\":\"L1 hung\",\"last_step\":\"libvirt start\","
		"\"last_step_at\":2.2,\"steps\":[]},"
		"{\"seconds\":200.0,\"steps\":[{\"where\":\"L2\",\"step\":\"phase boot\",\"seconds\":55.0}]}],"
		"\"after\":[],\"total_seconds\":251.5}";
	struct json_object *timings = json_tokener_parse(timings_text);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(timings);
	timings_print(timings, f);
	fclose(f);
	assert_non_null(strstr(text, "accelerator trial"));
	assert_non_null(strstr(text, "attempt 1: failed after 47.5 s (L1 hung); L1's last step: "
				     "libvirt start, 2.2 s into its agent"));
	assert_non_null(strstr(text, "attempt 2: done after 200.0 s"));
	assert_non_null(strstr(text, "phase boot"));
	assert_non_null(strstr(text, "251.5 s"));
	free(text);
	json_object_put(timings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(phases_from_marks),
		cmocka_unit_test(last_step_from_console),
		cmocka_unit_test(table_shows_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
