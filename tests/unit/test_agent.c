// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's sequence (agent_run()) on a scratch directory, with fake KVM
 * loading, fake L2 launchers and a fake bundle transport: what it sends L0
 * for a run, for a bench, and when a step fails.
 */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lab/common/util.h"
#include "../../lab/include/exitlab/contract.h"
#include "../../lab/l1/agent.h"
#include "../../lab/l1/l2_launcher.h"
#include "fake_kvm.h"
#include "scratch.h"

static char top[] = "/tmp/exitlab-test-agent-XXXXXX";
static char *cmdline_path, *run_dir, *l2_console, *l2_results, *trace_dir;
static struct agent_paths paths;

static struct {
	unsigned load_kvm, starts, stops, l2_runs, bench_runs, sent;
	int load_kvm_result, run_l2_result;
	bool write_probe_output;
	char kvm_configs[64];
	const struct l2_launcher *used;
	struct json_object *sent_bundle;
} fake;

static int fake_load_kvm(struct agent *a)
{
	fake.load_kvm++;
	if (fake.load_kvm_result < 0)
		return agent_fail(a, fake.load_kvm_result, "fake: no patched kvm");
	return 0;
}

static int fake_load_kvm_as(struct agent *a, const char *config)
{
	(void)a;
	strcat(fake.kvm_configs, config);
	strcat(fake.kvm_configs, " ");
	return 0;
}

static void fake_spare_cpu0(struct agent *a)
{
	(void)a;
}

static int fake_start(struct agent *a)
{
	fake.starts++;
	fake.used = a->launcher;
	return 0;
}

static void fake_stop(struct agent *a)
{
	(void)a;
	fake.stops++;
}

/* What the probe writes in L2: the two checked snapshots and a sample. */
static void write_probe_output(void)
{
	static struct fake_kvm k;
	struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = &k };
	struct json_object *a = NULL, *b = NULL;
	_cleanup_free_ char *text = NULL;

	memset(&k, 0, sizeof(k));
	k.arch = EXIT_ARCH_SVM;
	assert_int_equal(leaves_snapshot(&src, "interval-a", &a), 0);
	fake_exit(&k, 0x7C, 7000);
	assert_int_equal(leaves_snapshot(&src, "interval-b", &b), 0);
	text = xasprintf("%s\n{\"type\":\"sample\",\"realtime\":100.5}\r\n%s\n",
			 json_object_to_json_string(a), json_object_to_json_string(b));
	assert_int_equal(write_file_atomic(l2_results, text, strlen(text)), 0);
	json_object_put(a);
	json_object_put(b);
}

static int fake_run_l2(struct agent *a, struct json_object *l2, double *ret_seconds)
{
	(void)l2;
	fake.l2_runs++;
	a->l2_created = 100.0;
	*ret_seconds = 42;
	assert_int_equal(write_file_atomic(l2_console, "L2 console\n", 11), 0);
	if (fake.write_probe_output)
		write_probe_output();
	if (fake.run_l2_result < 0 && fake.run_l2_result != -ETIMEDOUT)
		return agent_fail(a, fake.run_l2_result, "fake: L2 did not start");
	return fake.run_l2_result;
}

/* A bench L2 whose CPUID costs 100 ns stock, 99 off, 101 on. */
static int fake_run_bench_l2(struct agent *a, const char *config, const char *console)
{
	double ns = !strcmp(config, "stock") ? 100 : !strcmp(config, "off") ? 99 : 101;
	_cleanup_free_ char *text = xasprintf("boot\nexitlab-bench: {\"best_ns_per_cpuid\": %.1f}\n",
					      ns);

	(void)a;
	fake.bench_runs++;
	return write_file_atomic(console, text, strlen(text));
}

static const unsigned twice[] = { 0, 1, 2, 2, 1, 0 };
static const unsigned once[] = { 0, 1, 2 };

static const struct l2_launcher fake_libvirt = {
	.name = "fake-libvirt", .start = fake_start, .run_l2 = fake_run_l2,
	.run_bench_l2 = fake_run_bench_l2, .bench_order = twice, .n_bench_order = 6,
	.bench_iterations = 100000, .bench_clock = "wall", .stop = fake_stop,
};

static const struct l2_launcher fake_direct = {
	.name = "fake-qemu", .start = fake_start, .run_l2 = fake_run_l2,
	.run_bench_l2 = fake_run_bench_l2, .bench_order = once, .n_bench_order = 3,
	.bench_iterations = 10000, .bench_clock = "counted",
};

