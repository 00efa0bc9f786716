// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attempt loop (run_lab()) against a fake L0 backend that plays a
 * script of boot outcomes: what it retries, what it stops on, what it
 * keeps of each failed attempt and what a successful run leaves behind.
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

#include "../../lab/common/timings.h"
#include "../../lab/common/util.h"
#include "../../lab/include/exitlab/contract.h"
#include "../../lab/l0/backend.h"
#include "../../lab/l0/run.h"
#include "fake_kvm.h"
#include "scratch.h"

/* What one fake boot does. */
enum fake_boot {
	BOOT_GOOD,        /* L1 powers off with a good bundle */
	BOOT_NO_BUNDLE,   /* L1 powers off, its agent sent nothing */
	BOOT_OLD_AGENT,   /* a bundle of another contract version */
	BOOT_SECOND_VM_DIED,
	BOOT_STALL,       /* the backend says: retry */
	BOOT_BROKEN,      /* the backend says: fatal */
	BOOT_INTERRUPTED,
	BOOT_GOOD_STATE,  /* a good bundle with L1's state for its next boot */
};

static struct {
	enum fake_boot script[8];
	unsigned n_script, boots, cleanups, closes;
	int prepare_result;
} fake;

static int fake_prepare(void *data, const struct run_opts *o, const struct run_paths *p,
			struct json_object *steps)
{
	(void)data;
	(void)steps;
	(void)o;
	(void)p;
	return fake.prepare_result;
}

static char *good_bundle(const char *schema, bool second_vm_running, bool with_state)
{
	static struct fake_kvm k;
	struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = &k };
	struct json_object *b = json_object_new_object(), *snaps = json_object_new_array();
	struct json_object *snap = NULL, *l2 = json_object_new_object();
	struct json_object *vm = json_object_new_object();
	char *text;

	memset(&k, 0, sizeof(k));
	k.arch = EXIT_ARCH_SVM;
	fake_exit(&k, 0x7C, 7000);
	assert_int_equal(leaves_snapshot(&src, "final", &snap), 0);
	json_object_array_add(snaps, snap);
	json_object_object_add(b, "schema", json_object_new_string(schema));
	json_object_object_add(b, "ok", json_object_new_boolean(true));
	json_object_object_add(b, "l1", json_object_new_object());
	json_object_object_add(vm, "running_at_end", json_object_new_boolean(second_vm_running));
	json_object_object_add(l2, "second_vm", vm);
	json_object_object_add(b, "l2", l2);
	json_object_object_add(b, "snapshots", snaps);
	if (with_state) {
		struct json_object *state = json_object_new_object(), *caps = json_object_new_object();

		json_object_object_add(caps, "qemu.xml", json_object_new_string("<qemuCaps/>"));
		json_object_object_add(state, "libvirt_qemu_caps", caps);
		json_object_object_add(b, "l1_state", state);
	}
	text = strdup(json_object_to_json_string(b));
	json_object_put(b);
	return text;
}

static enum l0_outcome_kind fake_boot(void *data, const struct run_opts *o,
				      const struct run_paths *p, struct json_object *steps,
				      struct l0_outcome *out)
{
	enum fake_boot step = fake.script[fake.boots < fake.n_script ? fake.boots : fake.n_script - 1];
	_cleanup_free_ char *bundle = NULL;

