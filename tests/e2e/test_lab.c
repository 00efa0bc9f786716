// SPDX-License-Identifier: GPL-2.0-only
/*
 * End to end: one real `exitlab run` (L0 -> patched L1 KVM -> L2 with
 * cloud-init), then assertions on the numbers that came back from L2.
 * Environment: EXITLAB (the binary), EXITLAB_IMAGES, EXITLAB_RESULTS;
 * EXITLAB_LAB_RUN_DIR checks a finished run's directory instead of running one.
 *
 * Which run, and which extra checks, is a variant of tests/e2e/variants.cfg
 * named by the first argument (default test_lab: L2 on nested paging;
 * test_lab_shadow runs it on shadow paging and checks its page faults;
 * test_vmx_full runs the same chain on Intel VMX in Bochs, `make
 * test-vmx-full`). The second VM's and L2's vCPUs' checks follow the
 * variant's own --second-vm and --l2-vcpus.
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
#include "../../lab/common/params.h"
#include "../../lab/common/util.h"
#include "../../lab/common/vmstats.h"
#include "../../report/stages.h"
#include "../../report/timeline.h"
#include "oracle_check.h"

#include "e2e_variant.h"

static char run_dir[512];
static struct snapshot snap;

static struct e2e_variant variant;
static char skip_reason[256];

/* The value after the variant's option opt (e.g. "--l2-vcpus"), or NULL; "" for a flag. */
static const char *variant_arg(const char *opt)
{
	size_t i;

	for (i = 0; i < variant.n_args; i++)
		if (!strcmp(variant.args[i], opt))
			return i + 1 < variant.n_args && variant.args[i + 1][0] != '-'
				       ? variant.args[i + 1] : "";
	return NULL;
}

static int run_lab_once(void **state)
{
	char **argv = e2e_variant_argv(&variant, run_dir, sizeof(run_dir));
	_cleanup_free_ char *snapshot_json = NULL;
	char err[256];
	int r;

	(void)state;
	if (getenv("EXITLAB_LAB_RUN_DIR")) {
		snprintf(run_dir, sizeof(run_dir), "%s", getenv("EXITLAB_LAB_RUN_DIR"));
		goto parse;
	}
	if (!strcmp(variant.requires, "bochs") && !bochs_available(skip_reason, sizeof(skip_reason)))
		return 0;
	fprintf(stderr, "# %s: %s run --run-id %s (L1 and L2 boot for real; minutes)\n",
		variant.name, argv[0], argv[3]);
	r = run_command(argv, NULL);
	if (r != 0) {
		fprintf(stderr, "# %s: exitlab run exited with %d\n", variant.name, r);
		return -1;
	}
parse:
	{
		_cleanup_free_ char *path = xasprintf("%s/snapshot.json", run_dir);

		if (read_file(path, &snapshot_json, NULL) < 0) {
			fprintf(stderr, "# e2e: %s missing\n", path);
			return -1;
		}
	}
	if (snapshot_parse(snapshot_json, &snap, err, sizeof(err)) < 0) {
		fprintf(stderr, "# e2e: snapshot.json: %s\n", err);
		return -1;
	}
	return 0;
}

static int free_snapshot(void **state)
{
	(void)state;
	snapshot_free(&snap);
	return 0;
}

/* RUN_DIR/name parsed; the test fails if it is missing or not JSON. Put it. */
static struct json_object *run_json(const char *name)
{
	_cleanup_free_ char *text = NULL, *path = xasprintf("%s/%s", run_dir, name);
	struct json_object *o;

	if (read_file(path, &text, NULL) < 0)
		fail_msg("%s is missing", path);
	o = json_tokener_parse(text);
	if (!o)
		fail_msg("%s is not JSON", path);
	return o;
}

/* Where the variant needs what this host lacks (requires = bochs): every test skips. */
#define SKIP_IF_UNSUPPORTED()                                                       \
	do {                                                                        \
		if (skip_reason[0]) {                                               \
			fprintf(stderr, "# SKIP %s: %s\n", variant.name, skip_reason); \
			skip();                                                     \
		}                                                                   \
	} while (0)

