// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/common/params.h"
#include "../../lab/include/exitlab/contract.h"
#include "../../lab/l0/seed.h"
#include "../../lab/common/util.h"

static void run_ids(void **state)
{
	static const struct {
		const char *id;
		bool valid;
	} cases[] = {
		{ "20261124T140100Z", true }, { "a", true }, { "e2e-1.x_y", true },
		{ "", false }, { ".hidden", false }, { "a/b", false }, { "a b", false },
		{ "x;rm", false }, { "0123456789012345678901234567890123456789012345678901234567890123", true },
		{ "01234567890123456789012345678901234567890123456789012345678901234", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (run_id_valid(cases[i].id) != cases[i].valid)
			fail_msg("run_id_valid(\"%s\") != %d", cases[i].id, cases[i].valid);
	}
	assert_false(run_id_valid(NULL));
}

static void user_data_is_cloud_config(void **state)
{
	struct seed_config cfg = { .run_id = "r1", .phases = { .idle_s = 40, .io_net_mib = 2 } };
	struct json_object *doc, *runcmd, *cmd, *files, *file, *v;
	const char *conf;
	char *text = NULL;

	(void)state;
	assert_int_equal(seed_user_data(&cfg, &text), 0);
	assert_memory_equal(text, "#cloud-config\n", 14);
	doc = json_tokener_parse(text + 14);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "runcmd", &runcmd));
	assert_int_equal(json_object_array_length(runcmd), 1);
	cmd = json_object_array_get_idx(runcmd, 0);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(cmd, 0)), "env");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(cmd, 2)),
			    "/usr/local/bin/exitlab-probe");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(cmd, 3)), "mark");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(cmd, 9)),
			    "/dev/virtio-ports/org.exitlab.results");
	/* The phases' parameters: given ones as given, the rest defaulted. */
	assert_true(json_object_object_get_ex(doc, "write_files", &files));
	file = json_object_array_get_idx(files, 0);
	assert_true(json_object_object_get_ex(file, "path", &v));
	assert_string_equal(json_object_get_string(v), "/etc/exitlab/phases.conf");
	assert_true(json_object_object_get_ex(file, "content", &v));
	conf = json_object_get_string(v);
	assert_non_null(strstr(conf, "IDLE_SECONDS=40\n"));
	assert_non_null(strstr(conf, "IO_NET_MIB=2\n"));
	assert_non_null(strstr(conf, "IO_DISK_MIB=32\n"));
	assert_non_null(strstr(conf, "CHECK_SECONDS=5\n"));
	assert_non_null(strstr(conf, "RUN_ID=r1\n"));
	/* exitlab-phases powers L2 off after the reboot phase, not cloud-init. */
	assert_false(json_object_object_get_ex(doc, "power_state", NULL));
	assert_true(json_object_object_get_ex(doc, "final_message", &v));
	assert_non_null(strstr(json_object_get_string(v), "run=r1"));
	json_object_put(doc);
	free(text);
}

static void meta_data_names_the_run(void **state)
{
	struct seed_config cfg = { .run_id = "run-7" };
	struct json_object *doc, *v;
	char *text = NULL;

	(void)state;
	assert_int_equal(seed_meta_data(&cfg, &text), 0);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "instance-id", &v));
	assert_string_equal(json_object_get_string(v), "exitlab-run-7");
	json_object_put(doc);
	free(text);
}

static void seed_rejects_bad_run_id(void **state)
{
	struct seed_config cfg = { .run_id = "bad id\n" };
	char *text = NULL;

	(void)state;
	assert_int_equal(seed_user_data(&cfg, &text), -EINVAL);
	assert_int_equal(seed_meta_data(&cfg, &text), -EINVAL);
	assert_null(text);
}

static void params_round_trip(void **state)
{
	struct l2_params in = { .run_id = "abc", .timeout_s = 321, .vcpus = 2, .memory_mib = 768,
				.sample_ms = 250, .mode = L2_MODE_BENCH, .spare_cpu0 = true };
	struct l2_params out;
	char *cmdline = l2_params_to_cmdline(&in);
	char *full = xasprintf("root=/dev/vda rw %s quiet\n", cmdline);
	char err[128];

	(void)state;
	assert_int_equal(l2_params_from_cmdline(full, &out, err, sizeof(err)), 0);
	assert_string_equal(out.run_id, "abc");
	assert_int_equal(out.timeout_s, 321);
	assert_int_equal(out.vcpus, 2);
	assert_int_equal(out.memory_mib, 768);
	assert_int_equal(out.sample_ms, 250);
	assert_int_equal(out.mode, L2_MODE_BENCH);
	assert_true(out.spare_cpu0);
	assert_false(out.second_vm);
	free(cmdline);
	free(full);
}

/* The agent refuses an L0 that passes no contract version or another one. */
static void contract_version_checked(void **state)
{
	struct l2_params in = L2_PARAMS_DEFAULT;
	char *cmdline = l2_params_to_cmdline(&in);
	char *other = xasprintf("exitlab.contract=%d exitlab.run_id=x", EXITLAB_CONTRACT_VERSION + 1);
	char err[128];

	(void)state;
	assert_int_equal(contract_check_cmdline(cmdline, err, sizeof(err)), 0);
	assert_int_equal(contract_check_cmdline("exitlab.run_id=x", err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "older"));
	assert_int_equal(contract_check_cmdline(other, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "rebuild the L1 image"));
	assert_int_equal(contract_check_cmdline("exitlab.contract=1x", err, sizeof(err)), -EPROTO);
	free(cmdline);
	free(other);
}

