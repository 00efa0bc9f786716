/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_UNITS_H
#define EXITLAB_REPORT_UNITS_H

#include <stdbool.h>

#include "samples.h"

/*
 * What the patch's cycles are in a run, from its env.json: L1's TSC, read
 * around each exit. Under emulation (TCG, Bochs) L1's TSC is the emulator's
 * and its cycles say nothing of what hardware would spend: "emulated cycles".
 * On KVM they are real L1 TSC cycles, and time once L1's TSC frequency is
 * known (env.json "l1": "tsc_khz"; the agent does not record it yet).
 */
struct cycle_unit {
	char accelerator[16]; /* env.json's, "" when unknown */
	bool emulated;
	double tsc_khz;       /* 0: not recorded */
	const char *name;     /* "emulated cycles" or "cycles" */
};

void cycle_unit_of(const struct run *r, struct cycle_unit *ret);

/* One sentence on the unit, for the report (no trailing newline). */
const char *cycle_unit_note(const struct cycle_unit *u, char *buf, size_t len);

#endif
