// SPDX-License-Identifier: GPL-2.0-only
/* vm_run() against libvirt's test driver: what reaches the caller when a start fails. */
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

	dom = virDomainCreateXML(conn, duplicate_xml, VIR_DOMAIN_START_AUTODESTROY);
	assert_null(dom);
	expected = strdup(virGetLastErrorMessage());
	assert_non_null(expected);
	assert_int_not_equal(virGetLastErrorCode(), VIR_ERR_OK);

	assert_int_equal(vm_run(conn, duplicate_xml, &opts, NULL), -EIO);
	assert_string_equal(vm_last_error(), expected);
}

/* A libvirt failure after vm_run() is reported as itself, not as the start's. */
static void later_failure_wins(void **state)
{
	virConnectPtr conn = *state;
	struct vm_run_opts opts = { .label = "test", .timeout_s = 5 };

	_cleanup_free_ char *start_error = NULL;

	assert_int_equal(vm_run(conn, duplicate_xml, &opts, NULL), -EIO);
	start_error = strdup(vm_last_error());
	assert_non_null(start_error);
	assert_null(virDomainLookupByName(conn, "exitlab-no-such-domain"));
	assert_string_not_equal(vm_last_error(), start_error);
	assert_string_equal(vm_last_error(), virGetLastErrorMessage());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_start_keeps_reason),
		cmocka_unit_test(later_failure_wins),
	};

	return cmocka_run_group_tests(tests, open_test_driver, close_test_driver);
}