static uint32_t cpuid_reason(void)
{
	return snap.arch == EXIT_ARCH_VMX ? 10 : 0x72;
}

static void total_exits_positive(void **state)
{
	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_true(snap.total_exits > 0);
	assert_true(snap.total_cycles > 0);
	assert_int_equal(snap.total_exits_regs[0], (uint32_t)snap.total_exits);
}

static void cpuid_counted(void **state)
{
	const struct reason_row *row = snapshot_find(&snap, cpuid_reason());

	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_non_null(row);
	assert_string_equal(row->cls, "counted");
	assert_true(row->count > 0);
	assert_true(row->cycles > 0);
	/* CPUID's own count grows by exactly the CPUIDs the probe ran. */
	assert_int_equal(snap.self_after - snap.self_before, snap.self_expected_delta);
}

static void undefined_reason(void **state)
{
	/* 35 is undefined in the SDM; on SVM 0x3FF lies in no APM range. */
	uint32_t reason = snap.arch == EXIT_ARCH_VMX ? 35 : 0x3FF;
	const struct reason_row *row = snapshot_find(&snap, reason);
	int i;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_non_null(row);
	for (i = 0; i < 3; i++) {
		assert_int_equal(row->count_regs[i], 0);
		assert_int_equal(row->cycles_regs[i], 0);
	}
	assert_int_equal(row->count_regs[3], 0xFFFFFFFFu);
	assert_int_equal(row->cycles_regs[3], 0xFFFFFFFFu);
}

static void defined_but_unhandled_reason(void **state)
{
	/* RDTSC: defined by both manuals, absent from 6.1's handler tables. */
	uint32_t reason = snap.arch == EXIT_ARCH_VMX ? 16 : 0x6E;
	const struct reason_row *row = snapshot_find(&snap, reason);
	int i;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_non_null(row);
	for (i = 0; i < 4; i++) {
		assert_int_equal(row->count_regs[i], 0);
		assert_int_equal(row->cycles_regs[i], 0);
	}
}

static void totals_bracket_reasons(void **state)
{
	uint64_t sum = snapshot_sum_counts(&snap);
	size_t i;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_true(snap.total_before <= sum);
	assert_true(sum <= snap.total_exits);
	for (i = 0; i < snap.n_rows; i++) {
		if (strcmp(snap.rows[i].cls, "malformed") == 0)
			fail_msg("reason %u answered outside the leaf ABI", snap.rows[i].reason);
	}
}

static void environment_recorded(void **state)
{
	struct json_object *env, *accel, *v, *l1;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	env = run_json("env.json");
	assert_true(json_object_object_get_ex(env, "accelerator", &accel));
	assert_true(json_object_object_get_ex(env, "l1", &l1));
	assert_true(json_object_object_get_ex(l1, "exit_stats", &v));
	assert_true(json_object_get_boolean(v));
	/*
	 * Under TCG no VM may run on L1's CPU 0 (struct l2_params, spare_cpu0),
	 * and by default L1 has a CPU for each of L2's vCPUs besides it.
	 */
	if (strcmp(json_object_get_string(accel), "tcg") == 0) {
		assert_true(json_object_object_get_ex(env, "l1_vcpus", &v));
		assert_int_equal(json_object_get_int(v), 3);
		assert_true(json_object_object_get_ex(l1, "vm_cpuset", &v));
		assert_string_equal(json_object_get_string(v), "1-2");
	}
	json_object_put(env);
}

/* KVM's own kvm_exit tracepoint in L1 agrees with the leaves, reason by reason. */
static void oracle_agrees(void **state)
{
	struct json_object *oracle, *total, *v;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	oracle = assert_oracle_agrees(run_dir);
	/* The interval's CPUID bursts alone are thousands of exits. */
	assert_true(json_object_object_get_ex(oracle, "total", &total));
	assert_true(json_object_object_get_ex(total, "leaf_delta", &v));
	assert_true(json_object_get_int64(v) > 1000);
	assert_true(json_object_object_get_ex(oracle, "vcpus", &v));
	assert_int_equal(json_object_get_int(v),
			 variant_arg("--l2-vcpus") ? atoi(variant_arg("--l2-vcpus")) : 1);
	json_object_put(oracle);
}