	(void)data;
	(void)o;
	timings_add(steps, "L0", "fake boot", 1.0);
	fake.boots++;
	assert_int_equal(write_file_atomic(p->console, "[    1.0] L1 console\n", 21), 0);
	switch (step) {
	case BOOT_GOOD:
	case BOOT_OLD_AGENT:
	case BOOT_SECOND_VM_DIED:
	case BOOT_GOOD_STATE:
		bundle = good_bundle(step == BOOT_OLD_AGENT ? "exitlab-l1/0" : EXITLAB_BUNDLE_SCHEMA,
				     step != BOOT_SECOND_VM_DIED, step == BOOT_GOOD_STATE);
		assert_int_equal(write_file_atomic(p->bundle, bundle, strlen(bundle)), 0);
		/* fall through */
	case BOOT_NO_BUNDLE:
		out->l1_seconds = 12.5;
		return l0_outcome_set(out, L0_OK, 0, "powered off");
	case BOOT_STALL:
		return l0_outcome_set(out, L0_RETRY, -ETIMEDOUT, "fake L1 stalled");
	case BOOT_BROKEN:
		return l0_outcome_set(out, L0_FATAL, -ENOENT, "fake L1 cannot start");
	case BOOT_INTERRUPTED:
		return l0_outcome_set(out, L0_INTERRUPTED, -EINTR, "interrupted");
	}
	return L0_FATAL;
}

static void fake_environment(void *data, struct json_object *env)
{
	(void)data;
	json_object_object_add(env, "accelerator", json_object_new_string("fake"));
}

static void fake_cleanup(void *data, const struct run_paths *p)
{
	(void)data;
	(void)p;
	fake.cleanups++;
}

static void fake_close(void *data)
{
	(void)data;
	fake.closes++;
}

static struct l0_backend_ops fake_backend = {
	.name = "fake",
	.data_size = sizeof(int),
	.prepare = fake_prepare,
	.boot = fake_boot,
	.record_environment = fake_environment,
	.bench_method = "fake",
	.cleanup = fake_cleanup,
	.close = fake_close,
};

static char top[] = "/tmp/exitlab-test-run-XXXXXX";