static void params_defaults_and_errors(void **state)
{
	struct l2_params out;
	char err[128];

	(void)state;
	assert_int_equal(l2_params_from_cmdline("root=/dev/vda", &out, err, sizeof(err)), 0);
	assert_string_equal(out.run_id, "manual");
	assert_int_equal(out.vcpus, 1);
	assert_int_equal(l2_params_from_cmdline("exitlab.l2_vcpus=0", &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exitlab.l2_vcpus"));
	assert_int_equal(l2_params_from_cmdline("exitlab.l2_timeout=12x", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(l2_params_from_cmdline("exitlab.l2_memory=-5", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(l2_params_from_cmdline("exitlab.run_id=../x", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(l2_params_from_cmdline("exitlab.mode=fast", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(l2_params_from_cmdline("exitlab.mode=run", &out, err, sizeof(err)), 0);
	assert_int_equal(out.mode, L2_MODE_RUN);
	assert_int_equal(l2_params_from_cmdline("exitlab.mode=minimal", &out, err, sizeof(err)), 0);
	assert_int_equal(out.mode, L2_MODE_MINIMAL);
	assert_string_equal(l2_mode_name(L2_MODE_MINIMAL), "minimal");
	assert_int_equal(l2_params_from_cmdline("exitlab.mode=minimal-bench exitlab.second_vm=1",
						&out, err, sizeof(err)), 0);
	assert_int_equal(out.mode, L2_MODE_MINIMAL_BENCH);
	assert_true(out.second_vm);
	assert_int_equal(l2_params_from_cmdline("exitlab.second_vm=yes", &out, err, sizeof(err)),
			 -EINVAL);
	assert_false(out.spare_cpu0);
	assert_int_equal(l2_params_from_cmdline("exitlab.spare_cpu0=2", &out, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "exitlab.spare_cpu0"));
	/* A key that only starts like ours is not ours. */
	assert_int_equal(l2_params_from_cmdline("exitlab.l2_vcpusx=9", &out, err, sizeof(err)), 0);
	assert_int_equal(out.vcpus, 1);
}

static void cmdline_lookup(void **state)
{
	char *v;

	(void)state;
	v = cmdline_get("a=1 bb=2 b=3\n", "b");
	assert_string_equal(v, "3");
	free(v);
	assert_null(cmdline_get("a=1 bb=2", "b"));
	v = cmdline_get("k=", "k");
	assert_string_equal(v, "");
	free(v);
}

/* One kept L1 state per set of KVM parameters, whatever their order; others do not count. */
static void l1_state_variants(void **state)
{
	_cleanup_free_ char *none = l1_state_variant(""), *other = l1_state_variant("quiet mitigations=off");
	_cleanup_free_ char *npt = l1_state_variant("kvm_amd.npt=0"), *npt2 = l1_state_variant("quiet kvm_amd.npt=0");
	_cleanup_free_ char *ab = l1_state_variant("kvm_amd.npt=0 kvm.halt_poll_ns=0");
	_cleanup_free_ char *ba = l1_state_variant("kvm.halt_poll_ns=0  kvm_amd.npt=0");
	_cleanup_free_ char *ept = l1_state_variant("kvm_intel.ept=0");

	(void)state;
	assert_string_equal(none, "");
	assert_string_equal(other, "");
	assert_int_equal(strlen(npt), 17);
	assert_int_equal(npt[0], '-');
	assert_string_equal(npt, npt2);
	assert_string_equal(ab, ba);
	assert_string_not_equal(npt, ab);
	assert_string_not_equal(npt, ept);
}

static void l1_cmdline_extra(void **state)
{
	static const struct {
		const char *extra;
		const char *why; /* NULL: accepted */
	} cases[] = {
		{ "", NULL },
		{ "kvm_amd.npt=0", NULL },
		{ "  kvm_amd.npt=0   kvm.halt_poll_ns=0 ", NULL },
		{ "kvm_amd.npt=0 root=/dev/vdb", "root=" },
		{ "init=/bin/sh", "init=" },
		{ "console=tty0", "console=" },
		{ "quiet exitlab.l2_vcpus=4", "exitlab." },
		{ "a=\"b c\"", "character 3" },
		{ "a='b'", "character 3" },
		{ "a=b\nroot=x", "character 4" },
		{ "a=\xc3\xa9", "character 3" },
	};
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = l1_cmdline_extra_check(cases[i].extra, err, sizeof(err));

		if (!cases[i].why) {
			if (r != 0)
				fail_msg("'%s' refused: %s", cases[i].extra, err);
		} else if (r != -EINVAL || !strstr(err, cases[i].why)) {
			fail_msg("'%s': got %d '%s', expected -EINVAL naming '%s'", cases[i].extra, r,
				 r ? err : "", cases[i].why);
		}
	}
	{
		char longer[1100];

		memset(longer, 'a', sizeof(longer) - 1);
		longer[sizeof(longer) - 1] = '\0';
		assert_int_equal(l1_cmdline_extra_check(longer, err, sizeof(err)), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_ids),
		cmocka_unit_test(user_data_is_cloud_config),
		cmocka_unit_test(meta_data_names_the_run),
		cmocka_unit_test(seed_rejects_bad_run_id),
		cmocka_unit_test(params_round_trip),
		cmocka_unit_test(contract_version_checked),
		cmocka_unit_test(params_defaults_and_errors),
		cmocka_unit_test(cmdline_lookup),
		cmocka_unit_test(l1_cmdline_extra),
		cmocka_unit_test(l1_state_variants),
	};

	return cmocka_run_group_tests_name("seed_params", tests, NULL, NULL);
}
