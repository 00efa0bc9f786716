// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-cells: the merge of a matrix of configurations ("cells"), each a
 * directory of run directories: one exitlab-report per cell and one
 * report.md over every cell, per phase and reason, side by side.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"
#include "cli.h"
#include "report.h"
#include "stats.h"

static const char usage[] =
	"usage: exitlab-cells [--out DIR] [--no-plots] CELL_DIR...\n"
	"  Each CELL_DIR is one configuration of a matrix (its name is the cell's name)\n"
	"  and holds that cell's run directories (subdirectories with samples.jsonl).\n"
	"  Writes, as exitlab-report does, phases.csv in every run and DIR/<cell>/report.md\n"
	"  over each cell's runs (with SVG plots unless --no-plots), and DIR/report.md over\n"
	"  every cell: per phase, the exits of the total and of each reason in each cell,\n"
	"  mean ± half-width of the 95% interval over the cell's runs (Student's t; no\n"
	"  interval for a cell of one run). Cells of another vendor (VMX vs SVM) get\n"
	"  tables of their own. Default DIR: results/cells. Exit status 0, or 2 on bad\n"
	"  arguments or a cell without a readable run.\n";

struct cell {
	char name[128];
	struct run *runs;
	size_t n_runs;
};

static int load_cell(const char *dir, struct cell *c, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = strdup(dir);
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (!copy)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", basename(copy));
	r = run_dirs_in(dir, &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	if (n == 0) {
		snprintf(err, errlen, "no run directory (with samples.jsonl) in it");
		free(names);
		return -ENODATA;
	}
	c->runs = calloc(n, sizeof(*c->runs));
	for (i = 0; i < n && c->runs; i++) {
		char why[256];

		r = run_load(names[i], &c->runs[i], why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", names[i], why);
			break;
		}
		c->n_runs++;
		if (c->runs[i].arch != c->runs[0].arch) {
			snprintf(err, errlen, "%s is %s, %s is %s: one vendor per cell", names[0],
				 exit_arch_name(c->runs[0].arch), names[i],
				 exit_arch_name(c->runs[i].arch));
			r = -EINVAL;
			break;
		}
	}
	if (!c->runs)
		r = -ENOMEM;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static const char *label(enum exit_arch arch, int reason, char *buf, size_t len)
{
	if (reason < 0)
		return "total";
	return exit_reason_label(arch, (uint32_t)reason, buf, len);
}

/* A cell's exits of reason (-1: the total) in phase, over its runs that have it. */
static struct summary cell_summary(const struct cell *c, const char *phase, int reason)
{
	double *v = calloc(c->n_runs, sizeof(*v));
	struct phase_delta *d = malloc(sizeof(*d));
	struct summary s = { 0 };
	size_t i, n = 0;

	if (!v || !d)
		goto out;
	for (i = 0; i < c->n_runs; i++) {
		run_phase_delta(&c->runs[i], phase, d);
		if (!d->present)
			continue;
		v[n++] = (double)(reason < 0 ? d->total : d->count[reason]);
	}
	s = summarize(v, n);
out:
	free(v);
	free(d);
	return s;
}

static void print_summary(FILE *f, struct summary s)
{
	if (s.n == 0)
		fputs(" – |", f);
	else if (s.n == 1)
		fprintf(f, " %.0f |", s.mean);
	else
		fprintf(f, " %.0f ± %.0f |", s.mean, s.half_width);
}

struct row {
	int reason;
	double key;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->reason - y->reason;
}

static void write_arch(FILE *f, const struct cell *cells, size_t n, enum exit_arch arch)
{
	struct row *rows = calloc(REPORT_SLOTS, sizeof(*rows));
	size_t p, i, j, n_rows;

	if (!rows)
		return;
	fprintf(f, "## %s\n\n", arch == EXIT_ARCH_SVM ? "AMD SVM cells (APM exit codes)"
						     : "Intel VMX cells (SDM basic exit reasons)");
	for (p = 0; p < report_n_phases; p++) {
		const char *phase = report_phases[p];
		bool any = false;

		/* Reasons that any cell counted in this phase, most exits (any cell) first. */
		n_rows = 0;
		for (j = 0; j < REPORT_SLOTS; j++) {
			double best = 0;

			for (i = 0; i < n; i++) {
				struct summary s;

				if (cells[i].runs[0].arch != arch)
					continue;
				s = cell_summary(&cells[i], phase, (int)j);
				if (s.n)
					any = true;
				if (s.mean > best)
					best = s.mean;
			}
			if (best > 0)
				rows[n_rows++] = (struct row){ .reason = (int)j, .key = best };
		}
		if (!any)
			continue;
		qsort(rows, n_rows, sizeof(*rows), cmp_row);
		fprintf(f, "### %s\n\n| reason |", phase);
		for (i = 0; i < n; i++)
			if (cells[i].runs[0].arch == arch)
				fprintf(f, " %s |", cells[i].name);
		fputs("\n| --- |", f);
		for (i = 0; i < n; i++)
			if (cells[i].runs[0].arch == arch)
				fputs(" ---: |", f);
		fputc('\n', f);
		for (j = 0; j <= n_rows; j++) {
			int reason = j == 0 ? -1 : rows[j - 1].reason;
			char buf[64];

			fprintf(f, "| %s |", label(arch, reason, buf, sizeof(buf)));
			for (i = 0; i < n; i++)
				if (cells[i].runs[0].arch == arch)
					print_summary(f, cell_summary(&cells[i], phase, reason));
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	free(rows);
}

static int write_merged(const struct cell *cells, size_t n, const char *out)
{
	_cleanup_free_ char *path = xasprintf("%s/report.md", out);
	_cleanup_(fclosep) FILE *f = NULL;
	enum exit_arch seen[4];
	size_t n_seen = 0, i, j;

	if (mkdir_p(out, 0755) < 0)
		return -EIO;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# exitlab report over %zu cells\n\n", n);
	fputs("| cell | runs | vendor | report |\n| --- | --- | --- | --- |\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "| %s | %zu (", cells[i].name, cells[i].n_runs);
		for (j = 0; j < cells[i].n_runs; j++) {
			_cleanup_free_ char *copy = strdup(cells[i].runs[j].dir);

			fprintf(f, "%s`%s`", j ? ", " : "", copy ? basename(copy) : "?");
		}
		fprintf(f, ") | %s | [%s/report.md](%s/report.md) |\n",
			exit_arch_name(cells[i].runs[0].arch), cells[i].name, cells[i].name);
	}
	fputs("\nExits per phase, corrected for the probe's own CPUIDs: mean ± half-width of the "
	      "95% interval over the cell's runs (Student's t), or the one run's count.\n\n", f);
	for (i = 0; i < n; i++) {
		enum exit_arch a = cells[i].runs[0].arch;

		for (j = 0; j < n_seen && seen[j] != a; j++)
			;
		if (j < n_seen || n_seen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[n_seen++] = a;
		write_arch(f, cells, n, a);
	}
	return ferror(f) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	const char *out = "results/cells";
	struct cell *cells = NULL;
	bool plots;
	size_t n = 0, i, j;
	int status;

	log_init();
	status = report_cli_parse(argc, argv, "exitlab-cells", "CELL_DIR", usage, &out, &plots);
	if (status >= 0)
		return status;
	status = 2;
	cells = calloc((size_t)(argc - optind), sizeof(*cells));
	if (!cells)
		return 2;
	for (i = (size_t)optind; i < (size_t)argc; i++, n++) {
		char err[600];

		if (load_cell(argv[i], &cells[n], err, sizeof(err)) < 0) {
			fprintf(stderr, "exitlab-cells: %s: %s\n", argv[i], err);
			n++;
			goto out;
		}
		for (j = 0; j < n; j++) {
			if (!strcmp(cells[j].name, cells[n].name)) {
				fprintf(stderr, "exitlab-cells: %s: a second cell named %s\n", argv[i],
					cells[n].name);
				n++;
				goto out;
			}
		}
	}
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", out, cells[i].name);

		for (j = 0; j < cells[i].n_runs; j++) {
			if (report_write_phases_csv(&cells[i].runs[j]) < 0) {
				fprintf(stderr, "exitlab-cells: cannot write %s/phases.csv\n",
					cells[i].runs[j].dir);
				goto out;
			}
		}
		if (report_write(cells[i].runs, cells[i].n_runs, dir, plots) < 0) {
			fprintf(stderr, "exitlab-cells: cannot write %s/report.md\n", dir);
			goto out;
		}
	}
	if (write_merged(cells, n, out) < 0) {
		fprintf(stderr, "exitlab-cells: cannot write %s/report.md\n", out);
		goto out;
	}
	printf("cells: %s/report.md (%zu cells)\n", out, n);
	status = 0;
out:
	for (i = 0; i < n; i++) {
		for (j = 0; j < cells[i].n_runs; j++)
			run_free(&cells[i].runs[j]);
		free(cells[i].runs);
	}
	free(cells);
	return status;
}