static int setup(void **state)
{
	static const char *const images[] = { "vmlinuz", "initrd.img", "l1.img", "l2.img",
					      "l1.img.key" };
	static const char *const dirs[] = { "images" };
	size_t i;

	(void)state;
	if (scratch_make(top, dirs, ARRAY_SIZE(dirs)) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(images); i++) {
		_cleanup_free_ char *path = xasprintf("%s/images/%s", top, images[i]);

		if (write_file_atomic(path, "", 0) < 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(top);
}

/*
 * Runs the loop over script as run id, the backend's prepare() returning
 * prepare_result; returns run_lab()'s exit status.
 */
static int run_prepared_script(const char *run_id, unsigned attempts, const enum fake_boot *script,
			       unsigned n, int prepare_result)
{
	_cleanup_free_ char *images = xasprintf("%s/images", top);
	_cleanup_free_ char *results = xasprintf("%s/results", top);
	_cleanup_free_ char *work = xasprintf("%s/work", top);
	struct run_opts o = {
		.l0 = &fake_backend,
		.images_dir = images,
		.results_dir = results,
		.work_dir = work,
		.l1_vcpus = 2,
		.l1_memory_mib = 1024,
		.l1_cmdline_extra = "",
		.attempts = attempts,
		.l2 = L2_PARAMS_DEFAULT,
	};

	memset(&fake, 0, sizeof(fake));
	memcpy(fake.script, script, n * sizeof(*script));
	fake.n_script = n;
	fake.prepare_result = prepare_result;
	snprintf(o.l2.run_id, sizeof(o.l2.run_id), "%s", run_id);
	o.l2.second_vm = true; /* so that its early end counts as a failure */
	return run_lab(&o);
}

static int run_script(const char *run_id, unsigned attempts, const enum fake_boot *script,
		      unsigned n)
{
	return run_prepared_script(run_id, attempts, script, n, 0);
}

static bool run_file_exists(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/results/%s/%s", top, dir, name);

	return file_exists(path);
}

static struct json_object *run_json(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/results/%s/%s", top, dir, name);
	struct json_object *o = json_object_from_file(path);

	assert_non_null(o);
	return o;
}

static void retries_a_stall_then_succeeds(void **state)
{
	static const enum fake_boot script[] = { BOOT_STALL, BOOT_GOOD };
	struct json_object *env, *failures, *first, *v;
	_cleanup_free_ char *work = xasprintf("%s/work/retry", top);

	(void)state;
	assert_int_equal(run_script("retry", 3, script, 2), 0);
	assert_int_equal(fake.boots, 2);
	assert_int_equal(fake.cleanups, 1);
	assert_int_equal(fake.closes, 1);
	assert_true(run_file_exists("retry", "summary.csv"));
	assert_true(run_file_exists("retry", "snapshot.json"));
	assert_true(run_file_exists("retry", "l1-console.attempt1.log"));
	assert_false(file_exists(work)); /* scratch removed after success */
	env = run_json("retry", "env.json");
	assert_true(json_object_object_get_ex(env, "accelerator", &v));
	assert_string_equal(json_object_get_string(v), "fake");
	assert_true(json_object_object_get_ex(env, "l1_seconds", &v));
	assert_true(json_object_get_double(v) == 12.5);
	assert_true(json_object_object_get_ex(env, "failed_attempts", &failures));
	assert_int_equal(json_object_array_length(failures), 1);
	first = json_object_array_get_idx(failures, 0);
	assert_true(json_object_object_get_ex(first, "error", &v));
	assert_string_equal(json_object_get_string(v), "fake L1 stalled");
	json_object_put(env);
}

static void gives_up_after_the_last_attempt(void **state)
{
	static const enum fake_boot script[] = { BOOT_STALL };
	struct json_object *failures;

	(void)state;
	assert_int_equal(run_script("stalls", 3, script, 1), 1);
	assert_int_equal(fake.boots, 3);
	assert_int_equal(fake.cleanups, 0);
	assert_int_equal(fake.closes, 1);
	assert_false(run_file_exists("stalls", "env.json"));
	failures = run_json(".stalls.partial", "failed_attempts.json");
	assert_int_equal(json_object_array_length(failures), 3);
	json_object_put(failures);
	assert_true(run_file_exists(".stalls.partial", "l1-console.attempt3.log"));
}

static void stops_on_a_fatal_failure(void **state)
{
	static const enum fake_boot script[] = { BOOT_BROKEN, BOOT_GOOD };

	(void)state;
	assert_int_equal(run_script("fatal", 3, script, 2), 1);
	assert_int_equal(fake.boots, 1);
	assert_true(run_file_exists(".fatal.partial", "failed_attempts.json"));
}

static void stops_at_once_when_interrupted(void **state)
{
	static const enum fake_boot script[] = { BOOT_INTERRUPTED, BOOT_GOOD };

	(void)state;
	assert_int_equal(run_script("intr", 3, script, 2), 130);
	assert_int_equal(fake.boots, 1);
	assert_false(run_file_exists(".intr.partial", "failed_attempts.json"));
}

/* The backend said OK, but the loop reads the bundle: no bundle, no success. */
static void retries_a_boot_without_results(void **state)
{
	static const enum fake_boot script[] = { BOOT_NO_BUNDLE, BOOT_SECOND_VM_DIED, BOOT_GOOD };
	struct json_object *env, *failures, *v;

	(void)state;
	assert_int_equal(run_script("nobundle", 3, script, 3), 0);
	assert_int_equal(fake.boots, 3);
	env = run_json("nobundle", "env.json");
	assert_true(json_object_object_get_ex(env, "failed_attempts", &failures));
	assert_int_equal(json_object_array_length(failures), 2);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(failures, 0), "error", &v));
	assert_string_equal(json_object_get_string(v), "L1 stopped without sending results");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(failures, 1), "error", &v));
	assert_non_null(strstr(json_object_get_string(v), "second VM ended before L2"));
	json_object_put(env);
}

/* Every boot of an image with another version's agent would fail alike. */
static void stops_on_another_contract(void **state)
{
	static const enum fake_boot script[] = { BOOT_OLD_AGENT, BOOT_GOOD };

	(void)state;
	assert_int_equal(run_script("old", 3, script, 2), 1);
	assert_int_equal(fake.boots, 1);
}

static void boots_nothing_when_prepare_fails(void **state)
{
	static const enum fake_boot script[] = { BOOT_GOOD };

	(void)state;
	assert_int_equal(run_prepared_script("unprepared", 3, script, 1, -ENOENT), 1);
	assert_int_equal(fake.boots, 0);
	assert_int_equal(fake.closes, 1);
}

