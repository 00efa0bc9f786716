/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs a shell command line for the tests that drive a report tool as a user
 * would (test_cells, test_compare, test_units), printing the line, its status
 * and the start of its output, so a failed assert shows what the tool said.
 */
#ifndef EXITLAB_TEST_SHELL_H
#define EXITLAB_TEST_SHELL_H

#include "../../lab/common/util.h"

static inline int sh(const char *cmd, char **out)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	int r;

	*out = NULL;
	r = capture_command(argv, out);
	print_message("$ %s: status %d\n%.600s\n", cmd, r, *out ? *out : "");
	return r;
}

#endif
