// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/l1/oracle.h"

/* The shape of 6.1's events/kvm/kvm_exit/format, cut down. */
static const char format[] =
	"name: kvm_exit\nID: 1234\nformat:\n\tfield:unsigned int exit_reason;\n\n"
	"print fmt: \"vcpu %u reason %s%s%s rip 0x%lx\", REC->vcpu_id, (REC->isa == 1) ? "
	"__print_symbolic(REC->exit_reason & 0xffff, { 0, \"EXCEPTION_NMI\" }, "
	"{ 10, \"CPUID\" }, { 12, \"HLT\" }) : __print_symbolic(REC->exit_reason, "
	"{ 0x060, \"intr\" }, { 0x072, \"cpuid\" }, { 0x078, \"hlt\" }, { 0x07c, \"msr\" }, "
	"{ 0x040 + 14, \"PF excp\" }, { 0x04e0, \"PF\" }), "
	"\"\", \"\", REC->rip\n";

static void names_per_vendor(void **state)
{
	struct reason_names vmx, svm;

	(void)state;
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_VMX, &vmx), 0);
	assert_int_equal(vmx.n, 3);
	assert_string_equal(vmx.entries[1].name, "CPUID");
	assert_int_equal(vmx.entries[1].value, 10);
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &svm), 0);
	assert_int_equal(svm.n, 6);
	assert_string_equal(svm.entries[4].name, "PF excp");
	/* As 6.1's format prints it: SVM_EXIT_EXCP_BASE + PF_VECTOR, not evaluated. */
	assert_int_equal(svm.entries[4].value, 0x4e);
	assert_string_equal(svm.entries[3].name, "msr");
	assert_int_equal(svm.entries[3].value, 0x7c);
	reason_names_free(&vmx);
	reason_names_free(&svm);
	assert_int_equal(reason_names_from_format("print fmt: \"x\"", EXIT_ARCH_SVM, &svm), -ENOENT);
}

static struct json_object *snap(unsigned total, unsigned cpuid, unsigned msr)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"total_exits_regs\":[%u,0,0,0],\"reasons\":["
		 "{\"reason\":114,\"name\":\"CPUID\",\"class\":\"counted\",\"count_regs\":[%u,0,0,0]},"
		 "{\"reason\":124,\"name\":\"MSR\",\"class\":\"counted\",\"count_regs\":[%u,0,0,0]},"
		 "{\"reason\":110,\"name\":\"RDTSC\",\"class\":\"zero\",\"count_regs\":[0,0,0,0]}]}",
		 total, cpuid, msr);
	return json_tokener_parse(text);
}

#define EXIT(name) "  CPU 0/KVM-240 [000] .... 1.0: kvm_exit: vcpu 0 reason " name " rip 0x1 info1 0x0\n"
#define READ(func, idx, rax) \
	"  CPU 0/KVM-240 [000] .... 1.0: kvm_cpuid: func " func " idx " idx " rax " rax \
	" rbx 0 rcx 0 rdx 0, cpuid entry found\n"

/* A: total=100 (read after the scan), cpuid=50, msr=7; then 2 msr, 1 intr; B. */
static const char trace[] =
	EXIT("cpuid") READ("4ffffffd", "72", "32")   /* A reads CPUID: 50 */
	EXIT("cpuid") READ("4ffffffd", "7c", "7")    /* A reads MSR: 7 */
	EXIT("cpuid") READ("4fffffff", "0", "64")    /* A total: 100 */
	EXIT("msr") EXIT("intr") EXIT("msr") EXIT("0x400")
	EXIT("cpuid") READ("4ffffffd", "72", "35")   /* B reads CPUID: 53 */
	EXIT("cpuid") READ("4ffffffd", "7c", "9")    /* B reads MSR: 9 */
	EXIT("cpuid") READ("4fffffff", "0", "6b");   /* B total: 107 */

