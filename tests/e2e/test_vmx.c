// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Bochs tier: the only place the patch's VMX code runs. One real
 * `exitlab run --l0 bochs` (Bochs emulating Intel VMX -> L1 with the patched
 * kvm_intel -> a minimal L2, the probe as init), then assertions, from L2's
 * view, on what the leaves answer. Skips, with the reason, only where Bochs
 * cannot be installed. Environment: EXITLAB, EXITLAB_IMAGES, EXITLAB_RESULTS;
 * EXITLAB_VMX_RUN_DIR checks a finished run's directory instead of running one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lab/l0/bochs.h"
#include "../../lab/l0/results.h"
#include "../../lab/common/util.h"
#include "e2e_variant.h"
#include "oracle_check.h"

/*
 * Intel SDM Vol. 3C, Appendix C (order no. 325462-087) with the ISE's
 * reasons, 0..85: the same reading as kvm-patch/README.md.
 */
#define SDM_HIGHEST_REASON 85
static const uint32_t sdm_undefined[] = { 35, 38, 42, 71, 82, 83 };
/*
 * Reasons 6.1's kvm_vmx_exit_handlers[] has an entry for: an independent
 * list (read off the table by hand), so a table the patch gets wrong fails.
 */
static const uint32_t kvm61_handled[] = {
	0,  1,  2,  7,  8,  9,  10, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24,
	25, 26, 27, 28, 29, 30, 31, 32, 36, 37, 39, 40, 41, 43, 44, 45, 46, 47,
	48, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 74, 75,
};

static char run_dir[512];
static char skip_reason[256];
static struct snapshot snaps[3]; /* interval-a, interval-b, final */
static const char *const phases[] = { "interval-a", "interval-b", "final" };
#define final_snap snaps[2]

static int load_snapshots(void)
{
	_cleanup_free_ char *text = NULL, *path = xasprintf("%s/bundle.json", run_dir);
	struct json_object *bundle, *list;
	char err[256];
	size_t i, j;
	int r = -1;

	if (read_file(path, &text, NULL) < 0 || !(bundle = json_tokener_parse(text))) {
		fprintf(stderr, "# vmx: %s missing or not JSON\n", path);
		return -1;
	}
	if (!json_object_object_get_ex(bundle, "snapshots", &list))
		goto out;
	for (i = 0; i < ARRAY_SIZE(phases); i++) {
		for (j = 0; j < json_object_array_length(list); j++) {
			struct json_object *s = json_object_array_get_idx(list, j), *p;

			if (json_object_object_get_ex(s, "phase", &p) &&
			    !strcmp(json_object_get_string(p), phases[i]))
				break;
		}
		if (j == json_object_array_length(list)) {
			fprintf(stderr, "# vmx: no %s snapshot\n", phases[i]);
			goto out;
		}
		if (snapshot_parse(json_object_to_json_string(json_object_array_get_idx(list, j)),
				   &snaps[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "# vmx: %s snapshot: %s\n", phases[i], err);
			goto out;
		}
	}
	r = 0;
out:
	json_object_put(bundle);
	return r;
}

static struct e2e_variant variant;

static int run_bochs_once(void **state)
{
	char **argv = e2e_variant_argv(&variant, run_dir, sizeof(run_dir));
	int r;

	(void)state;
	if (getenv("EXITLAB_VMX_RUN_DIR")) {
		snprintf(run_dir, sizeof(run_dir), "%s", getenv("EXITLAB_VMX_RUN_DIR"));
		return load_snapshots();
	}
	if (!strcmp(variant.requires, "bochs") && !bochs_available(skip_reason, sizeof(skip_reason)))
		return 0;
	fprintf(stderr, "# %s: %s run --l0 bochs --run-id %s (Bochs emulates VMX; minutes)\n",
		variant.name, argv[0], argv[3]);
	r = run_command(argv, NULL);
	if (r != 0) {
		fprintf(stderr, "# %s: exitlab run exited with %d\n", variant.name, r);
		return -1;
	}
	return load_snapshots();
}

static int free_snapshots(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(snaps); i++)
		snapshot_free(&snaps[i]);
	return 0;
}

#define SKIP_WITHOUT_BOCHS()                                                   \
	do {                                                                   \
		if (skip_reason[0]) {                                          \
			fprintf(stderr, "# SKIP Bochs tier: %s\n", skip_reason); \
			skip();                                                \
		}                                                              \
	} while (0)

