// SPDX-License-Identifier: GPL-2.0-only
#include "latency.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"
#include "../lab/common/vmstats.h"

#define LAT_TOP 5

static const struct vmstats *sort_stats;

static int by_count_desc(const void *a, const void *b)
{
	const struct vmstats_reason *x = &sort_stats->reasons[*(const size_t *)a];
	const struct vmstats_reason *y = &sort_stats->reasons[*(const size_t *)b];

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->reason > y->reason) - (x->reason < y->reason);
}

/* The bucket holding the q-quantile of a reason's exits. */
static unsigned quantile_bucket(const struct vmstats *s, const struct vmstats_reason *r, double q)
{
	uint64_t sum = vmstats_hist_sum(s, r), seen = 0;
	unsigned b;

	for (b = 0; b < s->buckets; b++) {
		seen += r->hist[b];
		if (sum && (double)seen >= q * (double)sum)
			return b;
	}
	return s->buckets ? s->buckets - 1 : 0;
}

static void bucket_range(const struct vmstats *s, unsigned b, char *buf, size_t len)
{
	if (b == 0)
		snprintf(buf, len, "0");
	else if (b == s->buckets - 1)
		snprintf(buf, len, "≥ 2^%u", b - 1);
	else
		snprintf(buf, len, "2^%u–2^%u", b - 1, b);
}

static int write_plot(const struct vmstats *s, enum exit_arch arch, const size_t *top, size_t n,
		      const struct cycle_unit *u, const char *dir)
{
	_cleanup_free_ char *dat = xasprintf("%s/latency.dat", dir);
	_cleanup_free_ char *gp = xasprintf("%s/latency.gp", dir);
	_cleanup_free_ char *log = xasprintf("%s/gnuplot-latency.log", dir);
	_cleanup_free_ char *cmd = xasprintf("cd '%s' && gnuplot latency.gp", dir);
	char *argv[] = { "sh", "-c", cmd, NULL };
	char buf[64];
	size_t j;
	unsigned b;
	FILE *f;

	unsigned lo = s->buckets, hi = 0;

	for (j = 0; j < n; j++)
		for (b = 1; b < s->buckets; b++)
			if (s->reasons[top[j]].hist[b]) {
				lo = b < lo ? b : lo;
				hi = b > hi ? b : hi;
			}
	f = fopen(dat, "we");
	if (!f)
		return -errno;
	/* One block per reason: bucket b's lower edge 2^(b-1) and its share of the exits. */
	for (j = 0; j < n; j++) {
		const struct vmstats_reason *r = &s->reasons[top[j]];
		uint64_t sum = vmstats_hist_sum(s, r);

		fprintf(f, "# %s\n", exit_reason_label(arch, r->reason, buf, sizeof(buf)));
		for (b = 1; b < s->buckets; b++)
			fprintf(f, "%.0f %.6f\n", ldexp(1, (int)b - 1),
				sum ? (double)r->hist[b] / sum : 0.0);
		fprintf(f, "\n\n");
	}
	fclose(f);
	f = fopen(gp, "we");
	if (!f)
		return -errno;
	fprintf(f, "set terminal svg size 960,540 dynamic font 'sans,11'\nset termoption noenhanced\n"
		   "set output 'latency.svg'\n"
		   "set title 'Handling %s per exit, most frequent reasons (host histograms)'\n"
		   "set xlabel '%s per exit (lower edge of the log2 bucket)'\n"
		   "set ylabel 'share of the reason''s exits'\nset logscale x 2\nset format x '2^%%L'\n"
		   "set grid\nset key right top\nset yrange [0:*]\n",
		u->name, u->name);
	/* Only the buckets that hold exits, and one either side. */
	if (lo <= hi)
		fprintf(f, "set xrange [%.0f:%.0f]\n", ldexp(1, (int)lo - 2 < 0 ? 0 : (int)lo - 2),
			ldexp(1, (int)hi));
	fprintf(f, "plot ");
	for (j = 0; j < n; j++)
		fprintf(f, "%s'latency.dat' index %zu using 1:2 with linespoints title '%s'",
			j ? ", " : "", j, exit_reason_label(arch, s->reasons[top[j]].reason, buf, sizeof(buf)));
	fprintf(f, "\n");
	fclose(f);
	return run_command(argv, log) == 0 ? 0 : -EIO;
}

void latency_section(FILE *f, const struct run *r, const struct cycle_unit *u,
		     const char *out_dir, bool plots)
{
	_cleanup_free_ char *path = xasprintf("%s/exit_stats.txt", r->dir), *text = NULL;
	struct vmstats s = { 0 };
	size_t top[LAT_TOP], order_n = 0, j, *order = NULL;
	enum exit_arch arch;
	char err[256], buf[320], lo[32], hi[32];

	fprintf(f, "## How long does each exit take to handle?\n\n");
	if (read_file(path, &text, NULL) < 0) {
		fprintf(f, "No `exit_stats.txt` in `%s` (the host's per-VM file with the patch's "
			   "latency histograms): no distributions.\n\n", r->dir);
		return;
	}
	if (vmstats_parse(text, &s, err, sizeof(err)) < 0) {
		fprintf(f, "`%s` cannot be read: %s.\n\n", path, err);
		return;
	}
	arch = exit_arch_from_name(s.isa);
	order = calloc(s.n_reasons ? s.n_reasons : 1, sizeof(*order));
	if (!order)
		goto out;
	for (j = 0; j < s.n_reasons; j++)
		if (s.reasons[j].count)
			order[order_n++] = j;
	sort_stats = &s;
	qsort(order, order_n, sizeof(*order), by_count_desc);
	for (j = 0; j < order_n && j < LAT_TOP; j++)
		top[j] = order[j];
	fprintf(f, "From `%s` (%llu exits of %u vCPU%s; log2 buckets of %s: bucket b holds "
		   "[2^(b−1), 2^b)). %s.\n\n",
		path, (unsigned long long)s.total, s.vcpus, s.vcpus == 1 ? "" : "s", u->name,
		cycle_unit_note(u, buf, sizeof(buf)) ? buf : "");
	fprintf(f, "| reason | exits | mean %s | median in | 90%% below the top of |\n", u->name);
	fprintf(f, "| --- | ---: | ---: | --- | --- |\n");
	for (j = 0; j < order_n && j < LAT_TOP; j++) {
		const struct vmstats_reason *x = &s.reasons[top[j]];
		char name[64];

		bucket_range(&s, quantile_bucket(&s, x, 0.5), lo, sizeof(lo));
		bucket_range(&s, quantile_bucket(&s, x, 0.9), hi, sizeof(hi));
		fprintf(f, "| %s | %llu | %.0f | %s | %s |\n", exit_reason_label(arch, x->reason, name, sizeof(name)),
			(unsigned long long)x->count, (double)x->cycles / x->count, lo, hi);
	}
	fprintf(f, "\n");
	if (plots && order_n) {
		if (write_plot(&s, arch, top, order_n < LAT_TOP ? order_n : LAT_TOP, u, out_dir) == 0)
			fprintf(f, "![latency distributions](latency.svg)\n\n");
		else
			log_error("gnuplot failed (see %s/gnuplot-latency.log): no latency plot", out_dir);
	}
out:
	free(order);
	vmstats_free(&s);
}
