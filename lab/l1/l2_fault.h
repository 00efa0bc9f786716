/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_L2_FAULT_H
#define EXITLAB_L2_FAULT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether L2's console shows its kernel crashed: an oops or a panic. With
 * panic=-1 L2 resets at once and boots again inside the same VM, so the run
 * would go on, its "boot" holding two boots' exits. Puts the crash's first
 * line (from "BUG:", "Oops:" or "Kernel panic", time stamp left out) in
 * ret_line.
 */
bool l2_console_crashed(const char *console, char *ret_line, size_t len);

#endif
