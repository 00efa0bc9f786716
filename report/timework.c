// SPDX-License-Identifier: GPL-2.0-only
#include "timework.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

const char *tw_class_name(enum tw_class c)
{
	switch (c) {
	case TW_TIME:
		return "time-driven";
	case TW_WORK:
		return "work-driven";
	case TW_MIXED:
		return "mixed";
	default:
		return "too few to tell";
	}
}

/* The CV of one run's per-phase rates of a reason; -1 with fewer than two phases. */
static double phase_rate_cv(const struct phase_delta *d, size_t n_phases, uint32_t reason)
{
	double rates[16], mean;
	size_t p, k = 0;
	struct summary s;

	for (p = 0; p < n_phases && k < 16; p++) {
		double dur = d[p].end_t - d[p].begin_t;

		if (d[p].present && dur > 0)
			rates[k++] = d[p].count[reason] / dur;
	}
	if (k < 2)
		return -1;
	s = summarize(rates, k);
	mean = s.mean;
	return mean > 0 ? s.sd / mean : -1;
}

/* Least-squares slope of y on x. */
static double slope(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
	}
	return sxx > 0 ? sxy / sxx : NAN;
}

static int by_mean_desc(const void *a, const void *b)
{
	const struct tw_reason *x = a, *y = b;

	if (x->mean_count != y->mean_count)
		return x->mean_count < y->mean_count ? 1 : -1;
	return (x->reason > y->reason) - (x->reason < y->reason);
}

int timework_classify(const struct run *runs, size_t n_runs, struct tw_result *ret)
{
	struct phase_delta *d = calloc(n_runs * report_n_phases + 1, sizeof(*d));
	double *logt = calloc(n_runs + 1, sizeof(double)), *logc = calloc(n_runs + 1, sizeof(double));
	struct tw_result res = { .t_min = INFINITY };
	size_t i, p;
	uint32_t r;
	int rc = 0;

	memset(ret, 0, sizeof(*ret));
	res.v = calloc(REPORT_SLOTS, sizeof(*res.v));
	if (!d || !logt || !logc || !res.v) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n_runs; i++) {
		double t = run_last(&runs[i]) ? run_last(&runs[i])->t : 0;

		res.t_min = fmin(res.t_min, t);
		res.t_max = fmax(res.t_max, t);
		for (p = 0; p < report_n_phases; p++)
			run_phase_delta(&runs[i], report_phases[p], &d[i * report_n_phases + p]);
	}
	res.across_runs = n_runs >= 2 && res.t_min > 0 && res.t_max / res.t_min >= TW_MIN_SPEED_SPREAD;
	for (r = 0; r < REPORT_SLOTS; r++) {
		struct tw_reason x = { .reason = r, .phase_cv = -1 };
		size_t k = 0, k_cv = 0;
		double cv_sum = 0;
		bool any = false;

		for (i = 0; i < n_runs; i++) {
			const struct sample *last = run_last(&runs[i]);
			double cv;

			if (!last)
				continue;
			any = any || last->count[r] > 0;
			x.mean_count += (double)last->count[r] / n_runs;
			x.rate += last->t > 0 ? last->count[r] / last->t / n_runs : 0;
			cv = phase_rate_cv(&d[i * report_n_phases], report_n_phases, r);
			if (cv >= 0) {
				cv_sum += cv;
				k_cv++;
			}
			if (last->count[r] > 0 && last->t > 0) {
				logt[k] = log(last->t);
				logc[k] = log((double)last->count[r]);
				k++;
			}
		}
		if (!any)
			continue;
		if (k_cv)
			x.phase_cv = cv_sum / k_cv;
		/* Every run must have the reason for its elasticity to mean anything. */
		if (res.across_runs && k == n_runs) {
			x.beta = slope(logt, logc, k);
			x.has_beta = isfinite(x.beta);
		}
		if (x.mean_count < TW_MIN_EXITS)
			x.cls = TW_TOO_FEW;
		else if (x.has_beta)
			x.cls = x.beta >= TW_TIME_BETA ? TW_TIME
				: x.beta <= TW_WORK_BETA ? TW_WORK
							 : TW_MIXED;
		else if (x.phase_cv >= 0)
			x.cls = x.phase_cv <= TW_TIME_CV ? TW_TIME
				: x.phase_cv >= TW_WORK_CV ? TW_WORK
							   : TW_MIXED;
		else
			x.cls = TW_TOO_FEW;
		res.v[res.n++] = x;
	}
	qsort(res.v, res.n, sizeof(*res.v), by_mean_desc);
	*ret = res;
	res.v = NULL;
