// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-compare: two groups of runs side by side, per phase and reason,
 * with each side's interval and a test of whether the difference is more
 * than run-to-run noise (report/compare.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"
#include "compare.h"

static const char usage[] =
	"usage: exitlab-compare [--out DIR] [--no-plots] [--per-second] -a RUN... -b RUN...\n"
	"  Compares the runs given with -b (side B) against those given with -a (side A),\n"
	"  each RUN a run directory (with samples.jsonl) or a directory of them, phase by\n"
	"  phase (boot, check, idle, io, reboot, and all: the whole run) and reason by\n"
	"  reason: each side's mean with its 95% interval (Student's t), the ratio B/A,\n"
	"  and Welch's t-test (different when p < 0.05; no test when a side has one run).\n"
	"  --per-second compares each run's exits per second of the phase instead of its\n"
	"  exits, for runs of different speed (time-driven reasons, report/timework.h).\n"
	"  Writes DIR/compare.md, DIR/compare.csv and, with gnuplot, DIR/compare.svg\n"
	"  (default DIR: results/compare). Exit status 2, with one line, when a\n"
	"  directory is missing or holds no samples, or the runs are of two ISAs.\n";

struct side {
	char **dirs;
	size_t n;
};

/* A run directory, or each run directory in it. */
static int add_dirs(struct side *s, const char *dir)
{
	_cleanup_free_ char *own = xasprintf("%s/samples.jsonl", dir);
	char **found = NULL, **grown;
	size_t n = 0, i;
	int r;

	if (file_exists(own)) {
		found = calloc(1, sizeof(*found));
		if (!found)
			return -ENOMEM;
		found[n++] = strdup(dir);
	} else {
		r = run_dirs_in(dir, &found, &n);
		if (r < 0)
			return r;
		if (!n) {
			free(found);
			return -ENODATA;
		}
	}
	grown = realloc(s->dirs, (s->n + n) * sizeof(*s->dirs));
	if (!grown) {
		for (i = 0; i < n; i++)
			free(found[i]);
		free(found);
		return -ENOMEM;
	}
	s->dirs = grown;
	memcpy(s->dirs + s->n, found, n * sizeof(*found));
	s->n += n;
	free(found);
	return 0;
}

static int load_side(const struct side *s, struct run **ret)
{
	struct run *runs = calloc(s->n ? s->n : 1, sizeof(*runs));
	size_t i;

	if (!runs)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		char err[256];

		if (run_load(s->dirs[i], &runs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "exitlab-compare: %s: %s\n", s->dirs[i], err);
			while (i--)
				run_free(&runs[i]);
			free(runs);
			return -ENODATA;
		}
	}
	*ret = runs;
	return 0;
}

static void side_free(struct side *s, struct run *runs)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (runs)
			run_free(&runs[i]);
		free(s->dirs[i]);
	}
	free(s->dirs);
	free(runs);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-plots", no_argument, NULL, 'n' },
		{ "per-second", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct side sa = { 0 }, sb = { 0 };
	struct run *a = NULL, *b = NULL;
	struct compare_result res = { 0 };
	const char *out = "results/compare";
	bool plots = true, per_second = false;
	char err[512];
	int c, r, status = 2;

	log_init();
	while ((c = getopt_long(argc, argv, "a:b:", options, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'b':
			r = add_dirs(c == 'a' ? &sa : &sb, optarg);
			if (r == -ENODATA) {
				fprintf(stderr, "exitlab-compare: %s: no run (no samples.jsonl in it or "
						"its subdirectories)\n", optarg);
				goto out;
			}
			if (r < 0) {
				fprintf(stderr, "exitlab-compare: %s: %s\n", optarg, strerror(-r));
				goto out;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			plots = false;
			break;
		case 's':
			per_second = true;
			break;
		case 'h':
			fputs(usage, stdout);
			status = 0;
			goto out;
		default:
			fputs(usage, stderr);
			goto out;
		}
	}
	if (optind < argc || !sa.n || !sb.n) {
		fprintf(stderr, "exitlab-compare: want runs for both sides (-a RUN... -b RUN...)%s\n%s",
			optind < argc ? ", and no other argument" : "", usage);
		goto out;
	}
	if (load_side(&sa, &a) < 0 || load_side(&sb, &b) < 0)
		goto out;
	if (compare_runs(a, sa.n, b, sb.n, per_second, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-compare: %s\n", err);
		goto out;
	}
	if (compare_write(&res, a, sa.n, b, sb.n, out, plots) < 0) {
		fprintf(stderr, "exitlab-compare: cannot write %s/compare.md\n", out);
		status = 1;
		goto out;
	}
	printf("compare: %s/compare.md (%zu vs %zu runs, %zu of %zu tested rows different)\n", out,
	       sa.n, sb.n, res.n_significant, res.n_tested);
	status = 0;
out:
	compare_result_free(&res);
	side_free(&sa, a);
	side_free(&sb, b);
	return status;
}
