/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_CLI_H
#define EXITLAB_REPORT_CLI_H

#include <stdbool.h>

/*
 * The options exitlab-report and exitlab-cells share: --out DIR, --no-plots
 * and --help, then at least one operand (named in the error, e.g. "RUN_DIR").
 * Returns -1 when the tool goes on with argv[optind..], else the exit status:
 * 0 after --help (usage on stdout), 2 for a bad option or no operand (one
 * line and the usage on stderr). ret_out is left alone unless --out is given.
 */
int report_cli_parse(int argc, char **argv, const char *program, const char *operand,
		     const char *usage, const char **ret_out, bool *ret_plots);

#endif