static int64_t field(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

/* The oracle's total row: kvm_exit's count and the leaves' growth. */
static void assert_total(struct json_object *report, int64_t trace, int64_t leaf)
{
	struct json_object *total;

	assert_true(json_object_object_get_ex(report, "total", &total));
	assert_int_equal(field(total, "trace_delta"), trace);
	assert_int_equal(field(total, "leaf_delta"), leaf);
}

static void compare(void **state, unsigned b_msr, unsigned vcpus, int64_t want_mismatches)
{
	struct reason_names names;
	struct json_object *a = snap(100, 50, 7), *b = snap(107, 53, b_msr), *report, *rows;
	char err[128] = "";

	(void)state;
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &names), 0);
	report = oracle_compare(trace, &names, a, b, vcpus, err, sizeof(err));
	assert_non_null(report);
	assert_int_equal(field(report, "mismatches"), want_mismatches);
	assert_int_equal(field(report, "reasons_compared"), 2);
	json_object_object_get_ex(report, "reasons", &rows);
	/* CPUID: the reads at 50 and 53 enclose three CPUID exits, B's own included. */
	assert_int_equal(field(json_object_array_get_idx(rows, 0), "trace_delta"), 3);
	assert_int_equal(field(json_object_array_get_idx(rows, 0), "leaf_delta"), 3);
	if (b_msr == 9) {
		assert_int_equal(field(json_object_array_get_idx(rows, 1), "trace_delta"), 2);
	} else {
		struct json_object *e;

		assert_true(json_object_object_get_ex(json_object_array_get_idx(rows, 1), "error", &e));
	}
	/* Total: every exit between the two total reads, 0x400 (no name) too. */
	assert_total(report, 7, 7);
	json_object_put(report);
	json_object_put(a);
	json_object_put(b);
	reason_names_free(&names);
}

static void counts_agree(void **state)
{
	compare(state, 9, 1, 0);
}

static void a_wrong_count_is_a_mismatch(void **state)
{
	/* B claims 10 MSR exits: the read answering 10 is not in the trace. */
	compare(state, 10, 1, 1);
	/* Not in the trace at all is a mismatch whatever the vCPU count. */
	compare(state, 10, 4, 1);
}

/* An MSR exit of another vCPU traced after it was counted: one more in the trace. */
static void race_window_with_two_vcpus(void **state)
{
	static const char raced[] =
		EXIT("cpuid") READ("4ffffffd", "7c", "7")
		EXIT("msr") EXIT("msr") EXIT("msr")
		EXIT("cpuid") READ("4ffffffd", "7c", "9");
	struct reason_names names;
	struct json_object *a = snap(1, 0, 7), *b = snap(1, 0, 9), *report, *v;
	char err[128];

	(void)state;
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &names), 0);
	report = oracle_compare(raced, &names, a, b, 1, err, sizeof(err));
	json_object_object_get_ex(report, "mismatches", &v);
	/* The CPUID reason (0 -> 0) and the total are not in this trace: 3 mismatches. */
	assert_int_equal(json_object_get_int(v), 3);
	json_object_put(report);
	report = oracle_compare(raced, &names, a, b, 2, err, sizeof(err));
	json_object_object_get_ex(report, "mismatches", &v);
	assert_int_equal(json_object_get_int(v), 2);
	json_object_put(report);
	json_object_put(a);
	json_object_put(b);
	reason_names_free(&names);
}

/*
 * With record-tgid, another VM's exits (QEMU process 999) between our VM's
 * (500) reads are not ours: counted apart, and the leaves still agree.
 */
#define VM_EXIT(tgid, name) \
	"  CPU 0/KVM-501 (" tgid ") [001] ..... 2.0: kvm_exit: vcpu 0 reason " name " rip 0x1\n"
#define VM_READ(func, idx, rax) \
	"  CPU 0/KVM-501 (    500) [001] ..... 2.0: kvm_cpuid: func " func " idx " idx " rax " \
	rax " rbx 0 rcx 0 rdx 0, cpuid entry found\n"

