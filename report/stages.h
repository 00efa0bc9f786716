/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_STAGES_H
#define EXITLAB_REPORT_STAGES_H

#include <stdbool.h>
#include <stdio.h>

#include "timeline.h"

/*
 * L2's boots split into stages on the host timeline's clock (t: seconds
 * since L1 saw the VM), from the arrival of L2's console lines and the
 * uptimes they carry (printk stamps, the initramfs' markers, cloud-init's
 * "Up N seconds"):
 *   firmware   the VM's sight (the reset, for the second boot) to the kernel's t0,
 *              its uptime 0 on L1's clock: min(arrival - uptime) over the boot's lines
 *   kernel     t0 to the initramfs' first line
 *   initramfs  to its switch_root
 *   systemd    to cloud-init's first stage (init-local)
 *   cloud-init init-local, init, modules:config, modules:final: each to the next
 *   cloud-init done: its final stage's end to the boot's end (the reset or the VM's end)
 * A boot that ends with no reset line before the next (a panic: panic=-1
 * resets at once) ends at its last console line.
 * A boundary whose line is missing merges its two stages ("kernel + initramfs").
 */
#define STAGES_MAX 10
#define STAGES_TOP 3
#define STAGES_MAX_BOOTS 4

struct stage {
	char name[160];
	double begin, end;
	uint64_t exits;
	size_t n_top;
	uint32_t top_reason[STAGES_TOP];
	uint64_t top_count[STAGES_TOP];
};

struct boot_stages {
	double t0;     /* the kernel's uptime 0 on L1's clock; < 0: unknown */
	bool reset_seen; /* it ended with "reboot: Restarting system" */
	long oops;     /* its first "Oops:" or "Kernel panic" console line (index), or -1 */
	size_t n;
	struct stage stage[STAGES_MAX];
};

struct stages {
	size_t n_boots;
	struct boot_stages boot[STAGES_MAX_BOOTS];
};

void stages_compute(const struct timeline *tl, struct stages *ret);

/*
 * report.md's section on the boot stages of the run in dir (nothing when it
 * has no timeline.jsonl), and with plots, out_dir/timeline.svg: exits/s from
 * 0 s over both boots, each stage marked.
 */
void stages_section(FILE *f, const char *run_dir, const char *out_dir, bool plots);

#endif
