/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_KVM_MODULES_H
#define EXITLAB_KVM_MODULES_H

struct agent;

/* /proc/cpuinfo's vendor_id ("GenuineIntel", "AuthenticAMD"), or NULL. */
char *kvm_cpu_vendor(void);

/*
 * (Re)loads KVM as config says: "stock" (Debian's own modules), "off" or
 * "on" (the patched ones with exit_stats=0/1), and checks that it took and
 * that /dev/kvm is there. 0, or a negative errno after agent_fail().
 */
int kvm_load(struct agent *a, const char *config);

/* The run's KVM: the patched one, exit_stats=1; records what was loaded in the bundle. */
int kvm_load_patched(struct agent *a);

#endif
