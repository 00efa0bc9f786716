/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_L1_FAULT_H
#define EXITLAB_L1_FAULT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What L1's kernel said went wrong in a failed attempt, read off its console:
 * the ways nested SVM under TCG is known to break L1 (docs/2026-11-26-l1-failures-under-tcg.md)
 * are named, so that a retry says why; anything else stays "other".
 */
enum l1_fault {
	L1_FAULT_NONE,
	/*
	 * The entry code faulting on a per-CPU read until it hits the stack
	 * guard page: an interrupt taken while a guest's GS base was loaded.
	 */
	L1_FAULT_GUEST_GS,
	L1_FAULT_SOFT_LOCKUP,
	L1_FAULT_RCU_STALL,
	/* Silent until the NMI sent at the timeout made it report (vm.h). */
	L1_FAULT_HANG,
	/* Any other oops, BUG or panic. */
	L1_FAULT_OTHER,
};

struct l1_fault_report {
	enum l1_fault kind;
	/* The kernel's line that showed it, without its timestamp. */
	char line[200];
	/* The first "RIP: ..." line the kernel printed after it: where a CPU was. */
	char where[120];
	/* L1_FAULT_GUEST_GS: the interrupted code was the instruction after VMRUN. */
	bool after_vmrun;
};

/*
 * The first fault L1's kernel reported in a console log. Lines that the agent
 * relays from L2 ("[  12.3s] L2: ... console: ...") are not L1's and are
 * skipped; only lines with the kernel's own timestamp count.
 */
void l1_fault_scan(const char *console, struct l1_fault_report *ret);

/*
 * The longest time, in seconds, that L1's kernel reported a CPU stuck in a
 * soft lockup ("stuck for 52s!"); 0 without one.
 */
unsigned l1_fault_longest_lockup(const char *console);

/*
 * How many progress lines L1's agent has printed ("[  12.3s] ..."): a
 * count that stops growing while the kernel may still print.
 */
long long l1_agent_lines(const char *console);

/* A stable name for results ("guest-gs-recursion", ...). */
const char *l1_fault_name(enum l1_fault kind);

/* One sentence for the user. */
const char *l1_fault_explanation(enum l1_fault kind);

#endif
