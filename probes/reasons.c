// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reason names for reports. Which reasons exist is decided by the patched
 * kernel (kvm-patch/): a name missing here only makes a report print the number.
 * VMX: Intel SDM Vol. 3 Appendix C, basic exit reasons, 0-85 (as kvm-patch/README.md).
 * SVM: AMD APM Vol. 2 Appendix C, SVM intercept exit codes, up to 0xA6 IDLE_HLT.
 */
#include "reasons.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const vmx_names[] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL",
	[4] = "SIPI_SIGNAL",
	[5] = "IO_SMI",
	[6] = "OTHER_SMI",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",
	[31] = "MSR_READ",
	[32] = "MSR_WRITE",
	[33] = "INVALID_GUEST_STATE",
	[34] = "MSR_LOAD_FAIL",
	[36] = "MWAIT_INSTRUCTION",
	[37] = "MONITOR_TRAP_FLAG",
	[39] = "MONITOR_INSTRUCTION",
	[40] = "PAUSE_INSTRUCTION",
	[41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP_EVENT",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
	[70] = "ENCLV",
	[72] = "ENQCMD_PASID_FAIL",
	[73] = "ENQCMDS_PASID_FAIL",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
	[76] = "SEAMCALL",
	[77] = "TDCALL",
	[78] = "RDMSRLIST",
	[79] = "WRMSRLIST",
	[80] = "URDMSR",
	[81] = "UWRMSR",
	[84] = "RDMSR_IMM",
	[85] = "WRMSRNS_IMM",
};

static const char *const svm_cr_dr_names[] = {
	"CR0_READ", "CR1_READ", "CR2_READ", "CR3_READ", "CR4_READ", "CR5_READ",
	"CR6_READ", "CR7_READ", "CR8_READ", "CR9_READ", "CR10_READ", "CR11_READ",
	"CR12_READ", "CR13_READ", "CR14_READ", "CR15_READ",
	"CR0_WRITE", "CR1_WRITE", "CR2_WRITE", "CR3_WRITE", "CR4_WRITE", "CR5_WRITE",
	"CR6_WRITE", "CR7_WRITE", "CR8_WRITE", "CR9_WRITE", "CR10_WRITE", "CR11_WRITE",
	"CR12_WRITE", "CR13_WRITE", "CR14_WRITE", "CR15_WRITE",
	"DR0_READ", "DR1_READ", "DR2_READ", "DR3_READ", "DR4_READ", "DR5_READ",
	"DR6_READ", "DR7_READ", "DR8_READ", "DR9_READ", "DR10_READ", "DR11_READ",
	"DR12_READ", "DR13_READ", "DR14_READ", "DR15_READ",
	"DR0_WRITE", "DR1_WRITE", "DR2_WRITE", "DR3_WRITE", "DR4_WRITE", "DR5_WRITE",
	"DR6_WRITE", "DR7_WRITE", "DR8_WRITE", "DR9_WRITE", "DR10_WRITE", "DR11_WRITE",
	"DR12_WRITE", "DR13_WRITE", "DR14_WRITE", "DR15_WRITE",
	"EXCP_DE", "EXCP_DB", "EXCP_NMI", "EXCP_BP", "EXCP_OF", "EXCP_BR", "EXCP_UD",
	"EXCP_NM", "EXCP_DF", "EXCP_9", "EXCP_TS", "EXCP_NP", "EXCP_SS", "EXCP_GP",
	"EXCP_PF", "EXCP_15", "EXCP_MF", "EXCP_AC", "EXCP_MC", "EXCP_XF", "EXCP_20",
	"EXCP_CP", "EXCP_22", "EXCP_23", "EXCP_24", "EXCP_25", "EXCP_26", "EXCP_27",
	"EXCP_HV", "EXCP_VC", "EXCP_SX", "EXCP_31",
	/* 0x60 */
	"INTR", "NMI", "SMI", "INIT", "VINTR", "CR0_SEL_WRITE", "IDTR_READ",
	"GDTR_READ", "LDTR_READ", "TR_READ", "IDTR_WRITE", "GDTR_WRITE",
	"LDTR_WRITE", "TR_WRITE", "RDTSC", "RDPMC",
	/* 0x70 */
	"PUSHF", "POPF", "CPUID", "RSM", "IRET", "SWINT", "INVD", "PAUSE", "HLT",
	"INVLPG", "INVLPGA", "IOIO", "MSR", "TASK_SWITCH", "FERR_FREEZE", "SHUTDOWN",
	/* 0x80 */
	"VMRUN", "VMMCALL", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "RDTSCP",
	"ICEBP", "WBINVD", "MONITOR", "MWAIT", "MWAIT_COND", "XSETBV", "RDPRU",
	"EFER_WRITE_TRAP",
	/* 0x90 */
	"CR0_WRITE_TRAP", "CR1_WRITE_TRAP", "CR2_WRITE_TRAP", "CR3_WRITE_TRAP",
	"CR4_WRITE_TRAP", "CR5_WRITE_TRAP", "CR6_WRITE_TRAP", "CR7_WRITE_TRAP",
	"CR8_WRITE_TRAP", "CR9_WRITE_TRAP", "CR10_WRITE_TRAP", "CR11_WRITE_TRAP",
	"CR12_WRITE_TRAP", "CR13_WRITE_TRAP", "CR14_WRITE_TRAP", "CR15_WRITE_TRAP",
	/* 0xa0 */
	"INVLPGB", "INVLPGB_ILLEGAL", "INVPCID", "MCOMMIT", "TLBSYNC", "BUSLOCK", "IDLE_HLT",
};

