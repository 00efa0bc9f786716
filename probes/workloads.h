/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_WORKLOADS_H
#define EXITLAB_WORKLOADS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "leaves.h"
#include "workload_spec.h"

/*
 * Where the device workloads go; each is chosen to be harmless to repeat
 * (probes/README.md says why each one).
 */
#define WORKLOAD_PIO_PORT 0x80          /* the POST code port: the kernel's own I/O delay */
#define WORKLOAD_HPET_DEV "/dev/hpet"   /* mapped read-only, one page */
#define WORKLOAD_HPET_COUNTER 0xf0      /* the main counter: reading it changes nothing */
#define WORKLOAD_MSR_DEV "/dev/cpu/0/msr"
#define WORKLOAD_MSR 0x1b               /* IA32_APIC_BASE: KVM intercepts it on VMX and SVM */
#define WORKLOAD_NET_PEER "10.0.2.2"    /* L1 as QEMU's user network shows it */
#define WORKLOAD_NET_PORT 7777          /* L1's sink (lab/l1/net_sink.c, EXITLAB_NET_SINK_PORT) */
#define WORKLOAD_DISK_FILE "/var/tmp/exitlab-workload-disk"

/*
 * Runs one workload and adds what it did to result ("done", "seconds" and
 * the kind's own figures). Returns 0, or a negative errno with one line in err.
 */
int workload_run(const struct workload_spec *w, struct cpuid_source *src,
		 struct json_object *result, char *err, size_t errlen);

#endif
