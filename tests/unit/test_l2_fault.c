// SPDX-License-Identifier: GPL-2.0-only
/* A crashed L2 kernel found on its console: real consoles (tests/data/l2-console) and edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lab/l1/l2_fault.h"
#include "../../lab/common/util.h"

static bool scan_file(const char *name, char *line, size_t len)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", EXITLAB_L2_CONSOLE_DATA, name);
	_cleanup_free_ char *text = NULL;

	assert_int_equal(read_file(path, &text, NULL), 0);
	return l2_console_crashed(text, line, len);
}

/* Run t18-2: an oops in L2's first boot, a panic, a reset, and a second boot that ran the phases. */
static void oops_then_reset(void **state)
{
	char line[160] = "";

	(void)state;
	assert_true(scan_file("oops-reset.log", line, sizeof(line)));
	print_message("crash: %s\n", line);
	assert_string_equal(line, "BUG: ENTRY_TRAMPOLINE stack guard page was hit at 00000000f906b0db "
				  "(stack is 00000000b7fbb0f4..000000001079faa8)");
}

/* Run soak-s3-1: two clean boots, a reboot and a power-off. */
static void clean_boots(void **state)
{
	char line[160] = "untouched";

	(void)state;
	assert_false(scan_file("clean.log", line, sizeof(line)));
	assert_string_equal(line, "untouched");
}

static void edge_cases(void **state)
{
	char line[64];

	(void)state;
	assert_false(l2_console_crashed("", line, sizeof(line)));
	/* A warning L2 survives is not a crash. */
	assert_false(l2_console_crashed("[   12.5] BUG: soft lockup - CPU#0 stuck for 22s!\n", line,
					sizeof(line)));
	/* A panic alone, with no stamp and no newline at the end; cut to the buffer. */
	assert_true(l2_console_crashed("x\nKernel panic - not syncing: VFS: Unable to mount root fs",
				       line, sizeof(line)));
	assert_string_equal(line, "Kernel panic - not syncing: VFS: Unable to mount root fs");
	assert_true(l2_console_crashed("[    1.0] Oops: general protection fault\r\n", line, 12));
	assert_string_equal(line, "Oops: gener");
	/* Words in a program's output are not the kernel's. */
	assert_false(l2_console_crashed("exitlab-phases: Oops: nothing\n", line, sizeof(line)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oops_then_reset),
		cmocka_unit_test(clean_boots),
		cmocka_unit_test(edge_cases),
	};

	return cmocka_run_group_tests_name("l2_fault", tests, NULL, NULL);
}
