// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-report: from runs' samples.jsonl, a per-phase CSV in each run and
 * one Markdown report with gnuplot plots that answers, with these numbers,
 * how exits grow, what a boot takes, which reasons dominate and what they cost.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "../lab/common/util.h"
#include "cli.h"
#include "report.h"

static const char usage[] =
	"usage: exitlab-report [--out DIR] [--no-plots] RUN_DIR...\n"
	"  writes RUN_DIR/phases.csv for each run and DIR/report.md (default DIR: the run's\n"
	"  directory, or results/report for several runs) with SVG plots by gnuplot\n";

int main(int argc, char **argv)
{
	_cleanup_free_ char *default_out = NULL;
	const char *out = NULL;
	struct run *runs = NULL;
	bool plots;
	size_t n = 0, i;
	int status = 1;

	log_init();
	status = report_cli_parse(argc, argv, "exitlab-report", "RUN_DIR", usage, &out, &plots);
	if (status >= 0)
		return status;
	status = 1;
	runs = calloc((size_t)(argc - optind), sizeof(*runs));
	if (!runs)
		return 1;
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		char err[256];
		int r = run_load(argv[i], &runs[n], err, sizeof(err));

		if (r < 0) {
			fprintf(stderr, "exitlab-report: %s: %s\n", argv[i], err);
			goto out;
		}
		if (runs[n].skipped_lines)
			fprintf(stderr, "exitlab-report: %s: skipped %zu lines that were not samples\n",
				argv[i], runs[n].skipped_lines);
		if (n && runs[n].arch != runs[0].arch) {
			fprintf(stderr, "exitlab-report: %s is %s, %s is %s: one vendor per report\n",
				runs[0].dir, exit_arch_name(runs[0].arch), argv[i],
				exit_arch_name(runs[n].arch));
			n++;
			goto out;
		}
		n++;
		if (report_write_phases_csv(&runs[n - 1]) < 0) {
			fprintf(stderr, "exitlab-report: cannot write %s/phases.csv\n", argv[i]);
			goto out;
		}
	}
	if (!out) {
		_cleanup_free_ char *copy = strdup(argv[optind]);

		default_out = n == 1 ? strdup(argv[optind])
				     : xasprintf("%s/report", dirname(copy));
		out = default_out;
	}
	if (report_write(runs, n, out, plots) < 0) {
		fprintf(stderr, "exitlab-report: cannot write %s/report.md\n", out);
		goto out;
	}
	printf("report: %s/report.md (%zu run%s)\n", out, n, n == 1 ? "" : "s");
	status = 0;
out:
	for (i = 0; i < n; i++)
		run_free(&runs[i]);
	free(runs);
	return status;
}
