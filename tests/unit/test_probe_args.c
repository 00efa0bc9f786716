// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../../probes/leaves.h"
#include "../../probes/probe_args.h"
#include "probe_parse.h"

static void good_arguments(void **state)
{
	struct probe_args a;
	char err[128];

	(void)state;
	assert_int_equal(PARSE(&a, err, "query", "0x4FFFFFFD", "35"), 0);
	assert_int_equal(a.command, PROBE_QUERY);
	assert_int_equal(a.leaf, 0x4FFFFFFD);
	assert_int_equal(a.subleaf, 35);
	assert_int_equal(PARSE(&a, err, "query", "4294967295"), 0);
	assert_int_equal(a.leaf, 0xFFFFFFFFu);
	assert_int_equal(a.subleaf, 0);
	assert_int_equal(PARSE(&a, err, "snapshot", "--phase", "boot", "--out", "/x"), 0);
	assert_int_equal(a.command, PROBE_SNAPSHOT);
	assert_string_equal(a.phase, "boot");
	assert_string_equal(a.out, "/x");
	assert_int_equal(PARSE(&a, err, "interval", "--seconds", "7", "--out", "/p"), 0);
	assert_int_equal(a.command, PROBE_INTERVAL);
	assert_int_equal(a.seconds, 7);
	assert_int_equal(PARSE(&a, err, "interval"), 0);
	assert_int_equal(a.seconds, 5);
	assert_int_equal(PARSE(&a, err, "guest-init", "--seconds", "2", "--out", "/dev/ttyS1"), 0);
	assert_int_equal(a.command, PROBE_GUEST_INIT);
	assert_int_equal(a.seconds, 2);
	assert_string_equal(a.out, "/dev/ttyS1");
	assert_int_equal(PARSE(&a, err, "sample", "--interval", "250", "--duration", "30", "--phase",
			       "idle", "--phase-file", "/run/p", "--out", "/o"), 0);
	assert_int_equal(a.command, PROBE_SAMPLE);
	assert_int_equal(a.interval_ms, 250);
	assert_int_equal(a.duration_s, 30);
	assert_string_equal(a.phase, "idle");
	assert_string_equal(a.phase_file, "/run/p");
	assert_int_equal(PARSE(&a, err, "sample"), 0);
	assert_int_equal(a.interval_ms, 1000);
	assert_int_equal(a.duration_s, 0);
	assert_int_equal(PARSE(&a, err, "mark", "--phase", "io", "--event", "end"), 0);
	assert_int_equal(a.command, PROBE_MARK);
	assert_string_equal(a.event, "end");
	assert_int_equal(PARSE(&a, err, "mark", "--phase", "io", "--event", "begin", "--workload",
			       "{\"disk_mib\":64}"), 0);
	assert_string_equal(a.workload, "{\"disk_mib\":64}");
	assert_int_equal(PARSE(&a, err, "bench", "--iterations", "5000"), 0);
	assert_int_equal(a.command, PROBE_BENCH);
	assert_int_equal(a.iterations, 5000);
	assert_int_equal(PARSE(&a, err, "--help"), 0);
	assert_int_equal(a.command, PROBE_HELP);
}