static void other_vms_exits_are_not_ours(void **state)
{
	static const char two_vms[] =
		VM_EXIT("    500", "cpuid") VM_READ("4ffffffd", "72", "32")
		VM_EXIT("    500", "cpuid") VM_READ("4ffffffd", "7c", "7")
		VM_EXIT("    500", "cpuid") VM_READ("4fffffff", "0", "64")
		VM_EXIT("    999", "msr") VM_EXIT("    500", "msr") VM_EXIT("    999", "cpuid")
		VM_EXIT("    999", "intr") VM_EXIT("    500", "msr")
		VM_EXIT("    500", "cpuid") VM_READ("4ffffffd", "72", "35")
		VM_EXIT("    500", "cpuid") VM_READ("4ffffffd", "7c", "9")
		VM_EXIT("    500", "cpuid") VM_READ("4fffffff", "0", "69");
	struct reason_names names;
	/* Our VM: 2 MSR and 3 CPUID exits (its reads) between A's and B's total reads. */
	struct json_object *a = snap(100, 50, 7), *b = snap(105, 53, 9), *report, *total;
	char err[128] = "";

	(void)state;
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &names), 0);
	report = oracle_compare(two_vms, &names, a, b, 1, err, sizeof(err));
	assert_non_null(report);
	assert_int_equal(field(report, "mismatches"), 0);
	assert_true(json_object_object_get_ex(report, "total", &total));
	assert_int_equal(field(total, "trace_delta"), 5);
	assert_int_equal(field(total, "other_vm_exits"), 3);
	assert_int_equal(field(total, "vm_tgid"), 500);
	json_object_put(report);
	/* Had the leaves counted the host's exits, the other VM's would show. */
	json_object_put(b);
	b = snap(108, 53, 10);
	report = oracle_compare(two_vms, &names, a, b, 1, err, sizeof(err));
	assert_true(field(report, "mismatches") > 0);
	json_object_put(report);
	json_object_put(a);
	json_object_put(b);
	reason_names_free(&names);
}

/*
 * SVM names its intercepted exceptions "PF excp", "UD excp"...: a name that
 * holds a space must count as that reason, not be cut at the space (a
 * shorter name that is only its first word must not win either), and an
 * exit whose name is unknown still counts in the total.
 */
static void names_with_spaces(void **state)
{
	static const char pf_trace[] =
		EXIT("cpuid") READ("4ffffffd", "4e", "a")    /* A reads PF: 10 */
		EXIT("cpuid") READ("4fffffff", "0", "64")    /* A total: 100 */
		EXIT("PF excp") EXIT("PF excp") EXIT("no such reason") EXIT("PF")
		EXIT("cpuid") READ("4ffffffd", "4e", "c")    /* B reads PF: 12 */
		EXIT("cpuid") READ("4fffffff", "0", "6a");   /* B total: 106 */
	static const char snap_fmt[] =
		"{\"total_exits_regs\":[%u,0,0,0],\"reasons\":["
		"{\"reason\":78,\"name\":\"EXCP_PF\",\"class\":\"counted\",\"count_regs\":[%u,0,0,0]}]}";
	struct reason_names names;
	struct json_object *a, *b, *report, *rows;
	char text[512], err[128] = "";

	(void)state;
	snprintf(text, sizeof(text), snap_fmt, 100, 10);
	a = json_tokener_parse(text);
	snprintf(text, sizeof(text), snap_fmt, 106, 12);
	b = json_tokener_parse(text);
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &names), 0);
	report = oracle_compare(pf_trace, &names, a, b, 1, err, sizeof(err));
	assert_non_null(report);
	assert_int_equal(field(report, "mismatches"), 0);
	assert_int_equal(field(report, "unknown_reason_names"), 1);
	json_object_object_get_ex(report, "reasons", &rows);
	/* The two "PF excp"; not "PF" (0x4e0), not the unknown one. */
	assert_int_equal(field(json_object_array_get_idx(rows, 0), "reason"), 78);
	assert_int_equal(field(json_object_array_get_idx(rows, 0), "trace_delta"), 2);
	/* 2 PF, the unknown one, "PF", and the exits of B's two reads. */
	assert_total(report, 6, 6);
	json_object_put(report);
	json_object_put(a);
	json_object_put(b);
	reason_names_free(&names);
}