static bool in_list(const uint32_t *list, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static void l2_saw_intel_vmx(void **state)
{
	_cleanup_free_ char *text = NULL, *path = NULL;
	struct json_object *env, *v;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	assert_int_equal(final_snap.arch, EXIT_ARCH_VMX);
	assert_string_equal(final_snap.vendor, "GenuineIntel");
	path = xasprintf("%s/env.json", run_dir);
	assert_int_equal(read_file(path, &text, NULL), 0);
	env = json_tokener_parse(text);
	assert_non_null(env);
	assert_true(json_object_object_get_ex(env, "accelerator", &v));
	assert_string_equal(json_object_get_string(v), "bochs");
	assert_true(json_object_object_get_ex(env, "cycles_note", &v));
	json_object_put(env);
}

static void totals_equal_sum_of_reasons(void **state)
{
	size_t i;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	for (i = 0; i < ARRAY_SIZE(snaps); i++) {
		uint64_t sum = snapshot_sum_counts(&snaps[i]);

		assert_true(snaps[i].total_exits > 0);
		/* The scan's own CPUIDs land between the two total reads. */
		assert_true(snaps[i].total_before <= sum);
		assert_true(sum <= snaps[i].total_exits);
	}
}

static void cpuid_counts_its_own_instructions(void **state)
{
	size_t i;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	for (i = 0; i < ARRAY_SIZE(snaps); i++) {
		const struct reason_row *row = snapshot_find(&snaps[i], 10);

		assert_non_null(row);
		assert_string_equal(row->cls, "counted");
		assert_int_equal(snaps[i].self_after - snaps[i].self_before,
				 snaps[i].self_expected_delta);
	}
}

static void sdm_undefined_reasons_flagged(void **state)
{
	size_t i, checked = 0, far = 0;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	for (i = 0; i < final_snap.n_rows; i++) {
		const struct reason_row *row = &final_snap.rows[i];
		bool undefined = row->reason > SDM_HIGHEST_REASON ||
				 in_list(sdm_undefined, ARRAY_SIZE(sdm_undefined), row->reason);
		int k;

		if (!undefined)
			continue;
		for (k = 0; k < 3; k++) {
			if (row->count_regs[k] || row->cycles_regs[k])
				fail_msg("undefined reason %u: register %d is not 0", row->reason, k);
		}
		if (row->count_regs[3] != 0xFFFFFFFFu || row->cycles_regs[3] != 0xFFFFFFFFu)
			fail_msg("undefined reason %u: edx is not 0xFFFFFFFF", row->reason);
		checked++;
		far += row->reason >= 0x1000;
	}
	/* 35, 38, 42, 71, 82, 83, 86..127 and the far values up to 0xFFFFFFFF. */
	assert_true(checked >= 6 + 42);
	assert_true(far >= 5);
	assert_non_null(snapshot_find(&final_snap, 0xFFFFFFFFu));
}

static void defined_but_unhandled_reasons_are_zero(void **state)
{
	uint32_t reason;
	size_t unhandled = 0;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	for (reason = 0; reason <= SDM_HIGHEST_REASON; reason++) {
		const struct reason_row *row = snapshot_find(&final_snap, reason);
		int k;

		if (in_list(sdm_undefined, ARRAY_SIZE(sdm_undefined), reason))
			continue;
		assert_non_null(row);
		if (in_list(kvm61_handled, ARRAY_SIZE(kvm61_handled), reason)) {
			/* Handled: a count, or all zero when it never happened. */
			if (strcmp(row->cls, "counted") != 0 && strcmp(row->cls, "zero") != 0)
				fail_msg("handled reason %u answered as %s", reason, row->cls);
			continue;
		}
		for (k = 0; k < 4; k++) {
			if (row->count_regs[k] || row->cycles_regs[k])
				fail_msg("defined, unhandled reason %u: register %d is not 0", reason, k);
		}
		unhandled++;
	}
	assert_int_equal(unhandled, SDM_HIGHEST_REASON + 1 - ARRAY_SIZE(sdm_undefined) -
					    ARRAY_SIZE(kvm61_handled));
}

/* Bochs counts instructions: cycles only have to grow, never shrink. */
static void cycles_monotonic(void **state)
{
	size_t i, j;

	(void)state;
	SKIP_WITHOUT_BOCHS();
	for (i = 1; i < ARRAY_SIZE(snaps); i++) {
		assert_true(snaps[i].total_cycles >= snaps[i - 1].total_cycles);
		assert_true(snaps[i].total_exits >= snaps[i - 1].total_exits);
		for (j = 0; j < snaps[i].n_rows; j++) {
			const struct reason_row *now = &snaps[i].rows[j];
			const struct reason_row *before = snapshot_find(&snaps[i - 1], now->reason);

			if (!before || strcmp(now->cls, "undefined") == 0)
				continue;
			if (now->cycles < before->cycles || now->count < before->count)
				fail_msg("reason %u went back from %s to %s", now->reason, phases[i - 1],
					 phases[i]);
		}
	}
	assert_true(final_snap.total_cycles > snaps[0].total_cycles);
}

/* KVM's own kvm_exit tracepoint in L1 agrees with the leaves, reason by reason. */
static void tracepoint_agrees(void **state)
{
	(void)state;
	SKIP_WITHOUT_BOCHS();
	json_object_put(assert_oracle_agrees(run_dir));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_saw_intel_vmx),
		cmocka_unit_test(totals_equal_sum_of_reasons),
		cmocka_unit_test(cpuid_counts_its_own_instructions),
		cmocka_unit_test(sdm_undefined_reasons_flagged),
		cmocka_unit_test(defined_but_unhandled_reasons_are_zero),
		cmocka_unit_test(cycles_monotonic),
		cmocka_unit_test(tracepoint_agrees),
	};

	if (e2e_variant_from_args(argc, argv, "test_vmx", &variant) < 0)
		return 2;
	return _cmocka_run_group_tests(variant.name, tests, ARRAY_SIZE(tests), run_bochs_once,
				       free_snapshots);
}