/*
 * L1's state for its next boot is kept only by a backend that says so
 * (libvirt); Bochs' L1 has another CPU, whose libvirt caps would replace
 * TCG's. Either way it is not in the run's bundle.json.
 */
static void keeps_l1_state_only_where_the_backend_does(void **state)
{
	static const enum fake_boot script[] = { BOOT_GOOD_STATE };
	_cleanup_free_ char *tar = xasprintf("%s/images/l1-state.tar", top);
	_cleanup_free_ char *bundle_path = xasprintf("%s/results/nostate/bundle.json", top);
	_cleanup_free_ char *bundle = NULL;

	(void)state;
	(void)unlink(tar);
	fake_backend.keeps_l1_state = false;
	assert_int_equal(run_script("nostate", 1, script, 1), 0);
	assert_false(file_exists(tar));
	assert_int_equal(read_file(bundle_path, &bundle, NULL), 0);
	assert_null(strstr(bundle, "l1_state"));

	fake_backend.keeps_l1_state = true;
	assert_int_equal(run_script("state", 1, script, 1), 0);
	fake_backend.keeps_l1_state = false;
	assert_true(file_exists(tar));
}

/* --l0 bochs: the minimal L2 by default, the full chain with --l2-full. */
static void bochs_settles_the_l2_mode(void **state)
{
	struct run_opts o = { .l2 = L2_PARAMS_DEFAULT, .l1_memory_mib = 4096 };

	(void)state;
	o.l2.mode = L2_MODE_RUN;
	assert_int_equal(l0_bochs_backend.settle_options(&o, false, false), 0);
	assert_int_equal(o.l2.mode, L2_MODE_MINIMAL);
	assert_int_equal(o.l1_memory_mib, 1024);
	assert_int_equal(o.l2.memory_mib, 256);
	/* Bochs' L1 has one CPU, whatever L2 has, and env.json says so. */
	assert_int_equal(o.l1_vcpus, 1);
	o = (struct run_opts){ .l2 = L2_PARAMS_DEFAULT, .l1_vcpus = 2 };
	assert_int_equal(l0_bochs_backend.settle_options(&o, false, false), -EINVAL);

	o = (struct run_opts){ .l2 = L2_PARAMS_DEFAULT, .l1_memory_mib = 4096, .l2_full = true };
	assert_int_equal(l0_bochs_backend.settle_options(&o, false, false), 0);
	assert_int_equal(o.l2.mode, L2_MODE_RUN);
	assert_int_equal(o.l1_memory_mib, 2048);
	assert_int_equal(o.l2.memory_mib, 1024); /* make lab's */

	o = (struct run_opts){ .l2 = L2_PARAMS_DEFAULT, .l1_memory_mib = 4096, .l2_full = true };
	assert_int_equal(l0_bochs_backend.settle_options(&o, true, false), 0);
	assert_int_equal(o.l1_memory_mib, 4096); /* the user's */

	/* The bench under Bochs boots minimal L2s only. */
	o = (struct run_opts){ .l2 = L2_PARAMS_DEFAULT, .l2_full = true };
	o.l2.mode = L2_MODE_BENCH;
	assert_int_equal(l0_bochs_backend.settle_options(&o, false, false), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retries_a_stall_then_succeeds),
		cmocka_unit_test(gives_up_after_the_last_attempt),
		cmocka_unit_test(stops_on_a_fatal_failure),
		cmocka_unit_test(stops_at_once_when_interrupted),
		cmocka_unit_test(retries_a_boot_without_results),
		cmocka_unit_test(stops_on_another_contract),
		cmocka_unit_test(boots_nothing_when_prepare_fails),
		cmocka_unit_test(keeps_l1_state_only_where_the_backend_does),
		cmocka_unit_test(bochs_settles_the_l2_mode),
	};

	log_init();
	return cmocka_run_group_tests_name("run", tests, setup, teardown);
}
