// SPDX-License-Identifier: GPL-2.0-only
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"

#define PLOT_TOP 12

/* Every run's deltas, per compared phase ("all" last). */
static size_t n_compared(void)
{
	return report_n_phases + 1;
}

static const char *compared_phase(size_t p)
{
	return p < report_n_phases ? report_phases[p] : COMPARE_ALL;
}

static void delta_of(const struct run *r, size_t p, struct phase_delta *ret)
{
	const struct sample *last;

	if (p < report_n_phases) {
		run_phase_delta(r, report_phases[p], ret);
		return;
	}
	memset(ret, 0, sizeof(*ret));
	last = run_last(r);
	if (!last)
		return;
	ret->present = true;
	ret->end_t = last->t;
	ret->total = last->total;
	ret->total_cycles = last->total_cycles;
	memcpy(ret->count, last->count, sizeof(ret->count));
	memcpy(ret->cycles, last->cycles, sizeof(ret->cycles));
}

/* The side's values of one slot (COMPARE_TOTAL: the total) over its runs with the phase. */
static size_t values(const struct phase_delta *d, size_t n, int32_t slot, bool per_second,
		     double *v)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		double dur = d[i].end_t - d[i].begin_t;

		/* A phase of no measured duration has no rate: that run is left out. */
		if (!d[i].present || (per_second && dur <= 0))
			continue;
		v[k] = slot == COMPARE_TOTAL ? (double)d[i].total : (double)d[i].count[slot];
		if (per_second)
			v[k] /= dur;
		k++;
	}
	return k;
}

static int push_row(struct compare_result *res, const struct compare_row *row)
{
	struct compare_row *grown = realloc(res->rows, (res->n_rows + 1) * sizeof(*res->rows));

	if (!grown)
		return -ENOMEM;
	res->rows = grown;
	res->rows[res->n_rows++] = *row;
	return 0;
}

static void fill(struct compare_row *row, const double *va, size_t na, const double *vb, size_t nb)
{
	row->a = summarize(va, na);
	row->b = summarize(vb, nb);
	row->ratio = row->a.mean > 0 ? row->b.mean / row->a.mean : INFINITY;
	row->tested = welch(&row->a, &row->b, &row->t, &row->df, &row->p) == 0;
	row->significant = row->tested && row->p < COMPARE_ALPHA;
}

static int cmp_rows(const void *x, const void *y)
{
	const struct compare_row *a = x, *b = y;
	double ma = fmax(a->a.mean, a->b.mean), mb = fmax(b->a.mean, b->b.mean);

	if (ma != mb)
		return ma < mb ? 1 : -1;
	return (a->reason > b->reason) - (a->reason < b->reason);
}

int compare_runs(const struct run *a, size_t n_a, const struct run *b, size_t n_b,
		 bool per_second, struct compare_result *ret, char *err, size_t errlen)
{
	struct compare_result res = { .per_second = per_second };
	struct phase_delta *da = NULL, *db = NULL;
	double *va = NULL, *vb = NULL;
	size_t i, p;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!n_a || !n_b) {
		snprintf(err, errlen, "side %s has no run", n_a ? "B" : "A");
		return -EINVAL;
	}
	res.arch = a[0].arch;
	for (i = 0; i < n_a + n_b; i++) {
		const struct run *x = i < n_a ? &a[i] : &b[i - n_a];

		if (x->arch != res.arch) {
			snprintf(err, errlen, "%s is %s, %s is %s: one ISA per comparison", a[0].dir,
				 exit_arch_name(res.arch), x->dir, exit_arch_name(x->arch));
			return -EINVAL;
		}
	}
	da = calloc(n_a, sizeof(*da));
	db = calloc(n_b, sizeof(*db));
	va = calloc(n_a, sizeof(*va));
	vb = calloc(n_b, sizeof(*vb));
	if (!da || !db || !va || !vb) {
		r = -ENOMEM;
		goto out;
	}
	for (p = 0; p < n_compared(); p++) {
		struct compare_row row = { .reason = COMPARE_TOTAL };
		size_t na, nb, first;
		int32_t slot;

		for (i = 0; i < n_a; i++)
			delta_of(&a[i], p, &da[i]);
		for (i = 0; i < n_b; i++)
			delta_of(&b[i], p, &db[i]);
		na = values(da, n_a, COMPARE_TOTAL, per_second, va);
		nb = values(db, n_b, COMPARE_TOTAL, per_second, vb);
		/* A phase is compared only when both sides went through it. */
		if (!na || !nb)
			continue;
		snprintf(row.phase, sizeof(row.phase), "%s", compared_phase(p));
		fill(&row, va, na, vb, nb);
		r = push_row(&res, &row);
		if (r < 0)
			goto out;
		first = res.n_rows;
		for (slot = 0; slot < REPORT_SLOTS; slot++) {
			bool any = false;

			values(da, n_a, slot, per_second, va);
			values(db, n_b, slot, per_second, vb);
			for (i = 0; i < na && !any; i++)
				any = va[i] > 0;
			for (i = 0; i < nb && !any; i++)
				any = vb[i] > 0;
			if (!any)
				continue;
			row.reason = slot;
			fill(&row, va, na, vb, nb);
			r = push_row(&res, &row);
			if (r < 0)
				goto out;
		}
		qsort(res.rows + first, res.n_rows - first, sizeof(*res.rows), cmp_rows);
	}
	for (i = 0; i < res.n_rows; i++) {
		res.n_tested += res.rows[i].tested;
		res.n_significant += res.rows[i].significant;
	}
	*ret = res;
	res.rows = NULL;
