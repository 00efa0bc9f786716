// SPDX-License-Identifier: GPL-2.0-only
/*
 * The accelerator decision and the L1 domain it leads to, from recorded host
 * facts (tests/data/hosts): /proc/cpuinfo of an Intel Xeon E5-2670 (vmx,
 * ept) and of an AMD EPYC 7763 as GitHub's hosted runners have it (svm, npt,
 * under Microsoft's hypervisor), and of this machine (no vmx/svm, KVM that
 * cannot run QEMU); nested as the 6.1 modules print it: kvm_intel's is a
 * bool (Y/N), kvm_amd's an int (1/0); libvirt's capabilities as this machine
 * reports them, with a kvm domain (caps-kvm.xml), and without it (caps-tcg-only.xml).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

#include "xpath_assert.h"
#include "../../lab/l0/accel.h"
#include "../../lab/common/util.h"

static char *host(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.cpuinfo", EXITLAB_HOSTS_DATA, name);
	char *text = NULL;

	if (read_file(path, &text, NULL) < 0)
		fail_msg("cannot read %s", path);
	return text;
}

/* What QEMU printed here (shared/README.md: "failed to set MSR 0x10a"), as the trial quotes it. */
#define THIS_MACHINE_TRIAL "a trial KVM guest failed: failed to set MSR 0x10a"

static void vendor_and_flags(void **state)
{
	_cleanup_free_ char *intel = host("intel-xeon-e5-2670"), *amd = host("amd-epyc-7763");
	_cleanup_free_ char *here = host("this-machine");

	(void)state;
	assert_string_equal(kvm_vendor_module(intel), "kvm_intel");
	assert_string_equal(kvm_vendor_module(amd), "kvm_amd");
	assert_string_equal(kvm_vendor_module(here), "kvm_intel");
	assert_null(kvm_vendor_module("vendor_id\t: CentaurHauls\n"));
	assert_null(kvm_vendor_module("processor\t: 0\n"));
	assert_null(kvm_vendor_module(NULL));
	assert_true(cpuinfo_has_flag(intel, "vmx"));
	assert_false(cpuinfo_has_flag(intel, "svm"));
	assert_true(cpuinfo_has_flag(intel, "ept"));
	assert_true(cpuinfo_has_flag(amd, "svm"));
	assert_false(cpuinfo_has_flag(amd, "vmx"));
	assert_true(cpuinfo_has_flag(amd, "npt"));
	assert_true(cpuinfo_has_flag(amd, "fsrm")); /* the last word of the line */
	assert_true(cpuinfo_has_flag(amd, "fpu"));  /* the first */
	assert_false(cpuinfo_has_flag(here, "vmx"));
	assert_false(cpuinfo_has_flag(here, "svm"));
	/* Whole words, and the "flags" line only (not "vmx flags", not "bugs"). */
	assert_false(cpuinfo_has_flag("flags\t: fpu vmxe svmx\n", "vmx"));
	assert_false(cpuinfo_has_flag("flags\t: fpu vmxe svmx\n", "svm"));
	assert_false(cpuinfo_has_flag("flags\t: fpu\nbugs\t: svm\n", "svm"));
	assert_false(cpuinfo_has_flag("vmx flags\t: ept\nflags\t: fpu\n", "ept"));
}

static void intel_host(void **state)
{
	_cleanup_free_ char *intel = host("intel-xeon-e5-2670");
	struct host_facts f = { .cpuinfo = intel, .nested_intel = "Y\n", .kvm_trial_ran = true };
	struct accel_choice c;

	(void)state;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_KVM);
	assert_int_equal(c.cpu, DOM_CPU_HOST);
	assert_string_equal(c.vendor_module, "kvm_intel");
	assert_string_equal(c.why, "KVM: a trial guest ran and the host offers nested "
				   "virtualization (kvm_intel)");
	/* kvm_amd's file is not what counts on Intel. */
	f.nested_amd = "1\n";
	f.nested_intel = "N\n";
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_int_equal(c.cpu, DOM_CPU_EPYC_SVM);
	assert_string_equal(c.vendor_module, "kvm_amd");
	assert_string_equal(c.why, "TCG with emulated AMD SVM, because KVM runs guests but not "
				   "nested ones: /sys/module/kvm_intel/parameters/nested is off (N)");
	f.nested_intel = NULL;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_non_null(strstr(c.why, "CPU has vmx but /sys/module/kvm_intel/parameters/nested "
				      "is missing"));
	f.nested_intel = "1\n"; /* older kernels printed the int */
	assert_int_equal(accel_decide(ACCEL_FORCE_KVM, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_KVM);
}

static void amd_runner(void **state)
{
	_cleanup_free_ char *amd = host("amd-epyc-7763");
	struct host_facts f = { .cpuinfo = amd, .nested_amd = "1\n", .kvm_trial_ran = true };
	struct accel_choice c;

	(void)state;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_KVM);
	assert_int_equal(c.cpu, DOM_CPU_HOST);
	assert_string_equal(c.vendor_module, "kvm_amd");
	f.nested_amd = "0\n";
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_non_null(strstr(c.why, "/sys/module/kvm_amd/parameters/nested is off (0)"));
	assert_int_equal(accel_decide(ACCEL_FORCE_KVM, &f, &c), -ENODEV);
	assert_non_null(strstr(c.why, "KVM was requested but is unusable: KVM runs guests but "
				      "not nested ones"));
	/* Nested on, but no guest runs on /dev/kvm: TCG, with the trial's reason. */
	f.nested_amd = "1\n";
	f.kvm_trial_ran = false;
	f.kvm_trial_why = "/dev/kvm: No such file or directory";
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_string_equal(c.why, "TCG with emulated AMD SVM, because /dev/kvm: No such file or "
				   "directory");
}