/*
 * The second VM exited all through L2's checked interval, yet the leaves
 * matched L2's own kvm_exit events: per-VM counts, not the host's.
 */
static void second_vm_not_counted(void **state)
{
	struct json_object *oracle, *env, *total, *l2, *v, *second;
	_cleanup_free_ char *second_state = NULL;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	env = run_json("env.json");
	assert_true(json_object_object_get_ex(env, "l2", &l2));
	assert_true(json_object_object_get_ex(l2, "second_vm_started", &v));
	assert_true(json_object_get_boolean(v));
	/* What L1 saw of the second VM, for the message should it show nothing. */
	second_state = xasprintf("%s", json_object_object_get_ex(l2, "second_vm", &second)
					       ? json_object_to_json_string(second) : "(not recorded)");
	json_object_put(env);
	oracle = run_json("oracle.json");
	assert_true(json_object_object_get_ex(oracle, "total", &total));
	assert_true(json_object_object_get_ex(total, "vm_tgid", &v));
	assert_true(json_object_get_int(v) > 0);
	assert_true(json_object_object_get_ex(total, "other_vm_exits", &v));
	if (json_object_get_int64(v) == 0)
		fail_msg("the second VM made no exits during the interval: nothing was shown; "
			 "L1 saw it as %s", second_state);
	assert_true(json_object_object_get_ex(total, "equal", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(oracle);
}

static struct json_object *load_samples(void)
{
	_cleanup_free_ char *text = NULL, *path = xasprintf("%s/samples.jsonl", run_dir);
	struct json_object *lines = json_object_new_array();
	char *line, *save = NULL;

	if (read_file(path, &text, NULL) < 0)
		fail_msg("%s is missing", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line);

		if (!o)
			fail_msg("samples.jsonl has a line that is not JSON: %.60s", line);
		json_object_array_add(lines, o);
	}
	return lines;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double num_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("a line of samples.jsonl lacks '%s'", key);
	return json_object_get_double(v);
}

/*
 * Every phase produced samples between its marks, time runs forward, and the
 * counters (exits and cycles) never go back, not even across L2's reboot.
 */
static void every_phase_sampled(void **state)
{
	static const char *const phases[] = { "boot", "check", "idle", "io", "reboot" };
	struct json_object *lines = load_samples();
	size_t i, p, n = json_object_array_length(lines);
	double last_t = -1, last_total = -1, last_cycles = -1;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	for (p = 0; p < ARRAY_SIZE(phases); p++) {
		size_t samples = 0, begins = 0, ends = 0;

		for (i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(lines, i);

			if (strcmp(str_of(o, "phase"), phases[p]) != 0)
				continue;
			if (!strcmp(str_of(o, "type"), "sample"))
				samples++;
			else if (!strcmp(str_of(o, "event"), "begin"))
				begins++;
			else if (!strcmp(str_of(o, "event"), "end"))
				ends++;
		}
		if (samples == 0 || begins != 1 || ends != 1)
			fail_msg("phase %s: %zu samples, %zu begin and %zu end marks", phases[p],
				 samples, begins, ends);
	}
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(lines, i);
		double t = num_of(o, "t"), total, cycles;

		if (strcmp(str_of(o, "type"), "sample") != 0)
			continue;
		total = num_of(o, "total");
		cycles = num_of(o, "total_cycles");
		assert_true(t >= 0);
		assert_true(num_of(o, "total_corrected") <= total);
		if (t < last_t || total < last_total || cycles < last_cycles)
			fail_msg("sample at t=%.1f goes back: total %.0f after %.0f, cycles %.0f "
				 "after %.0f", t, total, last_total, cycles, last_cycles);
		last_t = t;
		last_total = total;
		last_cycles = cycles;
	}
	json_object_put(lines);
}