out:
	free(res.v);
	free(d);
	free(logt);
	free(logc);
	return rc;
}

void tw_result_free(struct tw_result *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static void boot_split(FILE *f, const struct run *runs, size_t n_runs, const struct tw_result *tw)
{
	double by_class[4] = { 0 }, total = 0, dur = 0;
	struct phase_delta *d = malloc(sizeof(*d));
	size_t i, j, k = 0;

	if (!d)
		return;
	for (i = 0; i < n_runs; i++) {
		run_phase_delta(&runs[i], "boot", d);
		if (!d->present)
			continue;
		k++;
		total += d->total;
		dur += d->end_t - d->begin_t;
		for (j = 0; j < tw->n; j++)
			by_class[tw->v[j].cls] += d->count[tw->v[j].reason];
	}
	free(d);
	if (!k)
		return;
	for (j = 0; j < 4; j++)
		by_class[j] /= k;
	total /= k;
	dur /= k;
	fprintf(f, "**A boot's exits, split** (%s%zu run%s with both boot marks; boot: %.1f s): "
		   "%.0f exits, of which **%.0f work-driven** (what the boot does: they would stay at "
		   "any speed), %.0f time-driven (%.0f exits/s of boot: they scale with how long the "
		   "boot takes, so a faster host has fewer), %.0f mixed and %.0f of reasons too rare "
		   "to tell. \"A full VM boot takes N exits\" holds for the work-driven part; the rest "
		   "is this machine's speed.\n\n",
		k > 1 ? "mean over " : "", k, k == 1 ? "" : "s", dur, total, by_class[TW_WORK],
		by_class[TW_TIME], dur > 0 ? by_class[TW_TIME] / dur : 0.0, by_class[TW_MIXED],
		by_class[TW_TOO_FEW]);
}

void timework_section(FILE *f, const struct run *runs, size_t n_runs)
{
	struct tw_result tw;
	char label[64];
	size_t j;

	fprintf(f, "## Which exits come with time, and which with work?\n\n");
	if (timework_classify(runs, n_runs, &tw) < 0) {
		fprintf(f, "Out of memory.\n\n");
		return;
	}
	if (tw.across_runs)
		fprintf(f, "Classified across %zu runs of different speed (L2 lived %.0f to %.0f s): "
			   "a reason whose count grows with the run's length as T^β, β ≥ %.1f, is "
			   "time-driven; β ≤ %.1f, work-driven; between, mixed.",
			n_runs, tw.t_min, tw.t_max, TW_TIME_BETA, TW_WORK_BETA);
	else
		fprintf(f, "Classified by how steady each reason's rate is over the phases, which do "
			   "very different work (%s): coefficient of variation of the per-phase rate "
			   "≤ %.1f, time-driven; ≥ %.1f, work-driven; between, mixed. Runs of different "
			   "speed would decide better (β, docs/2026-12-02-report-science.md).",
			n_runs == 1 ? "one run" : "the runs are of about one speed", TW_TIME_CV,
			TW_WORK_CV);
	fprintf(f, " Fewer than %.0f exits per run: too few to tell. Exits per second are over L2's "
		   "whole life (creation to the last sample), mean over the runs.\n\n",
		TW_MIN_EXITS);
	fprintf(f, "| reason | exits | exits/s | per-phase rate CV | β across runs | class |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (j = 0; j < tw.n; j++) {
		const struct tw_reason *x = &tw.v[j];
		const char *name = exit_reason_name(runs[0].arch, x->reason);

		snprintf(label, sizeof(label), runs[0].arch == EXIT_ARCH_SVM ? "0x%x %s" : "%u %s",
			 x->reason, name ? name : "?");
		fprintf(f, "| %s | %.0f | %.2f | ", label, x->mean_count, x->rate);
		if (x->phase_cv >= 0)
			fprintf(f, "%.2f", x->phase_cv);
		else
			fprintf(f, "–");
		if (x->has_beta)
			fprintf(f, " | %.2f", x->beta);
		else
			fprintf(f, " | –");
		fprintf(f, " | %s |\n", tw_class_name(x->cls));
	}
	fprintf(f, "\n");
	boot_split(f, runs, n_runs, &tw);
	tw_result_free(&tw);
}
