/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake machine answering CPUID the way the patched KVM documents the
 * exitlab leaves (kvm-patch/README.md), with background exits between the
 * probe's own, so that probe and parser are tested against the ABI.
 */
#ifndef EXITLAB_FAKE_KVM_H
#define EXITLAB_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../probes/leaves.h"

#define FAKE_SLOTS 0x500

struct fake_kvm {
	enum exit_arch arch;
	uint64_t count[FAKE_SLOTS], cycles[FAKE_SLOTS];
	unsigned background_every; /* an external-interrupt exit every N CPUIDs; 0: none */
	unsigned cpuids;
	/*
	 * Another vCPU's CPUIDs (a process starting there): foreign_cpuids of
	 * them land right after the foreign_at-th read of CPUID's own count.
	 */
	unsigned foreign_at, foreign_cpuids, cpuid_count_reads;
	bool foreign_pending;
};

static inline bool fake_defined(const struct fake_kvm *k, uint32_t r)
{
	if (k->arch == EXIT_ARCH_VMX)
		return r <= 75 && r != 35 && r != 38 && r != 42 && r != 71;
	return r <= 0xA5 || (r >= 0x400 && r <= 0x403);
}

static inline bool fake_handled(const struct fake_kvm *k, uint32_t r)
{
	/* RDTSC is defined by both manuals and handled by neither KVM table. */
	return fake_defined(k, r) && r != (k->arch == EXIT_ARCH_VMX ? 16u : 0x6Eu);
}

static inline void fake_exit(struct fake_kvm *k, uint32_t reason, uint64_t cost)
{
	k->count[reason]++;
	k->cycles[reason] += cost;
}

static inline void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	struct fake_kvm *k = ctx;
	uint32_t cpuid_reason = k->arch == EXIT_ARCH_VMX ? 10 : 0x72;
	uint64_t total = 0, cyc = 0;
	unsigned i;

	k->cpuids++;
	if (k->foreign_pending) {
		k->foreign_pending = false;
		for (i = 0; i < k->foreign_cpuids; i++)
			fake_exit(k, cpuid_reason, 1200);
	}
	if (k->background_every && k->cpuids % k->background_every == 0)
		fake_exit(k, k->arch == EXIT_ARCH_VMX ? 1 : 0x60, 5000);
	/* Counted when the exit happens, so a read includes itself. */
	fake_exit(k, cpuid_reason, 1200);
	memset(r, 0, sizeof(*r));
	for (i = 0; i < FAKE_SLOTS; i++) {
		total += k->count[i];
		cyc += k->cycles[i];
	}
	switch (leaf) {
	case 0:
		r->eax = 0xd;
		memcpy(&r->ebx, k->arch == EXIT_ARCH_VMX ? "Genu" : "Auth", 4);
		memcpy(&r->edx, k->arch == EXIT_ARCH_VMX ? "ineI" : "enti", 4);
		memcpy(&r->ecx, k->arch == EXIT_ARCH_VMX ? "ntel" : "cAMD", 4);
		break;
	case EXITLAB_LEAF_TOTAL_EXITS:
		r->eax = (uint32_t)total;
		break;
	case EXITLAB_LEAF_TOTAL_CYCLES:
		r->ebx = (uint32_t)(cyc >> 32);
		r->ecx = (uint32_t)cyc;
		break;
	case EXITLAB_LEAF_REASON_EXITS:
		/* They arrive after this read, before the next CPUID's. */
		if (sub == cpuid_reason && ++k->cpuid_count_reads == k->foreign_at)
			k->foreign_pending = true;
		/* fall through */
	case EXITLAB_LEAF_REASON_CYCLES:
		if (!fake_defined(k, sub)) {
			r->edx = 0xFFFFFFFFu;
		} else if (fake_handled(k, sub)) {
			if (leaf == EXITLAB_LEAF_REASON_EXITS) {
				r->eax = (uint32_t)k->count[sub];
			} else {
				r->ebx = (uint32_t)(k->cycles[sub] >> 32);
				r->ecx = (uint32_t)k->cycles[sub];
			}
		}
		break;
	}
}

#endif