/* The io phase's network I/O reached L1: every byte L2 sent. */
static void network_io_reached_l1(void **state)
{
	struct json_object *env, *l2, *v;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	env = run_json("env.json");
	assert_true(json_object_object_get_ex(env, "l2", &l2));
	assert_true(json_object_object_get_ex(l2, "net_bytes_received", &v));
	assert_int_equal(json_object_get_int64(v), 16 << 20);
	json_object_put(env);
}

/* The report over this run: written, with its plots drawn by gnuplot. */
static void report_of_the_run(void **state)
{
	_cleanup_free_ char *md_path = xasprintf("%s/report.md", run_dir), *md = NULL;
	_cleanup_free_ char *svg = xasprintf("%s/cumulative.svg", run_dir), *svg_text = NULL;
	_cleanup_free_ char *csv = xasprintf("%s/phases.csv", run_dir), *csv_text = NULL;
	char *argv[] = { (char *)e2e_env_or("EXITLAB_REPORT", "build/report/exitlab-report"), run_dir,
			 NULL };

	(void)state;
	SKIP_IF_UNSUPPORTED();
	assert_int_equal(run_command(argv, NULL), 0);
	assert_int_equal(read_file(md_path, &md, NULL), 0);
	assert_non_null(strstr(md, "## How many exits does a full VM boot take?"));
	assert_non_null(strstr(md, "**Answer:**"));
	assert_null(strstr(md, "gnuplot failed"));
	assert_int_equal(read_file(svg, &svg_text, NULL), 0);
	assert_non_null(strstr(svg_text, "<svg"));
	assert_int_equal(read_file(csv, &csv_text, NULL), 0);
	assert_non_null(strstr(csv_text, "\nreboot,,total,"));
}

/* A reason's count in a mark's counters, less the probe's own reads for CPUID. */
static int64_t mark_count(struct json_object *mark, uint32_t reason)
{
	struct json_object *counters, *reasons, *entry, *v;
	char key[16];
	int64_t count, own = 0;

	snprintf(key, sizeof(key), "%u", reason);
	if (!json_object_object_get_ex(mark, "counters", &counters))
		fail_msg("mark of %s at t=%.1f has no counters", str_of(mark, "phase"),
			 num_of(mark, "t"));
	if (!json_object_object_get_ex(counters, "reasons", &reasons) ||
	    !json_object_object_get_ex(reasons, key, &entry))
		return 0;
	json_object_object_get_ex(entry, "count", &v);
	count = json_object_get_int64(v);
	if (json_object_object_get_ex(entry, "observer", &v))
		own = json_object_get_int64(v);
	return count - own;
}

/*
 * The variant's `--workload cpuid:N` ran as a phase of its own whose marks
 * carry the counters, and CPUID is what it mostly caused: at least N exits
 * between its marks (the probe's reads left out), more than any other reason.
 */
static void workload_cpuid_dominates(void **state)
{
	struct json_object *lines = load_samples(), *begin = NULL, *end = NULL, *result, *v;
	uint32_t cpuid = cpuid_reason(), r, top = 0;
	int64_t top_count = -1, n_cpuid;
	size_t i, n = json_object_array_length(lines);

	(void)state;
	SKIP_IF_UNSUPPORTED();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(lines, i);
		const char *phase = str_of(o, "phase");

		if (strcmp(str_of(o, "type"), "phase") != 0 || strncmp(phase, "workload-", 9) != 0 ||
		    !strstr(phase, "-cpuid"))
			continue;
		if (!strcmp(str_of(o, "event"), "begin"))
			begin = o;
		else
			end = o;
	}
	if (!begin || !end)
		fail_msg("no workload-<i>-cpuid phase with both marks in samples.jsonl");
	assert_true(json_object_object_get_ex(end, "result", &result));
	assert_string_equal(str_of(result, "status"), "ok");
	assert_true(json_object_object_get_ex(result, "done", &v));
	n_cpuid = json_object_get_int64(v);
	for (r = 0; r < 0x410; r++) {
		int64_t d = mark_count(end, r) - mark_count(begin, r);

		if (d > top_count) {
			top_count = d;
			top = r;
		}
	}
	print_message("%s: %lld CPUID exits for %lld CPUIDs; top reason %#x\n",
		      str_of(end, "phase"), (long long)(mark_count(end, cpuid) - mark_count(begin, cpuid)),
		      (long long)n_cpuid, top);
	if (top != cpuid)
		fail_msg("the workload's top reason is %#x (%lld exits), not CPUID (%#x)", top,
			 (long long)top_count, cpuid);
	assert_true(top_count >= n_cpuid);
	json_object_put(lines);
}

