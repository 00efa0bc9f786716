// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs the patch's own exit_stats_decode.c (compiled from the patched
 * tree) over every 32-bit ECX value for each vendor and checks it against
 * the manuals' tables written out independently here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exit_stats_decode.h"

struct range {
	uint32_t first, last;
};

/* Intel SDM Vol. 3C, Appendix C: basic exit reasons 0-79, less four gaps. */
static const struct range vmx_defined[] = {
	{ 0, 34 }, { 36, 37 }, { 39, 41 }, { 43, 70 }, { 72, 79 },
};

/* AMD APM Vol. 2, Appendix C, and VMEXIT_INVALID/BUSY by their low halves. */
static const struct range svm_defined[] = {
	{ 0x000, 0x0a5 }, { 0x400, 0x403 }, { 0xfffffffe, 0xffffffff },
};

static bool spec_defined(const struct range *t, size_t n, uint32_t r)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r >= t[i].first && r <= t[i].last)
			return true;
	}
	return false;
}

static void check_all_values(enum kvm_exit_stats_isa isa, const struct range *t, size_t n,
			     unsigned int expected_defined)
{
	unsigned int seen[KVM_EXIT_STATS_NR_SLOTS] = { 0 };
	unsigned int defined = 0;
	uint64_t v;

	for (v = 0; v <= 0xffffffffull; v++) {
		uint32_t r = (uint32_t)v;
		int slot = kvm_exit_stats_slot(isa, r);

		if (!spec_defined(t, n, r)) {
			if (slot != -ENOENT)
				fail_msg("isa %d: reason 0x%x is undefined but got slot %d", isa, r, slot);
			continue;
		}
		if (slot < 0 || slot >= KVM_EXIT_STATS_OTHER_SLOT)
			fail_msg("isa %d: defined reason 0x%x got slot %d", isa, r, slot);
		if (seen[slot]++)
			fail_msg("isa %d: slot %d given to two reasons (again to 0x%x)", isa, slot, r);
		defined++;
	}
	assert_int_equal(defined, expected_defined);
}

static void vmx_every_value(void **state)
{
	(void)state;
	check_all_values(KVM_EXIT_STATS_VMX, vmx_defined,
			 sizeof(vmx_defined) / sizeof(vmx_defined[0]), 76);
}

static void svm_every_value(void **state)
{
	(void)state;
	check_all_values(KVM_EXIT_STATS_SVM, svm_defined,
			 sizeof(svm_defined) / sizeof(svm_defined[0]), 172);
}

/* VMX reasons identity-map, so the report uses the SDM numbers as slots. */
static void vmx_slots_are_reasons(void **state)
{
	uint32_t r;

	(void)state;
	for (r = 0; r < 80; r++) {
		if (spec_defined(vmx_defined, 5, r))
			assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_VMX, r), (int)r);
	}
}

static bool handled_odd(uint32_t reason)
{
	return reason & 1;
}

static void decode_three_answers(void **state)
{
	(void)state;
	/* Undefined wins over the handler question. */
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_VMX, 35, handled_odd), -ENOENT);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_VMX, 0xffffffff, handled_odd), -ENOENT);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_VMX, 16, handled_odd), -EOPNOTSUPP);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_VMX, 75, handled_odd), 75);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_SVM, 0x3ff, handled_odd), -ENOENT);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_SVM, 0x6e, handled_odd), -EOPNOTSUPP);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_SVM, 0x401, handled_odd), 0xa7);
	assert_int_equal(kvm_exit_stats_decode(KVM_EXIT_STATS_SVM, 0xffffffff, handled_odd), 0xaa);
}

static void split_u64(void **state)
{
	u32 hi, lo;

	(void)state;
	kvm_exit_stats_split(0x0123456789abcdefull, &hi, &lo);
	assert_int_equal(hi, 0x01234567u);
	assert_int_equal(lo, 0x89abcdefu);
	kvm_exit_stats_split(0xffffffffull, &hi, &lo);
	assert_int_equal(hi, 0);
	assert_int_equal(lo, 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmx_every_value),
		cmocka_unit_test(svm_every_value),
		cmocka_unit_test(vmx_slots_are_reasons),
		cmocka_unit_test(decode_three_answers),
		cmocka_unit_test(split_u64),
	};

	return cmocka_run_group_tests_name("kvm_exit_stats_decode", tests, NULL, NULL);
}
