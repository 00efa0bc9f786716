// SPDX-License-Identifier: GPL-2.0-only
/* vm_run() against libvirt's test driver, and libvirt's messages cut to their cause. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "../../lab/common/util.h"
#include "../../lab/common/vm.h"

/*
 * Refused whatever libvirt's version: test:///default already runs a domain
 * named "test" (and libvirt 9.0's test driver takes no AUTODESTROY at all).
 */
static const char duplicate_xml[] =
	"<domain type='test'><name>test</name><memory>65536</memory>"
	"<os><type>hvm</type></os></domain>";

static int open_test_driver(void **state)
{
	virConnectPtr conn;

	if (vm_init() < 0)
		return -1;
	conn = virConnectOpen("test:///default");
	if (!conn)
		return -1;
	*state = conn;
	return 0;
}

static int close_test_driver(void **state)
{
	virConnectClose(*state);
	return 0;
}

/*
 * vm_run() cleans up with more libvirt calls after a failed start, and each
 * resets libvirt's last error: the caller must still get the daemon's reason
 * (QEMU's own stderr when it could not start), not "no error".
 */
static void refused_start_keeps_reason(void **state)
{
	virConnectPtr conn = *state;
	struct vm_run_opts opts = { .label = "test", .timeout_s = 5 };
	_cleanup_free_ char *expected = NULL;
	virDomainPtr dom;
	char err[512] = "stale";

	dom = virDomainCreateXML(conn, duplicate_xml, VIR_DOMAIN_START_AUTODESTROY);
	assert_null(dom);
	expected = strdup(virGetLastErrorMessage());
	assert_non_null(expected);
	assert_int_not_equal(virGetLastErrorCode(), VIR_ERR_OK);

	assert_int_equal(vm_run(conn, duplicate_xml, &opts, NULL, err, sizeof(err)), -EIO);
	assert_string_equal(err, expected);
	/* A later libvirt failure does not touch the reason already handed over. */
	assert_null(virDomainLookupByName(conn, "exitlab-no-such-domain"));
	assert_string_equal(err, expected);
}

/* What libvirt said when QEMU would not start, as Debian's QEMU 7.2 prints it. */
static void qemu_cause_not_its_warnings(void **state)
{
	static const char bios[] =
		"internal error: qemu unexpectedly closed the monitor: 2026-12-01T20:00:00.123456Z "
		"qemu-system-x86_64: warning: host doesn't support requested feature: "
		"CPUID.80000001H:ECX.svm [bit 2]\n"
		"2026-12-01T20:00:00.223456Z qemu-system-x86_64: warning: TCG doesn't support "
		"requested feature: CPUID.01H:ECX.vmx [bit 5]\n"
		"2026-12-01T20:00:00.323456Z qemu-system-x86_64: could not load PC BIOS "
		"'bios-256k.bin'";
	static const char msr[] =
		"internal error: process exited while connecting to monitor: "
		"qemu-system-x86_64: warning: host doesn't support requested feature\n"
		"qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\n"
		"qemu-system-x86_64: ../target/i386/kvm/kvm.c:3147: kvm_buf_set_msrs: Assertion "
		"`ret == cpu->kvm_msr_buf->nmsrs' failed.";
	char buf[512];

	(void)state;
	vm_error_summary(bios, buf, sizeof(buf));
	assert_string_equal(buf, "internal error: qemu unexpectedly closed the monitor: "
				 "qemu-system-x86_64: could not load PC BIOS 'bios-256k.bin'");
	vm_error_summary(msr, buf, sizeof(buf));
	assert_string_equal(buf, "internal error: process exited while connecting to monitor: "
				 "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0");
	vm_error_summary("Domain not found: no domain with matching name 'x'", buf, sizeof(buf));
	assert_string_equal(buf, "Domain not found: no domain with matching name 'x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_start_keeps_reason),
		cmocka_unit_test(qemu_cause_not_its_warnings),
	};

	return cmocka_run_group_tests(tests, open_test_driver, close_test_driver);
}