static void bad_arguments(void **state)
{
	static const char *const cases[][7] = {
		{ "query" },
		{ "query", "0x100000000" },
		{ "query", "-1" },
		{ "query", "12abc" },
		{ "query", "1", "2", "3" },
		{ "query", "" },
		{ "snapshot", "--phase" },
		{ "snapshot", "--bogus", "x" },
		{ "snapshot", "--out", "" },
		{ "frobnicate" },
		{ "interval", "--seconds", "0" },
		{ "interval", "--seconds", "x" },
		{ "interval", "--bogus", "1" },
		{ "guest-init", "--phase", "x" },
		{ "guest-init", "--seconds" },
		{ "sample", "--interval", "5" },
		{ "sample", "--interval", "1s" },
		{ "sample", "--duration", "-1" },
		{ "sample", "--phase" },
		{ "mark", "--phase", "io" },
		{ "mark", "--event", "begin" },
		{ "mark", "--phase", "io", "--event", "middle" },
		{ "mark", "--phase", "io", "--event", "end", "--workload", "[1]" },
		{ "mark", "--phase", "io", "--event", "end", "--workload", "{" },
		{ "bench", "--iterations", "10" },
		{ "bench", "--loops", "5000" },
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[8] = { "exitlab-probe" };
		struct probe_args a;
		char err[128] = "";

		for (n = 0; n < 7 && cases[i][n]; n++)
			argv[n + 1] = cases[i][n];
		if (parse(&a, err, sizeof(err), (int)n + 1, argv) != -EINVAL)
			fail_msg("case %zu (%s) was accepted", i, cases[i][0]);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
	{
		const char *argv[] = { "exitlab-probe" };
		struct probe_args a;
		char err[128];

		assert_int_equal(parse(&a, err, sizeof(err), 1, argv), -EINVAL);
	}
}

static void classify(void **state)
{
	struct cpuid_regs zero = { 0 }, undef = { .edx = 0xFFFFFFFFu };
	struct cpuid_regs count = { .eax = 5 }, cycles = { .ebx = 1, .ecx = 2 };
	struct cpuid_regs junk = { .eax = 1, .edx = 7 };

	(void)state;
	assert_int_equal(reason_classify(&zero, &zero), REASON_UNHANDLED);
	assert_int_equal(reason_classify(&undef, &undef), REASON_UNDEFINED);
	assert_int_equal(reason_classify(&count, &cycles), REASON_COUNTED);
	assert_int_equal(regs_cycles(&cycles), 0x100000002ull);
	assert_int_equal(reason_classify(&junk, &zero), REASON_MALFORMED);
	assert_int_equal(reason_classify(&undef, &zero), REASON_MALFORMED);
}

/* A fake machine: fixed answers for the discovery leaf, leaf 0 for the rest. */
struct fake_cpu {
	struct cpuid_regs discovery;
	uint32_t asked;
};

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *ret)
{
	struct fake_cpu *cpu = ctx;

	(void)subleaf;
	cpu->asked = leaf;
	*ret = cpu->discovery;
}

static int discover(struct cpuid_regs answer, char *err, size_t n)
{
	struct fake_cpu cpu = { .discovery = answer };
	struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = &cpu };
	int r = leaves_discover(&src, err, n);

	assert_int_equal(cpu.asked, EXITLAB_LEAF_DISCOVERY);
	assert_int_equal(src.executed, 1);
	return r;
}

static void discovery_leaf(void **state)
{
	/* "KVMExitStats" in EBX, ECX, EDX, version 1: the patched KVM. */
	const struct cpuid_regs patched = { 1, 0x454d564bu, 0x53746978u, 0x73746174u };
	/* Feature off on Intel: the highest basic leaf's values (here leaf 0x16's). */
	const struct cpuid_regs intel_off = { 0x00000af0, 0x00000af0, 0x00000064, 0 };
	const struct cpuid_regs amd_off = { 0 };
	struct cpuid_regs v2 = patched;
	char err[256];

	(void)state;
	assert_int_equal(discover(patched, err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(discover(intel_off, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "KVMExitStats"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(discover(amd_off, err, sizeof(err)), -ENODEV);
	v2.eax = 2;
	assert_int_equal(discover(v2, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version 2"));
	assert_true(probe_needs_leaves(PROBE_SNAPSHOT) && probe_needs_leaves(PROBE_INTERVAL) &&
		    probe_needs_leaves(PROBE_SAMPLE) && probe_needs_leaves(PROBE_GUEST_INIT));
	/* bench runs under stock KVM too, query reads any leaf. */
	assert_false(probe_needs_leaves(PROBE_BENCH) || probe_needs_leaves(PROBE_QUERY) ||
		     probe_needs_leaves(PROBE_MARK));
}

/*
 * The real binary on this machine's real CPUID: no patched KVM below us, so
 * every command that reads the leaves refuses with one line and status 2.
 */
static void probe_refuses_without_leaves(void **state)
{
	static const char *const cmds[] = { "snapshot", "interval --seconds 1", "sample --duration 1" };
	struct cpuid_source native = { .cpuid = cpuid_native };
	char err[256], line[512], cmd[1024];
	size_t i;

	(void)state;
	if (leaves_discover(&native, err, sizeof(err)) == 0) {
		print_message("skipped: this machine answers the exit statistics leaves\n");
		skip();
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		FILE *p;
		int status, lines = 0;

		snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null", EXITLAB_PROBE_BIN, cmds[i]);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			lines++;
			if (!strstr(line, "no exit statistics here"))
				fail_msg("%s: unexpected line: %s", cmds[i], line);
		}
		status = pclose(p);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) != 2 || lines != 1)
			fail_msg("%s: exit status %d, %d lines on stderr", cmds[i], WEXITSTATUS(status),
				 lines);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_arguments),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(classify),
		cmocka_unit_test(discovery_leaf),
		cmocka_unit_test(probe_refuses_without_leaves),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
