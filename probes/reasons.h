/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REASONS_H
#define EXITLAB_REASONS_H

#include <stddef.h>
#include <stdint.h>

/* The exitlab CPUID leaves answered by the patched KVM (see kvm-patch/README.md). */
#define EXITLAB_LEAF_TOTAL_EXITS 0x4FFFFFFFu
#define EXITLAB_LEAF_TOTAL_CYCLES 0x4FFFFFFEu
#define EXITLAB_LEAF_REASON_EXITS 0x4FFFFFFDu
#define EXITLAB_LEAF_REASON_CYCLES 0x4FFFFFFCu
/* EAX = interface version, EBX/ECX/EDX = "KVMExitStats" (as KVM's 0x40000000). */
#define EXITLAB_LEAF_DISCOVERY 0x4FFFFFFBu
#define EXITLAB_SIGNATURE "KVMExitStats"
#define EXITLAB_INTERFACE_VERSION 1u
#define EXITLAB_UNDEFINED_EDX 0xFFFFFFFFu
/* ECX of marker reads of the total leaf, which ignores ECX (see lab/l1/oracle.h). */
#define EXITLAB_MARK_TRACE_START 0xE1A50001u
#define EXITLAB_MARK_TRACE_END 0xE1A50002u

enum exit_arch {
	EXIT_ARCH_UNKNOWN,
	EXIT_ARCH_VMX, /* Intel: SDM basic exit reasons */
	EXIT_ARCH_SVM, /* AMD: APM exit codes */
};

/* Name of a reason as the vendor manual gives it, NULL when it defines none. */
const char *exit_reason_name(enum exit_arch arch, uint32_t reason);

/*
 * A reason as the tables and plots show it: "0x72 CPUID" (SVM codes in hex,
 * as the APM gives them), "10 CPUID" (VMX, decimal as the SDM); "?" for a
 * name no manual defines. Returns buf.
 */
const char *exit_reason_label(enum exit_arch arch, uint32_t reason, char *buf, size_t len);

/* Highest reason value worth scanning below the sparse tail (inclusive). */
uint32_t exit_reason_scan_limit(enum exit_arch arch);

const char *exit_arch_name(enum exit_arch arch);
enum exit_arch exit_arch_from_name(const char *name);
/* "GenuineIntel" -> VMX, "AuthenticAMD"/"HygonGenuine" -> SVM. */
enum exit_arch exit_arch_from_vendor(const char *vendor);

#endif
