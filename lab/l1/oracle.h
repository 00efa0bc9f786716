/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_ORACLE_H
#define EXITLAB_ORACLE_H

#include <json-c/json.h>
#include <stdint.h>

#include "reasons.h"

/*
 * The oracle: KVM's own kvm:kvm_exit tracepoint in L1, recorded between two
 * marker reads the probe makes (ECX values below on leaf 0x4FFFFFFF), and
 * compared reason by reason with what the leaves answered in between.
 */
#define ORACLE_MARK_START EXITLAB_MARK_TRACE_START
#define ORACLE_MARK_END EXITLAB_MARK_TRACE_END

/* Maps kvm_exit's reason names to numbers from the event's own format file. */
struct reason_names {
	struct {
		char name[40];
		uint32_t value;
	} *entries;
	size_t n;
};

int reason_names_from_format(const char *format_text, enum exit_arch arch,
			     struct reason_names *ret);
void reason_names_free(struct reason_names *names);

/*
 * Compares two probe snapshots (schema exitlab-snapshot/1) with the trace
 * text: for every reason counted in both, the leaf's growth between its two
 * reads against the kvm_exit events of that reason between the kvm_cpuid
 * events of those two reads. Returns a JSON report, or NULL with err set.
 */
struct json_object *oracle_compare(const char *trace_text, const struct reason_names *names,
				   struct json_object *snap_a, struct json_object *snap_b,
				   unsigned vcpus, char *err, size_t errlen);

/* tracefs set-up in L1: an instance recording between the markers. */
int oracle_trace_start(const char *instance_dir, char *err, size_t errlen);
int oracle_trace_stop(const char *instance_dir);

#endif
