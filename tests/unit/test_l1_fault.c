// SPDX-License-Identifier: GPL-2.0-only
/* Naming L1's faults from its console: excerpts of real consoles, and edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lab/l0/l1_fault.h"
#include "../../lab/common/util.h"

static struct l1_fault_report scan_file(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", EXITLAB_L1_CONSOLE_DATA, name);
	_cleanup_free_ char *text = NULL;
	struct l1_fault_report r;

	assert_int_equal(read_file(path, &text, NULL), 0);
	l1_fault_scan(text, &r);
	return r;
}

/* The oops whose whole stack was printed: an IPI taken right after VMRUN. */
static void guest_gs_after_vmrun(void **state)
{
	struct l1_fault_report r = scan_file("guest-gs-after-vmrun.log");

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_GUEST_GS);
	assert_true(r.after_vmrun);
	assert_string_equal(l1_fault_name(r.kind), "guest-gs-recursion");
	assert_non_null(strstr(r.line, "BUG: TASK stack guard page was hit at"));
	/* The timestamp is cut. */
	assert_int_equal(r.line[0], 'B');
	assert_string_equal(r.where, "RIP: 0010:error_entry+0x1e/0x130");
}

/* The same loop, where the panic came before the call trace. */
static void guest_gs_without_trace(void **state)
{
	struct l1_fault_report r = scan_file("guest-gs.log");

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_GUEST_GS);
	assert_false(r.after_vmrun);
}

/* The loop caught one step further: in exc_page_fault() reading %gs:current_task. */
static void guest_gs_in_handler(void **state)
{
	struct l1_fault_report r = scan_file("guest-gs-in-handler.log");

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_GUEST_GS);
	assert_false(r.after_vmrun);
	assert_string_equal(r.where, "RIP: 0010:exc_page_fault+0x15/0x170");
}

static void soft_lockup(void **state)
{
	struct l1_fault_report r = scan_file("soft-lockup.log");

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_SOFT_LOCKUP);
	assert_string_equal(r.line, "watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [worker:260]");
	assert_string_equal(r.where, "RIP: 0010:smp_call_function_many_cond+0xf1/0x330");
}

/* The run gives up on an L1 whose CPU has been stuck long enough: the longest report counts. */
static void longest_lockup(void **state)
{
	_cleanup_free_ char *lockup_path = xasprintf("%s/soft-lockup.log", EXITLAB_L1_CONSOLE_DATA);
	_cleanup_free_ char *oops_path = xasprintf("%s/guest-gs.log", EXITLAB_L1_CONSOLE_DATA);
	_cleanup_free_ char *lockup = NULL, *oops = NULL;

	(void)state;
	assert_int_equal(read_file(lockup_path, &lockup, NULL), 0);
	assert_int_equal(l1_fault_longest_lockup(lockup), 131);
	assert_int_equal(read_file(oops_path, &oops, NULL), 0);
	assert_int_equal(l1_fault_longest_lockup(oops), 0);
	/* Relayed from L2, not L1's; absurd figures do not wrap. */
	assert_int_equal(l1_fault_longest_lockup(
		"[  12.3s] L2: console: [ 9.000001] watchdog: BUG: soft lockup - CPU#0 stuck for 500s!\n"), 0);
	assert_int_equal(l1_fault_longest_lockup(
		"[    9.000001] watchdog: BUG: soft lockup - CPU#0 stuck for 99999999999s!\n"), 999999);
}

/* The hang detector counts the agent's lines only: a hung kernel still prints. */
static void agent_lines(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/l2-stall-relayed.log", EXITLAB_L1_CONSOLE_DATA);
	_cleanup_free_ char *text = NULL;

	(void)state;
	assert_int_equal(read_file(path, &text, NULL), 0);
	/* 10 agent lines among 6 kernel lines and the fixture's comment. */
	assert_int_equal(l1_agent_lines(text), 10);
	assert_int_equal(l1_agent_lines(""), 0);
	assert_int_equal(l1_agent_lines("[  364.035709] INFO: task khugepaged:36 blocked for more "
					"than 120 seconds.\n[ 1.5"), 0);
	assert_int_equal(l1_agent_lines("[    3.9s] L2: starting\n[  90.4s] L2: running"), 2);
}