/*
 * L1 read L2's VM's debugfs exit_stats from its creation to its end
 * (timeline.jsonl), and every probe sample agrees with it at the same
 * instant: its counts between L1's reads before its read and after its
 * arrival (report/timeline.h says why those). Also issue 17's "L1 reads the
 * debugfs file of a running L2 and its counts equal the leaves'". Both
 * boots are split into stages.
 */
static void host_timeline_agrees(void **state)
{
	_cleanup_free_ char *samples_path = xasprintf("%s/samples.jsonl", run_dir), *samples = NULL;
	_cleanup_free_ char *raw_path = xasprintf("%s/exit_stats.txt", run_dir), *raw = NULL;
	struct timeline tl;
	struct timeline_check c;
	struct stages st;
	struct vmstats vs;
	char err[256] = "";

	(void)state;
	SKIP_IF_UNSUPPORTED();
	if (timeline_load(run_dir, &tl, err, sizeof(err)) < 0)
		fail_msg("no host timeline: %s", err);
	assert_int_equal(tl.arch, snap.arch);
	assert_true(tl.vm[0] != '\0');
	assert_true(tl.seen_after_s >= 0);
	/* From its creation: seen within the first seconds of its QEMU. */
	assert_true(tl.host_t[0] < 1.0);
	assert_true(tl.n_host > 100);
	assert_int_equal(read_file(samples_path, &samples, NULL), 0);
	assert_int_equal(timeline_check_samples(&tl, samples, &c, err, sizeof(err)), 0);
	fprintf(stderr, "# host timeline: %zu reads; %zu of %zu samples checked, %zu failed, "
		"%zu unbracketed; latency %.3f..%.3f s; CPUID slack <= %llu\n", tl.n_host,
		c.checked, c.samples, c.failed, c.unbracketed, c.latency_min, c.latency_max,
		(unsigned long long)c.cpuid_slack_max);
	assert_true(c.checked > 10);
	if (c.failed)
		fail_msg("%zu probe samples disagree with the host timeline; %s", c.failed,
			 c.first_failure);
	assert_int_equal(read_file(raw_path, &raw, NULL), 0);
	if (vmstats_parse(raw, &vs, err, sizeof(err)) < 0)
		fail_msg("exit_stats.txt: %s", err);
	assert_true(vs.total >= tl.host_total[tl.n_host - 1]);
	vmstats_free(&vs);
	stages_compute(&tl, &st);
	/* The boot and the in-VM reboot; more when L2's kernel crashed and reset on its own. */
	assert_true(st.n_boots >= 2);
	for (size_t b = 0; b < st.n_boots; b++) {
		assert_true(st.boot[b].t0 > 0);
		assert_string_equal(st.boot[b].stage[0].name, "firmware");
	}
	/* The last boot ran through: kernel, initramfs, systemd, cloud-init stages. */
	assert_true(st.boot[st.n_boots - 1].n >= 5);
	timeline_free(&tl);
}

/*
 * L1's KVM really ran L2 on shadow paging, and L2's intercepted page faults
 * (SVM "PF excp", code 0x4e; VMX EXCEPTION_NMI, 0) were in the checked
 * interval and matched kvm_exit: the oracle read names with spaces.
 */
