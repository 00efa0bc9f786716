// SPDX-License-Identifier: GPL-2.0-only
#include "cli.h"

#include <getopt.h>
#include <stdio.h>

int report_cli_parse(int argc, char **argv, const char *program, const char *operand,
		     const char *usage, const char **ret_out, bool *ret_plots)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-plots", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	*ret_plots = true;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			*ret_out = optarg;
			break;
		case 'n':
			*ret_plots = false;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no %s given\n%s", program, operand, usage);
		return 2;
	}
	return -1;
}
