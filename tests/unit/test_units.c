// SPDX-License-Identifier: GPL-2.0-only
/*
 * Honest units and literal labels: what the cycles are called per
 * accelerator (env.json), the latency section from a recorded host
 * exit_stats file (tests/data/vmstats/bochs-vmx.exit_stats), and the plots'
 * reason names drawn as written (CR4_WRITE, not CR4 with WRITE subscripted).
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
#include "../../report/latency.h"
#include "../../report/units.h"
#include "shell.h"
#include "scratch.h"

static void unit_for(const char *env, struct cycle_unit *u, char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/env.json", dir);
	struct run r = { 0 };

	if (env)
		assert_int_equal(write_file_atomic(path, env, strlen(env)), 0);
	else
		unlink(path);
	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	cycle_unit_of(&r, u);
}

static void units(void **state)
{
	char dir[] = "/tmp/exitlab-units-XXXXXX", note[320];
	struct cycle_unit u;

	(void)state;
	assert_non_null(mkdtemp(dir));
	unit_for("{\"accelerator\":\"tcg\"}", &u, dir);
	assert_true(u.emulated);
	assert_string_equal(u.name, "emulated cycles");
	assert_non_null(strstr(cycle_unit_note(&u, note, sizeof(note)), "QEMU's TCG"));
	unit_for("{\"accelerator\":\"bochs\"}", &u, dir);
	assert_string_equal(u.name, "emulated cycles");
	assert_non_null(strstr(cycle_unit_note(&u, note, sizeof(note)), "emulated instructions"));
	/* KVM: real cycles; time only with L1's TSC frequency, which the agent does not record yet. */
	unit_for("{\"accelerator\":\"kvm\",\"l1\":{}}", &u, dir);
	assert_false(u.emulated);
	assert_string_equal(u.name, "cycles");
	assert_non_null(strstr(cycle_unit_note(&u, note, sizeof(note)), "not in env.json (l1.tsc_khz)"));
	unit_for("{\"accelerator\":\"kvm\",\"l1\":{\"tsc_khz\":2445000}}", &u, dir);
	assert_true(u.tsc_khz == 2445000);
	assert_non_null(strstr(cycle_unit_note(&u, note, sizeof(note)), "µs = cycles / 2445.000"));
	unit_for(NULL, &u, dir);
	assert_string_equal(u.name, "cycles");
	assert_non_null(strstr(cycle_unit_note(&u, note, sizeof(note)), "unit is unknown"));
	rmdir(dir);
}

static void latency(void **state)
{
	char dir[] = "/tmp/exitlab-latency-XXXXXX";
	_cleanup_free_ char *cmd = NULL, *out = NULL, *text = NULL, *gp = NULL, *path = NULL;
	struct cycle_unit u;
	struct run r = { 0 };
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	unit_for("{\"accelerator\":\"bochs\"}", &u, dir);
	/* No file: said so. */
	f = open_memstream(&text, &len);
	latency_section(f, &r, &u, dir, false);
	fclose(f);
	assert_non_null(strstr(text, "No `exit_stats.txt`"));
	free(text);
	text = NULL;

	cmd = xasprintf("cp %s/bochs-vmx.exit_stats %s/exit_stats.txt", EXITLAB_VMSTATS_DATA, dir);
	assert_int_equal(sh(cmd, &out), 0);
	f = open_memstream(&text, &len);
	latency_section(f, &r, &u, dir, true);
	fclose(f);
	print_message("%s", text);
	/* IO_INSTRUCTION: 50 427 exits, 40 708 504 cycles (807 each), peaking in [2^9, 2^10). */
	assert_non_null(strstr(text, "| 30 IO_INSTRUCTION | 50427 | 807 | 2^9–2^10 | 2^9–2^10 |"));
	assert_non_null(strstr(text, "| 10 CPUID | 32065 |"));
	assert_non_null(strstr(text, "mean emulated cycles"));
	assert_non_null(strstr(text, "![latency distributions](latency.svg)"));
	path = xasprintf("%s/latency.gp", dir);
	assert_int_equal(read_file(path, &gp, NULL), 0);
	assert_non_null(strstr(gp, "set termoption noenhanced"));
	free(path);
	path = xasprintf("%s/latency.svg", dir);
	assert_true(file_exists(path));
	(void)scratch_remove(dir);
}

/* The report's own plots: CR4_WRITE is one text, no subscript. */
static void literal_labels(void **state)
{
	char dir[] = "/tmp/exitlab-labels-XXXXXX";
	_cleanup_free_ char *cmd = NULL, *out = NULL, *svg = NULL, *path = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cmd = xasprintf("cp -r %s/run-a %s/ && %s --out %s/out %s/run-a", EXITLAB_REPORT_DATA, dir,
			EXITLAB_REPORT_BIN, dir, dir);
	assert_int_equal(sh(cmd, &out), 0);
	path = xasprintf("%s/out/cost.svg", dir);
	assert_int_equal(read_file(path, &svg, NULL), 0);
	assert_non_null(strstr(svg, "<text>0x14 CR4_WRITE</text>"));
	assert_null(strstr(svg, "<tspan"));
	free(svg);
	free(path);
	path = xasprintf("%s/out/report.md", dir);
	assert_int_equal(read_file(path, &svg, NULL), 0);
	assert_non_null(strstr(svg, "| emulated cycles | emulated cycles per exit |"));
	assert_non_null(strstr(svg, "**Never occurred:** 154 of the 171 reasons the AMD APM defines"));
	(void)scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units),
		cmocka_unit_test(latency),
		cmocka_unit_test(literal_labels),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
