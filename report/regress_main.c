// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-regress: compares a run with baseline runs per phase and reason,
 * and fails with one line per count that left its run-to-run interval.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"
#include "regress.h"

static const char usage[] =
	"usage: exitlab-regress [--k K] [--rel-floor F] [--abs-floor N] [--dispersion D]\n"
	"                       BASELINE RUN_DIR\n"
	"  Compares RUN_DIR with the baseline runs, phase by phase (boot, check, idle, io,\n"
	"  reboot) and reason by reason, the phase's total included, on the exit counts\n"
	"  of samples.jsonl corrected for the probe's own CPUIDs (as exitlab-report does).\n"
	"  BASELINE is one run directory (with samples.jsonl) or a directory of them.\n"
	"  A count is a regression when it lies outside its run-to-run interval over the\n"
	"  n baseline runs, with mean m and standard deviation s:\n"
	"      m ± max(K·s, t95(n-1)·s·sqrt(1+1/n), F·m, K·sqrt(D·m), N)\n"
	"  (t95: Student's t, two-sided 95%, so t95·s·sqrt(1+1/n) is the 95% prediction\n"
	"  interval of one more run; the s terms count from n >= 2; K·sqrt(D·m) is K\n"
	"  standard deviations of a count whose exits come in bursts of D, see\n"
	"  report/regress.h). Defaults: K = 3, F = 0.5, D = 40, N = 20. Both directions\n"
	"  count, as do a reason new to the phase and a phase the baseline has and the\n"
	"  run lacks.\n"
	"  Prints one line per regression and exits 1; exits 0 when every count is\n"
	"  inside its interval; 2 on bad arguments or unreadable runs.\n";

/* BASELINE's run directories: itself, or its subdirectories with samples.jsonl. */
static int baseline_dirs(const char *dir, char ***ret, size_t *n_ret)
{
	_cleanup_free_ char *own = xasprintf("%s/samples.jsonl", dir);
	char **v;

	if (file_exists(own)) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = strdup(dir);
		*ret = v;
		*n_ret = 1;
		return 0;
	}
	return run_dirs_in(dir, ret, n_ret);
}

static bool parse_double(const char *s, double *ret)
{
	char *end;

	errno = 0;
	*ret = strtod(s, &end);
	return !errno && end != s && !*end && *ret >= 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "rel-floor", required_argument, NULL, 'r' },
		{ "abs-floor", required_argument, NULL, 'a' },
		{ "dispersion", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct regress_opts o = {
		.k = REGRESS_DEFAULT_K,
		.rel_floor = REGRESS_DEFAULT_REL_FLOOR,
		.abs_floor = REGRESS_DEFAULT_ABS_FLOOR,
		.dispersion = REGRESS_DEFAULT_DISPERSION,
	};
	struct regress_result res = { 0 };
	struct run *base = NULL, run = { 0 };
	char **dirs = NULL, err[512];
	size_t n_dirs = 0, n_base = 0, i;
	int c, r, status = 2;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		double *dst = c == 'k' ? &o.k : c == 'r' ? &o.rel_floor : c == 'd' ? &o.dispersion
										 : &o.abs_floor;

		switch (c) {
		case 'k':
		case 'r':
		case 'a':
		case 'd':
			if (!parse_double(optarg, dst)) {
				fprintf(stderr, "exitlab-regress: --%s wants a number >= 0, not '%s'\n",
					c == 'k' ? "k" : c == 'r' ? "rel-floor" : c == 'd' ? "dispersion"
										 : "abs-floor",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "exitlab-regress: want BASELINE and RUN_DIR, got %d argument%s\n%s",
			argc - optind, argc - optind == 1 ? "" : "s", usage);
		return 2;
	}
	r = baseline_dirs(argv[optind], &dirs, &n_dirs);
	if (r < 0) {
		fprintf(stderr, "exitlab-regress: %s: %s\n", argv[optind], strerror(-r));
		return 2;
	}
	if (n_dirs == 0) {
		fprintf(stderr, "exitlab-regress: %s: no run (no samples.jsonl in it or its "
				"subdirectories)\n", argv[optind]);
		goto out;
	}
	base = calloc(n_dirs, sizeof(*base));
	if (!base)
		goto out;
	for (i = 0; i < n_dirs; i++, n_base++) {
		if (run_load(dirs[i], &base[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "exitlab-regress: %s: %s\n", dirs[i], err);
			goto out;
		}
	}
	if (run_load(argv[optind + 1], &run, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-regress: %s: %s\n", argv[optind + 1], err);
		goto out;
	}
	if (regress_compare(base, n_base, &run, &o, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-regress: %s\n", err);
		goto out;
	}
	for (i = 0; i < res.n_findings; i++) {
		char line[512];

		regress_format(&res.findings[i], run.arch, line, sizeof(line));
		printf("regression: %s\n", line);
	}
	if (res.n_findings) {
		fprintf(stderr, "exitlab-regress: %s: %zu of %zu counts outside the baseline's "
				"interval (%zu baseline run%s)\n", argv[optind + 1], res.n_findings,
			res.n_checked, n_base, n_base == 1 ? "" : "s");
		status = 1;
	} else {
		printf("exitlab-regress: %s: all %zu counts in %zu phases inside the baseline's "
		       "interval (%zu baseline run%s)\n", argv[optind + 1], res.n_checked,
		       res.n_phases, n_base, n_base == 1 ? "" : "s");
		status = 0;
	}
out:
	regress_result_free(&res);
	for (i = 0; i < n_base; i++)
		run_free(&base[i]);
	run_free(&run);
	free(base);
	for (i = 0; i < n_dirs; i++)
		free(dirs[i]);
	free(dirs);
	return status;
}
