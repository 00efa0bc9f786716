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

/*
 * Intel SDM Vol. 3C, Appendix C, Table C-1 (325462-087) with the ISE's
 * reasons (319433-056): 0-85 less 35, 38, 42, 71, 82, 83.
 */
static const struct range vmx_defined[] = {
	{ 0, 34 }, { 36, 37 }, { 39, 41 }, { 43, 70 }, { 72, 81 }, { 84, 85 },
};

/*
 * AMD APM Vol. 2 rev. 3.42, Appendix C: up to 0xa6 IDLE_HLT, 0x400-0x403,
 * and VMEXIT_INVALID/BUSY by their low halves.
 */
static const struct range svm_defined[] = {
	{ 0x000, 0x0a6 }, { 0x400, 0x403 }, { 0xfffffffe, 0xffffffff },
};

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* Calls of the out-of-line decoder from the exit path's inline mapping. */
static unsigned long slow_calls;
u32 __real_kvm_exit_stats_slot_or_other(enum kvm_exit_stats_isa isa, u32 reason);
u32 __wrap_kvm_exit_stats_slot_or_other(enum kvm_exit_stats_isa isa, u32 reason);
u32 __wrap_kvm_exit_stats_slot_or_other(enum kvm_exit_stats_isa isa, u32 reason)
{
	slow_calls++;
	return __real_kvm_exit_stats_slot_or_other(isa, reason);
}

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
		uint32_t r = (uint32_t)v, back = 0;
		int slot = kvm_exit_stats_slot(isa, r);
		uint32_t exit_slot = kvm_exit_stats_exit_slot(isa, r);

		if (!spec_defined(t, n, r)) {
			if (slot != -ENOENT)
				fail_msg("isa %d: reason 0x%x is undefined but got slot %d", isa, r, slot);
			/* Counted where no reason reports it: in "other". */
			if (exit_slot >= KVM_EXIT_STATS_NR_SLOTS ||
			    kvm_exit_stats_reason(isa, exit_slot, &back) != -ENOENT)
				fail_msg("isa %d: undefined 0x%x counted in slot %u, reason 0x%x's",
					 isa, r, exit_slot, back);
			if (kvm_exit_stats_slot_or_other(isa, r) != KVM_EXIT_STATS_OTHER_SLOT)
				fail_msg("isa %d: undefined 0x%x not in the other slot", isa, r);
			continue;
		}
		if (slot < 0 || slot >= KVM_EXIT_STATS_OTHER_SLOT)
			fail_msg("isa %d: defined reason 0x%x got slot %d", isa, r, slot);
		if (seen[slot]++)
			fail_msg("isa %d: slot %d given to two reasons (again to 0x%x)", isa, slot, r);
		if (exit_slot != (uint32_t)slot)
			fail_msg("isa %d: reason 0x%x: exit path slot %u, decoder %d", isa, r,
				 exit_slot, slot);
		if (kvm_exit_stats_reason(isa, slot, &back) != 0 || back != r)
			fail_msg("isa %d: slot %d maps back to 0x%x, not 0x%x", isa, slot, back, r);
		defined++;
	}
	assert_int_equal(defined, expected_defined);
}

static void vmx_every_value(void **state)
{
	(void)state;
	check_all_values(KVM_EXIT_STATS_VMX, vmx_defined, N(vmx_defined), 80);
}

static void svm_every_value(void **state)
{
	(void)state;
	check_all_values(KVM_EXIT_STATS_SVM, svm_defined, N(svm_defined), 173);
}