static const char *const svm_high_names[] = {
	/* 0x400 */
	"NPF", "AVIC_INCOMPLETE_IPI", "AVIC_UNACCELERATED_ACCESS", "VMGEXIT",
};

const char *exit_reason_name(enum exit_arch arch, uint32_t reason)
{
	switch (arch) {
	case EXIT_ARCH_VMX:
		return reason < ARRAY_LEN(vmx_names) ? vmx_names[reason] : NULL;
	case EXIT_ARCH_SVM:
		if (reason < ARRAY_LEN(svm_cr_dr_names))
			return svm_cr_dr_names[reason];
		if (reason >= 0x400 && reason - 0x400 < ARRAY_LEN(svm_high_names))
			return svm_high_names[reason - 0x400];
		if (reason == 0xFFFFFFFFu)
			return "INVALID";
		if (reason == 0xFFFFFFFEu)
			return "BUSY";
		return NULL;
	default:
		return NULL;
	}
}

uint32_t exit_reason_scan_limit(enum exit_arch arch)
{
	return arch == EXIT_ARCH_SVM ? 0x40F : 0x7F;
}

const char *exit_arch_name(enum exit_arch arch)
{
	switch (arch) {
	case EXIT_ARCH_VMX:
		return "vmx";
	case EXIT_ARCH_SVM:
		return "svm";
	default:
		return "unknown";
	}
}

enum exit_arch exit_arch_from_name(const char *name)
{
	if (name && strcmp(name, "vmx") == 0)
		return EXIT_ARCH_VMX;
	if (name && strcmp(name, "svm") == 0)
		return EXIT_ARCH_SVM;
	return EXIT_ARCH_UNKNOWN;
}

enum exit_arch exit_arch_from_vendor(const char *vendor)
{
	if (strcmp(vendor, "GenuineIntel") == 0)
		return EXIT_ARCH_VMX;
	if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0)
		return EXIT_ARCH_SVM;
	return EXIT_ARCH_UNKNOWN;
}

const char *exit_reason_label(enum exit_arch arch, uint32_t reason, char *buf, size_t len)
{
	const char *name = exit_reason_name(arch, reason);

	snprintf(buf, len, arch == EXIT_ARCH_SVM ? "0x%x %s" : "%u %s", reason, name ? name : "?");
	return buf;
}