out:
	free(res.rows);
	free(da);
	free(db);
	free(va);
	free(vb);
	return r;
}

void compare_result_free(struct compare_result *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n_rows = 0;
}

static const char *label(enum exit_arch arch, int32_t reason, char *buf, size_t len)
{
	if (reason == COMPARE_TOTAL) {
		snprintf(buf, len, "total");
		return buf;
	}
	return exit_reason_label(arch, (uint32_t)reason, buf, len);
}

/* Whole exits from 10 up; a tenth below, where a mean of 0.2 is not 0 (a hundredth for rates). */
static void side_md(FILE *f, const struct summary *s, bool per_second)
{
	const char *fmt = s->mean >= 10 ? "%.0f" : per_second ? "%.2f" : "%.1f";

	fprintf(f, fmt, s->mean);
	if (s->n > 1) {
		fputs(" ± ", f);
		fprintf(f, fmt, s->half_width);
	}
}

static void verdict_md(FILE *f, const struct compare_row *row)
{
	if (!row->tested) {
		fprintf(f, "| – | – | no test (n = %zu vs %zu) |", row->a.n, row->b.n);
		return;
	}
	if (isinf(row->t))
		fprintf(f, "| ∞ | – | yes (no spread within either side) |");
	else
		fprintf(f, "| %.2f (%.1f) | %.2g | %s |", row->t, row->df, row->p,
			row->significant ? "**yes**" : "no");
}