static int fake_send(struct agent *a)
{
	fake.sent++;
	fake.sent_bundle = json_tokener_parse(json_object_to_json_string(a->bundle));
	return 0;
}

static const struct agent_system fake_system = {
	.paths = &paths,
	.load_kvm = fake_load_kvm,
	.load_kvm_as = fake_load_kvm_as,
	.spare_cpu0 = fake_spare_cpu0,
	.through_libvirt = &fake_libvirt,
	.direct = &fake_direct,
	.send_bundle = fake_send,
};

static int setup(void **state)
{
	(void)state;
	if (scratch_make(top, NULL, 0) < 0)
		return -1;
	cmdline_path = xasprintf("%s/cmdline", top);
	run_dir = xasprintf("%s/run", top);
	l2_console = xasprintf("%s/run/l2-console.log", top);
	l2_results = xasprintf("%s/run/l2-results.jsonl", top);
	trace_dir = xasprintf("%s/no-tracefs/instances/exitlab", top);
	paths = (struct agent_paths){
		.cmdline = cmdline_path, .run_dir = run_dir, .l2_console = l2_console,
		.l2_results = l2_results, .l2_initramfs = "/nonexistent",
		.trace_instance = trace_dir, .kvm_exit_format = "/nonexistent",
		.seed_device = "/nonexistent", .l2_root_device = "/nonexistent",
	};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(cmdline_path);
	free(run_dir);
	free(l2_console);
	free(l2_results);
	free(trace_dir);
	return scratch_remove(top);
}

static void reset_fake(void)
{
	json_object_put(fake.sent_bundle);
	memset(&fake, 0, sizeof(fake));
}

/* L1's command line as L0 writes it with the default parameters. */
static void write_default_cmdline(void)
{
	struct l2_params p = L2_PARAMS_DEFAULT;
	_cleanup_free_ char *params = l2_params_to_cmdline(&p);

	assert_int_equal(write_file_atomic(cmdline_path, params, strlen(params)), 0);
}

/* Runs the agent with L1's command line holding L0's parameters for mode, and extra. */
static int run_agent(enum l2_mode mode, const char *extra)
{
	struct l2_params p = L2_PARAMS_DEFAULT;
	_cleanup_free_ char *params = NULL, *cmdline = NULL;

	reset_fake();
	fake.write_probe_output = true;
	snprintf(p.run_id, sizeof(p.run_id), "agent-test");
	p.mode = mode;
	params = l2_params_to_cmdline(&p);
	cmdline = xasprintf("root=/dev/vda %s %s\n", extra ? extra : params, "quiet");
	assert_int_equal(write_file_atomic(cmdline_path, cmdline, strlen(cmdline)), 0);
	(void)unlink(l2_results);
	return agent_run(&fake_system);
}

static const char *bundle_str(const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(fake.sent_bundle, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static bool bundle_ok(void)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(fake.sent_bundle, "ok", &v));
	return json_object_get_boolean(v);
}

static void a_run_sends_the_probe_output(void **state)
{
	struct json_object *snapshots, *samples, *l2, *oracle, *v, *first;

	(void)state;
	assert_int_equal(run_agent(L2_MODE_RUN, NULL), 0);
	assert_int_equal(fake.load_kvm, 1);
	assert_ptr_equal(fake.used, &fake_libvirt);
	assert_int_equal(fake.l2_runs, 1);
	assert_int_equal(fake.stops, 1);
	assert_int_equal(fake.sent, 1);
	assert_true(bundle_ok());
	assert_string_equal(bundle_str("schema"), EXITLAB_BUNDLE_SCHEMA);
	assert_string_equal(bundle_str("run_id"), "agent-test");
	assert_string_equal(bundle_str("l2_console"), "L2 console\n");
	/* L1's TSC rate, measured: this host's, between 100 MHz and 10 GHz. */
	{
		struct json_object *l1, *khz;

		assert_true(json_object_object_get_ex(fake.sent_bundle, "l1", &l1));
		assert_true(json_object_object_get_ex(l1, "tsc_khz", &khz));
		print_message("tsc_khz %.0f\n", json_object_get_double(khz));
		assert_true(json_object_get_double(khz) > 1e5 && json_object_get_double(khz) < 1e7);
	}
	assert_true(json_object_object_get_ex(fake.sent_bundle, "snapshots", &snapshots));
	assert_int_equal(json_object_array_length(snapshots), 2);
	/* The boot phase begins at L2's creation; a sample's t counts from there. */
	assert_true(json_object_object_get_ex(fake.sent_bundle, "samples", &samples));
	assert_int_equal(json_object_array_length(samples), 2);
	first = json_object_array_get_idx(samples, 0);
	assert_true(json_object_object_get_ex(first, "phase", &v));
	assert_string_equal(json_object_get_string(v), "boot");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(samples, 1), "t", &v));
	assert_true(json_object_get_double(v) == 0.5);
	assert_true(json_object_object_get_ex(fake.sent_bundle, "l2", &l2));
	assert_true(json_object_object_get_ex(l2, "seconds", &v));
	assert_int_equal(json_object_get_int(v), 42);
	/* No tracefs here: the oracle says why it compared nothing, the run goes on. */
	assert_true(json_object_object_get_ex(fake.sent_bundle, "oracle", &oracle));
	assert_true(json_object_object_get_ex(oracle, "error", &v));
	assert_non_null(strstr(json_object_get_string(v), "tracefs"));
}