static void shadow_paging_checked(void **state)
{
	bool svm = snap.arch == EXIT_ARCH_SVM;
	uint32_t pf_reason = svm ? 0x4e : 0;
	struct json_object *env, *l1, *params, *v, *oracle, *rows;
	bool seen = false;
	size_t i;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	env = run_json("env.json");
	assert_true(json_object_object_get_ex(env, "l1", &l1));
	assert_true(json_object_object_get_ex(l1, "kvm_vendor_module_parameters", &params));
	assert_true(json_object_object_get_ex(params, svm ? "npt" : "ept", &v));
	assert_string_equal(json_object_get_string(v), "N");
	json_object_put(env);

	oracle = assert_oracle_agrees(run_dir);
	assert_true(json_object_object_get_ex(oracle, "reasons", &rows));
	for (i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *r, *t;

		if (json_object_object_get_ex(row, "reason", &r) &&
		    (uint32_t)json_object_get_int64(r) == pf_reason &&
		    json_object_object_get_ex(row, "trace_delta", &t) && json_object_get_int64(t) > 0)
			seen = true;
	}
	if (!seen)
		fail_msg("no page-fault exit (reason %#x) was checked in the interval", pf_reason);
	json_object_put(oracle);
}

/* The chain ran on Intel VMX in Bochs: L2 saw Intel's leaves, L1 was Bochs' CPU. */
static void ran_on_vmx_in_bochs(void **state)
{
	struct json_object *env, *v;

	(void)state;
	SKIP_IF_UNSUPPORTED();
	env = run_json("env.json");
	assert_int_equal(snap.arch, EXIT_ARCH_VMX);
	assert_string_equal(snap.vendor, "GenuineIntel");
	assert_true(json_object_object_get_ex(env, "accelerator", &v));
	assert_string_equal(json_object_get_string(v), "bochs");
	assert_true(json_object_object_get_ex(env, "l1_cpu", &v));
	assert_string_equal(json_object_get_string(v), BOCHS_CPU_MODEL);
	assert_true(json_object_object_get_ex(env, "l2_mode", &v));
	assert_string_equal(json_object_get_string(v), l2_mode_name(L2_MODE_RUN));
	json_object_put(env);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(total_exits_positive),
		cmocka_unit_test(cpuid_counted),
		cmocka_unit_test(undefined_reason),
		cmocka_unit_test(defined_but_unhandled_reason),
		cmocka_unit_test(totals_bracket_reasons),
		cmocka_unit_test(environment_recorded),
		cmocka_unit_test(oracle_agrees),
		cmocka_unit_test(second_vm_not_counted),
		cmocka_unit_test(every_phase_sampled),
		cmocka_unit_test(network_io_reached_l1),
		cmocka_unit_test(report_of_the_run),
		cmocka_unit_test(host_timeline_agrees),
		cmocka_unit_test(shadow_paging_checked),
		cmocka_unit_test(workload_cpuid_dominates),
		cmocka_unit_test(ran_on_vmx_in_bochs),
	};
	struct CMUnitTest chosen[ARRAY_SIZE(tests)];
	size_t n = 0, i;

	if (e2e_variant_from_args(argc, argv, "test_lab", &variant) < 0)
		return 2;
	/* The table's extra checks: left out unless asked for. */
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!strcmp(tests[i].name, "shadow_paging_checked") &&
		    !e2e_variant_checks(&variant, "shadow_paging"))
			continue;
		if (!strcmp(tests[i].name, "workload_cpuid_dominates") &&
		    !e2e_variant_checks(&variant, "workload_cpuid"))
			continue;
		if (!strcmp(tests[i].name, "ran_on_vmx_in_bochs") &&
		    !e2e_variant_checks(&variant, "vmx_bochs"))
			continue;
		/* Only a variant with a second VM has its exits to leave out. */
		if (!strcmp(tests[i].name, "second_vm_not_counted") && !variant_arg("--second-vm"))
			continue;
		chosen[n++] = tests[i];
	}
	return _cmocka_run_group_tests(variant.name, chosen, n, run_lab_once, free_snapshot);
}