static void runs_md(FILE *f, const char *side, const struct run *runs, size_t n)
{
	size_t i;

	fprintf(f, "- **%s**: %zu run%s (", side, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		fprintf(f, "%s`%s`", i ? ", " : "", runs[i].dir);
	fprintf(f, ")\n");
}

static void write_md(FILE *f, const struct compare_result *res, const struct run *a, size_t n_a,
		     const struct run *b, size_t n_b, bool plots)
{
	const char *phase = NULL;
	char buf[80];
	size_t i;

	fprintf(f, "# exitlab comparison: B against A\n\n");
	runs_md(f, "A", a, n_a);
	runs_md(f, "B", b, n_b);
	fprintf(f, "\n%s per phase and reason (the probe's own reads excluded), %s. Each side: "
		   "mean over its runs ± half-width of the 95%% interval (Student's t, n − 1 "
		   "degrees of freedom; a side of one run has no interval). B/A: ratio of the "
		   "means. Welch's t-test (unequal variances) of B − A: t, Welch–Satterthwaite "
		   "degrees of freedom, two-sided p; **different** when p < %.2f. A side of one run "
		   "gives no estimate of run-to-run noise, so such rows have **no test**. ",
		res->per_second ? "Exits per second of each phase (of L2's lifetime for all)" : "Exits",
		exit_arch_name(res->arch), COMPARE_ALPHA);
	if (res->n_tested)
		fprintf(f, "%zu rows tested, %zu different; at p < %.2f about %.1f of the tested "
			   "rows would be flagged by chance alone, so read a single small-count flag "
			   "with care.\n\n",
			res->n_tested, res->n_significant, COMPARE_ALPHA,
			COMPARE_ALPHA * res->n_tested);
	else
		fprintf(f, "No row tested.\n\n");
	if (plots)
		fprintf(f, "![both sides, whole run](compare.svg)\n\n");
	for (i = 0; i < res->n_rows; i++) {
		const struct compare_row *row = &res->rows[i];

		if (!phase || strcmp(phase, row->phase)) {
			phase = row->phase;
			fprintf(f, "%s## %s%s\n\n", i ? "\n" : "", phase,
				strcmp(phase, COMPARE_ALL) ? "" : " (L2's creation to the last sample)");
			fprintf(f, "| reason | A | B | B/A | Welch t (df) | p | different? |\n");
			fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
		}
		fprintf(f, "| %s | ", label(res->arch, row->reason, buf, sizeof(buf)));
		side_md(f, &row->a, res->per_second);
		fprintf(f, " | ");
		side_md(f, &row->b, res->per_second);
		if (isinf(row->ratio))
			fprintf(f, " | new ");
		else
			fprintf(f, " | %.2f ", row->ratio);
		verdict_md(f, row);
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void write_csv(FILE *f, const struct compare_result *res)
{
	size_t i;

	fprintf(f, "phase,reason,name,n_a,mean_a,half_a,n_b,mean_b,half_b,ratio,welch_t,welch_df,"
		   "p,different\n");
	for (i = 0; i < res->n_rows; i++) {
		const struct compare_row *row = &res->rows[i];
		const char *name = row->reason == COMPARE_TOTAL
					   ? "total"
					   : exit_reason_name(res->arch, (uint32_t)row->reason);

		if (row->reason == COMPARE_TOTAL)
			fprintf(f, "%s,,%s,", row->phase, name);
		else
			fprintf(f, "%s,%d,%s,", row->phase, row->reason, name ? name : "");
		fprintf(f, "%zu,%.1f,%.1f,%zu,%.1f,%.1f,", row->a.n, row->a.mean, row->a.half_width,
			row->b.n, row->b.mean, row->b.half_width);
		if (isinf(row->ratio))
			fprintf(f, "inf,");
		else
			fprintf(f, "%.4f,", row->ratio);
		if (row->tested)
			fprintf(f, "%.3f,%.1f,%.3g,%s\n", row->t, row->df, row->p,
				row->significant ? "yes" : "no");
		else
			fprintf(f, ",,,untested\n");
	}
}

/* The whole run's top reasons, both sides as bars with their 95% intervals, log scale. */
static int write_plot(const struct compare_result *res, size_t n_a, size_t n_b, const char *dir)
{
	_cleanup_free_ char *dat = xasprintf("%s/compare.dat", dir);
	_cleanup_free_ char *gp = xasprintf("%s/compare.gp", dir);
	_cleanup_free_ char *log = xasprintf("%s/gnuplot.log", dir);
	_cleanup_free_ char *cmd = xasprintf("cd '%s' && gnuplot compare.gp", dir);
	char *argv[] = { "sh", "-c", cmd, NULL };
	/* The log scale's floor: half an exit per run, or 0.005 exits/s. */
	double floor_ = res->per_second ? 0.005 : 0.5;
	char buf[80];
	size_t i, k = 0;
	FILE *f;

	f = fopen(dat, "we");
	if (!f)
		return -errno;
	fprintf(f, "# reason mean_a low_a high_a mean_b low_b high_b (clamped to %g for the "
		   "log scale)\n", floor_);
	for (i = 0; i < res->n_rows && k < PLOT_TOP; i++) {
		const struct compare_row *row = &res->rows[i];

		if (strcmp(row->phase, COMPARE_ALL) || row->reason == COMPARE_TOTAL)
			continue;
		fprintf(f, "\"%s%s\" %g %g %g %g %g %g\n",
			label(res->arch, row->reason, buf, sizeof(buf)),
			row->significant ? " *" : "", fmax(row->a.mean, floor_),
			fmax(row->a.mean - row->a.half_width, floor_), row->a.mean + row->a.half_width,
			fmax(row->b.mean, floor_), fmax(row->b.mean - row->b.half_width, floor_),
			row->b.mean + row->b.half_width);
		k++;
	}
	fclose(f);
	f = fopen(gp, "we");
	if (!f)
		return -errno;
	fprintf(f, "set terminal svg size 960,540 dynamic font 'sans,11'\n"
		   "set termoption noenhanced\n"
		   "set output 'compare.svg'\n"
		   "set title '%s over the whole run per reason: mean and 95%% interval "
		   "(* = Welch p < %.2f)'\n"
		   "set ylabel '%s (log scale; a mean or bound below %g is drawn at %g)'\n"
		   "set logscale y\nset yrange [%g:*]\nset grid ytics\n"
		   "set style data histograms\nset style histogram errorbars gap 2 lw 1\n"
		   "set style fill solid 0.7 border -1\nset bars front\n"
		   "set xtics rotate by -35 font ',9'\nset key right top\n"
		   "plot 'compare.dat' using 2:3:4:xtic(1) title 'A (%zu run%s)', '' using 5:6:7 "
		   "title 'B (%zu run%s)'\n",
		res->per_second ? "Exits per second" : "Exits", COMPARE_ALPHA,
		res->per_second ? "exits per second of the run" : "exits per run", floor_, floor_, floor_, n_a,
		n_a == 1 ? "" : "s", n_b, n_b == 1 ? "" : "s");
	fclose(f);
	return run_command(argv, log) == 0 ? 0 : -EIO;
}

int compare_write(const struct compare_result *res, const struct run *a, size_t n_a,
		  const struct run *b, size_t n_b, const char *out_dir, bool plots)
{
	_cleanup_free_ char *md = xasprintf("%s/compare.md", out_dir);
	_cleanup_free_ char *csv = xasprintf("%s/compare.csv", out_dir);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	r = mkdir_p(out_dir, 0755);
	if (r < 0)
		return r;
	if (plots && write_plot(res, n_a, n_b, out_dir) < 0) {
		log_error("gnuplot failed (see %s/gnuplot.log): the comparison has no plot", out_dir);
		plots = false;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	write_csv(f, res);
	fclose(f);
	r = write_file_atomic(csv, text, len);
	if (r < 0)
		return r;
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	write_md(f, res, a, n_a, b, n_b, plots);
	fclose(f);
	return write_file_atomic(md, text, len);
}
