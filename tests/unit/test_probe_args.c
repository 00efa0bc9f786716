// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "../../probes/leaves.h"
#include "../../probes/probe_args.h"

static int parse(struct probe_args *a, char *err, size_t n, int argc, const char **argv)
{
	return probe_args_parse(argc, (char **)argv, a, err, n);
}

#define PARSE(a, err, ...)                                                         \
	({                                                                         \
		const char *argv_[] = { "exitlab-probe", __VA_ARGS__ };            \
		parse((a), (err), sizeof(err), sizeof(argv_) / sizeof(argv_[0]), argv_); \
	})

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_arguments),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(classify),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