/* The NMI sent to a hung L1: the panic it causes names the NMI, then where CPU 0 was. */
static void hang_after_nmi(void **state)
{
	struct l1_fault_report r = scan_file("nmi-panic.log");

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_HANG);
	assert_string_equal(l1_fault_name(r.kind), "hang");
	assert_string_equal(r.line, "Uhhuh. NMI received for unknown reason 21 on CPU 0.");
	assert_string_equal(r.where, "RIP: 0010:svm_vcpu_run+0x234/0x720 [kvm_amd]");
}

/* The agent's lines, L2's console relayed in them included, are not L1's kernel. */
static void relayed_lines_are_not_l1(void **state)
{
	struct l1_fault_report r = scan_file("l2-stall-relayed.log");
	const char *relayed =
		"[  189.6s] L2: running for 187 s; console: [   82.046102] rcu: INFO: "
		"rcu_preempt detected stalls on CPUs/tasks:\n"
		"[  190.0s] L2: running for 188 s; console: [   83.000001] Kernel panic - "
		"not syncing: Attempted to kill init!\n";

	(void)state;
	assert_int_equal(r.kind, L1_FAULT_NONE);
	assert_string_equal(r.line, "");
	l1_fault_scan(relayed, &r);
	assert_int_equal(r.kind, L1_FAULT_NONE);
}

/* A stack overflow elsewhere is not the known fault, and a plain panic is "other". */
static void other_faults(void **state)
{
	const char *overflow =
		"[  100.000001] BUG: TASK stack guard page was hit at 00000000deadbeef\n"
		"[  100.000001] RIP: 0010:deep_recursion+0x10/0x40\n";
	const char *rcu =
		"[  300.123456] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n";
	const char *panic =
		"[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs\n";
	struct l1_fault_report r;

	(void)state;
	l1_fault_scan(overflow, &r);
	assert_int_equal(r.kind, L1_FAULT_OTHER);
	l1_fault_scan(rcu, &r);
	assert_int_equal(r.kind, L1_FAULT_RCU_STALL);
	l1_fault_scan(panic, &r);
	assert_int_equal(r.kind, L1_FAULT_OTHER);
	assert_string_equal(r.line, "Kernel panic - not syncing: VFS: Unable to mount root fs");
	/* Nothing said where a CPU was. */
	assert_string_equal(r.where, "");
}

/* Empty, unterminated, over-long and malformed-timestamp input. */
static void edge_cases(void **state)
{
	struct l1_fault_report r;
	char *long_line = malloc(1000);
	size_t prefix = strlen("[    2.000000] Kernel panic - ");

	(void)state;
	l1_fault_scan("", &r);
	assert_int_equal(r.kind, L1_FAULT_NONE);
	l1_fault_scan("[    2.00000] Kernel panic - five decimals is not the kernel's\n", &r);
	assert_int_equal(r.kind, L1_FAULT_NONE);
	l1_fault_scan("[    2.000000]Kernel panic - no space, no newline", &r);
	assert_int_equal(r.kind, L1_FAULT_OTHER);
	assert_string_equal(r.line, "Kernel panic - no space, no newline");

	assert_non_null(long_line);
	memcpy(long_line, "[    2.000000] Kernel panic - ", prefix);
	memset(long_line + prefix, 'x', 999 - prefix);
	long_line[999] = '\0';
	l1_fault_scan(long_line, &r);
	assert_int_equal(r.kind, L1_FAULT_OTHER);
	assert_int_equal(strlen(r.line), sizeof(r.line) - 1);
	free(long_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_gs_after_vmrun),
		cmocka_unit_test(guest_gs_without_trace),
		cmocka_unit_test(guest_gs_in_handler),
		cmocka_unit_test(soft_lockup),
		cmocka_unit_test(agent_lines),
		cmocka_unit_test(hang_after_nmi),
		cmocka_unit_test(longest_lockup),
		cmocka_unit_test(relayed_lines_are_not_l1),
		cmocka_unit_test(other_faults),
		cmocka_unit_test(edge_cases),
	};

	return cmocka_run_group_tests_name("l1_fault", tests, NULL, NULL);
}