/* This machine: /dev/kvm is kvm_pvm, QEMU aborts, the CPU has neither flag. */
static void this_machine(void **state)
{
	_cleanup_free_ char *here = host("this-machine");
	struct host_facts f = { .cpuinfo = here, .kvm_trial_why = THIS_MACHINE_TRIAL };
	struct accel_choice c;

	(void)state;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_non_null(strstr(c.why, "failed to set MSR 0x10a"));
	assert_int_equal(accel_decide(ACCEL_FORCE_KVM, &f, &c), -ENODEV);
	/* Had the trial run: still no nesting without vmx or svm. */
	f.kvm_trial_ran = true;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_non_null(strstr(c.why, "the host CPU has neither vmx nor svm"));
	f.cpuinfo = NULL;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_non_null(strstr(c.why, "cannot read /proc/cpuinfo"));
	assert_int_equal(accel_decide(ACCEL_FORCE_TCG, &f, &c), 0);
	assert_string_equal(c.why, "TCG with emulated AMD SVM (requested)");
}

static char *caps(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.xml", EXITLAB_HOSTS_DATA, name);
	char *text = NULL;

	if (read_file(path, &text, NULL) < 0)
		fail_msg("cannot read %s", path);
	return text;
}

/* libvirt's capabilities explain a failed trial, and never overrule it. */
static void capabilities(void **state)
{
	_cleanup_free_ char *kvm = caps("caps-kvm"), *tcg = caps("caps-tcg-only");
	_cleanup_free_ char *here = host("this-machine"), *amd = host("amd-epyc-7763");
	struct host_facts f = { .cpuinfo = here, .kvm_trial_why = THIS_MACHINE_TRIAL,
				.libvirt_caps = kvm };
	struct accel_choice c;

	(void)state;
	assert_int_equal(caps_offer_kvm(kvm), 1);
	assert_int_equal(caps_offer_kvm(tcg), 0);
	assert_int_equal(caps_offer_kvm("<capabilities><guest>"), -EINVAL);
	assert_int_equal(caps_offer_kvm(NULL), -EINVAL);
	/* This machine's trap: kvm listed, QEMU aborts on /dev/kvm. */
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_string_equal(c.why, "TCG with emulated AMD SVM, because libvirt lists domain type "
				   "kvm, but a trial KVM guest failed: failed to set MSR 0x10a");
	f.libvirt_caps = tcg;
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_TCG);
	assert_non_null(strstr(c.why, "libvirt lists no kvm domain for x86_64"));
	/* A trial that ran decides, whatever the capabilities say. */
	f = (struct host_facts){ .cpuinfo = amd, .nested_amd = "1\n", .kvm_trial_ran = true,
				 .libvirt_caps = tcg };
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_KVM);
	f.libvirt_caps = "not xml";
	assert_int_equal(accel_decide(ACCEL_AUTO, &f, &c), 0);
	assert_int_equal(c.accel, DOM_ACCEL_KVM);
}


/* The L1 domain as run.c builds it from the decision, for each recorded host. */
static char *l1_domain(const struct accel_choice *c)
{
	struct dom_config cfg = {
		.name = "exitlab-l1-t",
		.accel = c->accel,
		.cpu = c->cpu,
		.memory_mib = 4096,
		.vcpus = 3,
		.kernel = "/img/vmlinuz",
		.cmdline = "root=/dev/vda kvm_amd.npt=0 kvm_intel.ept=0",
	};
	char *xml = NULL;

	assert_int_equal(dom_config_to_xml(&cfg, &xml), 0);
	return xml;
}

static void l1_domain_per_host(void **state)
{
	_cleanup_free_ char *intel = host("intel-xeon-e5-2670"), *amd = host("amd-epyc-7763");
	_cleanup_free_ char *here = host("this-machine");
	const struct host_facts hosts[] = {
		{ .cpuinfo = intel, .nested_intel = "Y\n", .kvm_trial_ran = true },
		{ .cpuinfo = amd, .nested_amd = "1\n", .kvm_trial_ran = true },
		{ .cpuinfo = here, .kvm_trial_why = THIS_MACHINE_TRIAL },
	};
	const char *const want_type[] = { "kvm", "kvm", "qemu" };
	const char *const want_mode[] = { "host-passthrough", "host-passthrough", "custom" };
	const char *const want_model[] = { "", "", "EPYC" };
	const char *const want_svm[] = { "0", "0", "1" };
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct accel_choice c;
		char *xml;

		assert_int_equal(accel_decide(ACCEL_AUTO, &hosts[i], &c), 0);
		xml = l1_domain(&c);
		print_message("host %u: %s, %s\n", i, c.vendor_module, c.why);
		assert_xpath(xml, "string(/domain/@type)", want_type[i]);
		assert_xpath(xml, "string(/domain/cpu/@mode)", want_mode[i]);
		assert_xpath(xml, "string(/domain/cpu/model)", want_model[i]);
		assert_xpath(xml, "string(count(/domain/cpu/feature[@name='svm'][@policy='require']))",
			     want_svm[i]);
		assert_xpath(xml, "string(/domain/cpu/topology/@cores)", "3");
		free(xml);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vendor_and_flags),
		cmocka_unit_test(intel_host),
		cmocka_unit_test(amd_runner),
		cmocka_unit_test(this_machine),
		cmocka_unit_test(capabilities),
		cmocka_unit_test(l1_domain_per_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