static void a_minimal_run_starts_qemu_directly(void **state)
{
	(void)state;
	assert_int_equal(run_agent(L2_MODE_MINIMAL, NULL), 0);
	assert_ptr_equal(fake.used, &fake_direct);
	assert_int_equal(fake.l2_runs, 1);
	assert_true(bundle_ok());
}

static void a_bench_loads_each_kvm_in_the_launchers_order(void **state)
{
	struct json_object *bench, *v;

	(void)state;
	assert_int_equal(run_agent(L2_MODE_BENCH, NULL), 0);
	assert_int_equal(fake.l2_runs, 0);
	assert_int_equal(fake.bench_runs, 6);
	assert_string_equal(fake.kvm_configs, "stock off on on off stock ");
	assert_true(bundle_ok());
	assert_true(json_object_object_get_ex(fake.sent_bundle, "bench", &bench));
	assert_true(json_object_object_get_ex(bench, "on_over_off", &v));
	assert_float_equal(json_object_get_double(v), 101.0 / 99.0, 1e-9);
	assert_true(json_object_object_get_ex(bench, "iterations", &v));
	assert_int_equal(json_object_get_int(v), 100000);

	assert_int_equal(run_agent(L2_MODE_MINIMAL_BENCH, NULL), 0);
	assert_string_equal(fake.kvm_configs, "stock off on ");
}

static void another_contract_starts_nothing(void **state)
{
	(void)state;
	assert_true(run_agent(L2_MODE_RUN, "exitlab.contract=999 exitlab.run_id=x") < 0);
	assert_int_equal(fake.load_kvm, 0);
	assert_int_equal(fake.starts, 0);
	assert_int_equal(fake.sent, 1); /* L0 still hears why */
	assert_false(bundle_ok());
	assert_non_null(strstr(bundle_str("error"), "rebuild the L1 image"));
}

static void a_kvm_failure_is_the_error_sent(void **state)
{
	(void)state;
	reset_fake();
	fake.load_kvm_result = -ENOENT;
	write_default_cmdline();
	assert_int_equal(agent_run(&fake_system), -ENOENT);
	assert_int_equal(fake.starts, 0);
	assert_false(bundle_ok());
	assert_string_equal(bundle_str("error"), "fake: no patched kvm");
}

static void an_l2_that_times_out_fails_the_run(void **state)
{
	(void)state;
	reset_fake();
	fake.run_l2_result = -ETIMEDOUT;
	write_default_cmdline();
	assert_int_equal(agent_run(&fake_system), -ETIMEDOUT);
	assert_false(bundle_ok());
	assert_non_null(strstr(bundle_str("error"), "L2 did not finish within"));
	assert_int_equal(fake.stops, 1);
}

static void an_l2_without_probe_output_fails_the_run(void **state)
{
	(void)state;
	reset_fake();
	write_default_cmdline();
	(void)unlink(l2_results);
	assert_int_equal(agent_run(&fake_system), -ENODATA);
	assert_false(bundle_ok());
	assert_non_null(strstr(bundle_str("error"), "L2 wrote no probe output"));
	reset_fake();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_run_sends_the_probe_output),
		cmocka_unit_test(a_minimal_run_starts_qemu_directly),
		cmocka_unit_test(a_bench_loads_each_kvm_in_the_launchers_order),
		cmocka_unit_test(another_contract_starts_nothing),
		cmocka_unit_test(a_kvm_failure_is_the_error_sent),
		cmocka_unit_test(an_l2_that_times_out_fails_the_run),
		cmocka_unit_test(an_l2_without_probe_output_fails_the_run),
	};

	log_init();
	return cmocka_run_group_tests_name("agent", tests, setup, teardown);
}