/* Every slot is a defined reason's or reports nothing; none out of range. */
static void slots_map_back(void **state)
{
	static const struct {
		enum kvm_exit_stats_isa isa;
		const struct range *t;
		size_t n;
		unsigned int defined;
	} isas[] = {
		{ KVM_EXIT_STATS_VMX, vmx_defined, N(vmx_defined), 80 },
		{ KVM_EXIT_STATS_SVM, svm_defined, N(svm_defined), 173 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(isas); i++) {
		unsigned int reported = 0;
		uint32_t s;

		for (s = 0; s < KVM_EXIT_STATS_NR_SLOTS + 64; s++) {
			uint32_t r = 0xdeadbeef;

			if (kvm_exit_stats_reason(isas[i].isa, s, &r) < 0)
				continue;
			if (s >= KVM_EXIT_STATS_OTHER_SLOT)
				fail_msg("isa %d: slot %u (>= other) reports reason 0x%x",
					 isas[i].isa, s, r);
			if (!spec_defined(isas[i].t, isas[i].n, r))
				fail_msg("isa %d: slot %u reports undefined 0x%x", isas[i].isa, s, r);
			reported++;
		}
		assert_int_equal(reported, isas[i].defined);
		/* The other slot reports no reason. */
		assert_int_equal(kvm_exit_stats_reason(isas[i].isa, KVM_EXIT_STATS_OTHER_SLOT,
						       &s), -ENOENT);
	}
}

/* VMX reasons identity-map, so the report uses the SDM numbers as slots. */
static void vmx_slots_are_reasons(void **state)
{
	uint32_t r;

	(void)state;
	for (r = 0; r < KVM_EXIT_STATS_VMX_SLOTS; r++) {
		if (spec_defined(vmx_defined, N(vmx_defined), r))
			assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_VMX, r), (int)r);
	}
}

/*
 * The reasons the review found missing from 6.1's tables (VMX 84/85, SVM
 * IDLE_HLT) are defined, and the exits a processor delivers take the inline
 * mapping: NPF and the AVIC/VMGEXIT codes too.  Only SVM's -1/-2 and
 * values no manual defines call out.
 */
static void named_reasons_and_fast_path(void **state)
{
	static const uint32_t vmx_fast[] = { 0, 10, 33, 34, 48, 80, 81, 84, 85 };
	static const uint32_t svm_fast[] = { 0x00, 0x4e, 0x72, 0x7c, 0xa5, 0xa6,
					     0x400, 0x401, 0x402, 0x403 };
	size_t i;

	(void)state;
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_VMX, 84), 84);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_VMX, 85), 85);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_VMX, 82), -ENOENT);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, 0xa6), 0xa6);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, 0xa7), -ENOENT);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, 0x400), 0xa7);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, 0x404), -ENOENT);
	assert_int_equal(kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, 0xffffffff), 0xab);

	slow_calls = 0;
	for (i = 0; i < N(vmx_fast); i++)
		assert_int_equal(kvm_exit_stats_exit_slot(KVM_EXIT_STATS_VMX, vmx_fast[i]),
				 vmx_fast[i]);
	for (i = 0; i < N(svm_fast); i++)
		assert_int_equal(kvm_exit_stats_exit_slot(KVM_EXIT_STATS_SVM, svm_fast[i]),
				 kvm_exit_stats_slot(KVM_EXIT_STATS_SVM, svm_fast[i]));
	if (slow_calls)
		fail_msg("%lu delivered reasons took the out-of-line decoder", slow_calls);
	assert_int_equal(kvm_exit_stats_exit_slot(KVM_EXIT_STATS_SVM, 0xffffffff), 0xab);
	assert_int_equal(slow_calls, 1);
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

/* The discovery leaf's registers spell the signature, as KVM's 0x40000000. */
static void discovery_signature(void **state)
{
	uint32_t regs[3] = { KVM_EXIT_STATS_SIGNATURE_EBX, KVM_EXIT_STATS_SIGNATURE_ECX,
			     KVM_EXIT_STATS_SIGNATURE_EDX };
	char sig[13] = { 0 };

	(void)state;
	memcpy(sig, regs, 12);
	assert_string_equal(sig, "KVMExitStats");
	assert_int_equal(KVM_EXIT_STATS_LEAF_DISCOVERY, 0x4ffffffbu);
	assert_int_equal(KVM_EXIT_STATS_VERSION, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmx_every_value),
		cmocka_unit_test(svm_every_value),
		cmocka_unit_test(slots_map_back),
		cmocka_unit_test(vmx_slots_are_reasons),
		cmocka_unit_test(named_reasons_and_fast_path),
		cmocka_unit_test(split_u64),
		cmocka_unit_test(discovery_signature),
	};

	return cmocka_run_group_tests_name("kvm_exit_stats_decode", tests, NULL, NULL);
}
