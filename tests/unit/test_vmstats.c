// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab/vmstats.c on a recorded sample of the real file: KVM's
 * /sys/kernel/debug/kvm/<pid>-<fd>/exit_stats as L1 read it in a Bochs
 * (VMX) run (tests/data/vmstats/, where it came from is in its README).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/common/util.h"
#include "../../lab/common/vmstats.h"
#include "fixture.h"

static char *sample(void)
{
	return fixture_read(EXITLAB_VMSTATS_DATA "/bochs-vmx.exit_stats");
}

static void parses_the_recorded_file(void **state)
{
	_cleanup_free_ char *text = sample();
	const struct vmstats_reason *cpuid, *hlt;
	struct vmstats s;
	char err[256] = "";
	size_t i;

	(void)state;
	if (vmstats_parse(text, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(s.version, 1);
	assert_string_equal(s.isa, "vmx");
	assert_int_equal(s.vcpus, 1);
	assert_int_equal(s.buckets, 32);
	/* Every reason the SDM table defines: 0-85 less six. */
	assert_int_equal(s.n_reasons, 80);
	assert_null(vmstats_find(&s, 35));
	assert_non_null(vmstats_find(&s, 85));
	cpuid = vmstats_find(&s, 10);
	hlt = vmstats_find(&s, 12);
	assert_non_null(cpuid);
	assert_non_null(hlt);
	assert_true(cpuid->count > 0);
	/*
	 * L1 has one CPU under Bochs: while the reader runs, L2's vCPU thread
	 * does not, so this read saw no exit happen and the reasons add up exactly.
	 */
	if (vmstats_sum_counts(&s) + s.other != s.total)
		fail_msg("reasons %" PRIu64 " + other %" PRIu64 " != total %" PRIu64,
			 vmstats_sum_counts(&s), s.other, s.total);
	if (vmstats_sum_cycles(&s) + s.other_cycles != s.total_cycles)
		fail_msg("cycles of the reasons %" PRIu64 " != total %" PRIu64,
			 vmstats_sum_cycles(&s), s.total_cycles);
	assert_int_equal(s.other, 0);
	for (i = 0; i < s.n_reasons; i++) {
		const struct vmstats_reason *r = &s.reasons[i];
		uint64_t in_hist = vmstats_hist_sum(&s, r);

		/* An exit in flight has its count but no bucket yet: at most one per vCPU. */
		if (in_hist > r->count || r->count - in_hist > s.vcpus)
			fail_msg("reason %u: count %" PRIu64 ", %" PRIu64 " in its histogram",
				 r->reason, r->count, in_hist);
		if (r->count == 0 && r->cycles != 0)
			fail_msg("reason %u: cycles without exits", r->reason);
	}
	vmstats_free(&s);
}

/* The sample with one line replaced (or removed when with is NULL). */
static char *edited(const char *text, const char *prefix, const char *with)
{
	const char *at = strstr(text, prefix), *eol;
	char *out;

	assert_non_null(at);
	eol = strchr(at, '\n');
	assert_non_null(eol);
	out = xasprintf("%.*s%s%s", (int)(at - text), text, with ? with : "", eol + 1);
	return out;
}

static void refuses_what_is_not_the_contract(void **state)
{
	_cleanup_free_ char *text = sample();
	static const struct {
		const char *prefix, *with;
		int want;
	} cases[] = {
		{ "kvm_exit_stats ", "kvm_exit_stats 2\n", -EPROTO },
		{ "kvm_exit_stats ", "exit_stats 1\n", -EINVAL },
		{ "isa ", "isa arm\n", -EINVAL },
		{ "isa ", NULL, -EINVAL },
		{ "buckets ", "buckets 65\n", -EINVAL },
		{ "total ", "total 1\n", -EINVAL },
		{ "total ", "total 1 -2\n", -EINVAL },
		{ "other ", "other 18446744073709551616 0\n", -EINVAL },
		{ "reason 10 ", "reason 10 1 2 3\n", -EINVAL },
		{ "reason 12 ", "reason 12 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 "
				"23 24 25 26 27 28 29 30 31 32 33\n", -EINVAL },
		{ "preempted ", "preempted 0\nsurprise 1\n", -EINVAL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *bad = edited(text, cases[i].prefix, cases[i].with);
		struct vmstats s;
		char err[256] = "";
		int r = vmstats_parse(bad, &s, err, sizeof(err));

		if (r != cases[i].want)
			fail_msg("case %zu (%s): %d, not %d (%s)", i, cases[i].prefix, r, cases[i].want,
				 err);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
		assert_null(s.reasons);
	}
	{
		struct vmstats s;
		char err[64];

		assert_int_equal(vmstats_parse("", &s, err, sizeof(err)), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_recorded_file),
		cmocka_unit_test(refuses_what_is_not_the_contract),
	};

	return cmocka_run_group_tests_name("vmstats", tests, NULL, NULL);
}