/*
 * Snapshot B as the probe takes it: every reason read, then the total. Its
 * total is the sum of the counts as read plus the exits of each reason
 * after its read: CPUID 53 + 3 (the RDTSC, MSR and total reads), MSR 9 + 1
 * (an MSR exit after its read), RDTSC 0: 66.
 */
static const char sum_trace[] =
	EXIT("cpuid") READ("4fffffff", "0", "32")   /* A total: 50 */
	EXIT("msr") EXIT("cpuid") READ("4ffffffd", "72", "35")   /* B reads CPUID: 53 */
	EXIT("cpuid") READ("4ffffffd", "6e", "0")    /* B reads RDTSC: 0 */
	EXIT("cpuid") READ("4ffffffd", "7c", "9")    /* B reads MSR: 9 */
	EXIT("msr")
	EXIT("cpuid") READ("4fffffff", "0", "%x");   /* B total */

/* The same with a sampler's read of MSR (10, after one more MSR exit) before B's total. */
static const char sampler_trace[] =
	EXIT("cpuid") READ("4fffffff", "0", "32")   /* A total: 50 */
	EXIT("msr") EXIT("cpuid") READ("4ffffffd", "72", "35")   /* B reads CPUID: 53 */
	EXIT("cpuid") READ("4ffffffd", "6e", "0")    /* B reads RDTSC: 0 */
	EXIT("cpuid") READ("4ffffffd", "7c", "9")    /* B reads MSR: 9 */
	EXIT("msr")
	EXIT("cpuid") READ("4ffffffd", "7c", "a")    /* the sampler reads MSR: 10 */
	EXIT("cpuid") READ("4fffffff", "0", "%x");   /* B total */

static int64_t sum_verdict_of(const char *fmt, unsigned b_total, bool *ret_equal)
{
	struct reason_names names;
	struct json_object *a = snap(50, 0, 0), *b = snap(b_total, 53, 9), *report, *sum, *v;
	char err[128] = "", trace_text[sizeof(sampler_trace) + 16];
	int64_t r;

	snprintf(trace_text, sizeof(trace_text), fmt, b_total);
	/* The RDTSC row reads reason 0x6e here. */
	json_object_object_add(json_object_array_get_idx(json_object_object_get(b, "reasons"), 2),
			       "reason", json_object_new_int(0x6e));
	assert_int_equal(reason_names_from_format(format, EXIT_ARCH_SVM, &names), 0);
	report = oracle_compare(trace_text, &names, a, b, 1, err, sizeof(err));
	assert_non_null(report);
	assert_true(json_object_object_get_ex(report, "sum_of_reasons", &sum));
	if (json_object_object_get_ex(sum, "error", &v))
		fail_msg("sum_of_reasons: %s", json_object_get_string(v));
	assert_true(json_object_object_get_ex(sum, "equal", &v));
	*ret_equal = json_object_get_boolean(v);
	r = field(sum, "sum");
	json_object_put(report);
	json_object_put(a);
	json_object_put(b);
	reason_names_free(&names);
	return r;
}

static int64_t sum_verdict(unsigned b_total, bool *ret_equal)
{
	return sum_verdict_of(sum_trace, b_total, ret_equal);
}

static void reasons_add_up_to_the_total(void **state)
{
	bool equal;

	(void)state;
	assert_int_equal(sum_verdict(66, &equal), 66);
	assert_true(equal);
	/* One exit more in the total than the reasons report: not equal. */
	assert_int_equal(sum_verdict(67, &equal), 66);
	assert_false(equal);
	/* A sampler's read between the snapshot's and the total is not the snapshot's. */
	assert_int_equal(sum_verdict_of(sampler_trace, 67, &equal), 67);
	assert_true(equal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reasons_add_up_to_the_total),
		cmocka_unit_test(names_per_vendor),
		cmocka_unit_test(counts_agree),
		cmocka_unit_test(a_wrong_count_is_a_mismatch),
		cmocka_unit_test(race_window_with_two_vcpus),
		cmocka_unit_test(other_vms_exits_are_not_ours),
		cmocka_unit_test(names_with_spaces),
	};

	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
