// SPDX-License-Identifier: GPL-2.0-only
#include "regress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct regress_band regress_band(const double *v, size_t n, const struct regress_opts *o)
{
	struct summary s = summarize(v, n);
	struct regress_band b = { .n = n, .mean = s.mean, .sd = s.sd };

	if (n == 0)
		return b;
	b.half = fmax(o->rel_floor * b.mean, o->abs_floor);
	b.half = fmax(b.half, o->k * sqrt(o->dispersion * b.mean));
	if (n >= 2) {
		b.half = fmax(b.half, o->k * b.sd);
		b.half = fmax(b.half, t95(n - 1) * b.sd * sqrt(1.0 + 1.0 / n));
	}
	return b;
}

static int add_finding(struct regress_result *r, const struct regress_finding *f)
{
	struct regress_finding *grown =
		realloc(r->findings, (r->n_findings + 1) * sizeof(*r->findings));

	if (!grown)
		return -ENOMEM;
	r->findings = grown;
	r->findings[r->n_findings++] = *f;
	return 0;
}

static int check_one(struct regress_result *r, const char *phase, int32_t reason,
		     const double *v, size_t n, uint64_t count, const struct regress_opts *o)
{
	struct regress_finding f = { .reason = reason, .count = count };

	f.band = regress_band(v, n, o);
	r->n_checked++;
	if (fabs((double)count - f.band.mean) <= f.band.half)
		return 0;
	snprintf(f.phase, sizeof(f.phase), "%s", phase);
	return add_finding(r, &f);
}

int regress_compare(const struct run *base, size_t n_base, const struct run *run,
		    const struct regress_opts *o, struct regress_result *ret, char *err,
		    size_t errlen)
{
	struct regress_result res = { 0 };
	struct phase_delta *d = NULL, rd;
	double *v = NULL;
	size_t i, p, n;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (n_base == 0) {
		snprintf(err, errlen, "no baseline run");
		return -EINVAL;
	}
	for (i = 0; i < n_base; i++) {
		if (base[i].arch != run->arch) {
			snprintf(err, errlen, "baseline %s is %s, %s is %s: one vendor only",
				 base[i].dir, exit_arch_name(base[i].arch), run->dir,
				 exit_arch_name(run->arch));
			return -EINVAL;
		}
	}
	d = calloc(n_base, sizeof(*d));
	v = calloc(n_base, sizeof(*v));
	if (!d || !v) {
		r = -ENOMEM;
		goto out;
	}
	for (p = 0; p < report_n_phases; p++) {
		const char *phase = report_phases[p];
		size_t slot;

		/* Only the baseline runs that went through this phase. */
		for (i = 0, n = 0; i < n_base; i++) {
			run_phase_delta(&base[i], phase, &d[n]);
			if (d[n].present)
				n++;
		}
		if (n == 0)
			continue;
		res.n_phases++;
		run_phase_delta(run, phase, &rd);
		if (!rd.present) {
			struct regress_finding f = { .reason = REGRESS_TOTAL, .phase_missing = true };

			for (i = 0; i < n; i++)
				v[i] = (double)d[i].total;
			f.band = regress_band(v, n, o);
			snprintf(f.phase, sizeof(f.phase), "%s", phase);
			res.n_checked++;
			r = add_finding(&res, &f);
			if (r < 0)
				goto out;
			continue;
		}
		for (i = 0; i < n; i++)
			v[i] = (double)d[i].total;
		r = check_one(&res, phase, REGRESS_TOTAL, v, n, rd.total, o);
		if (r < 0)
			goto out;
		for (slot = 0; slot < REPORT_SLOTS; slot++) {
			bool any = rd.count[slot] > 0;

			for (i = 0; i < n; i++) {
				v[i] = (double)d[i].count[slot];
				any = any || d[i].count[slot] > 0;
			}
			if (!any)
				continue;
			r = check_one(&res, phase, (int32_t)slot, v, n, rd.count[slot], o);
			if (r < 0)
				goto out;
		}
	}
	*ret = res;
	res.findings = NULL;
out:
	free(res.findings);
	free(d);
	free(v);
	return r;
}

void regress_result_free(struct regress_result *r)
{
	free(r->findings);
	r->findings = NULL;
	r->n_findings = 0;
}

void regress_format(const struct regress_finding *f, enum exit_arch arch, char *buf, size_t len)
{
	char what[80];

	if (f->reason == REGRESS_TOTAL) {
		snprintf(what, sizeof(what), "total");
	} else {
		(void)exit_reason_label(arch, (uint32_t)f->reason, what, sizeof(what));
	}
	if (f->phase_missing) {
		snprintf(buf, len, "%s: phase missing from the run, baseline %.0f exits over %zu run%s",
			 f->phase, f->band.mean, f->band.n, f->band.n == 1 ? "" : "s");
		return;
	}
	if (f->band.mean > 0)
		snprintf(buf, len, "%s %s: %llu exits, baseline %.0f ± %.0f over %zu run%s (%+.1f%%)",
			 f->phase, what, (unsigned long long)f->count, f->band.mean, f->band.half,
			 f->band.n, f->band.n == 1 ? "" : "s",
			 100.0 * ((double)f->count - f->band.mean) / f->band.mean);
	else
		snprintf(buf, len, "%s %s: %llu exits, baseline 0 ± %.0f over %zu run%s (new)",
			 f->phase, what, (unsigned long long)f->count, f->band.half, f->band.n,
			 f->band.n == 1 ? "" : "s");
}
