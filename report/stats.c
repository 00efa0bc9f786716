// SPDX-License-Identifier: GPL-2.0-only
#include "stats.h"

#include <math.h>
#include <stdlib.h>

double t95(size_t df)
{
	static const double table[] = {
		0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201,  2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
		2.074,  2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
	};

	if (df == 0)
		return 0;
	return df < sizeof(table) / sizeof(table[0]) ? table[df] : 1.960;
}

struct summary summarize(const double *v, size_t n)
{
	struct summary s = { .n = n };
	double sum = 0, sq = 0;
	size_t i;

	if (n == 0)
		return s;
	for (i = 0; i < n; i++)
		sum += v[i];
	s.mean = sum / n;
	if (n < 2)
		return s;
	for (i = 0; i < n; i++)
		sq += (v[i] - s.mean) * (v[i] - s.mean);
	s.sd = sqrt(sq / (n - 1));
	s.half_width = t95(n - 1) * s.sd / sqrt((double)n);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Continued fraction of the regularized incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	int m;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	/* The fraction converges fast on this side of the mean. */
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double t_two_sided_p(double t, double df)
{
	if (!isfinite(t))
		return 0;
	return inc_beta(df / 2, 0.5, df / (df + t * t));
}

int welch(const struct summary *a, const struct summary *b, double *ret_t, double *ret_df,
	  double *ret_p)
{
	double va, vb, se2;

	if (a->n < 2 || b->n < 2)
		return -1;
	va = a->sd * a->sd / a->n;
	vb = b->sd * b->sd / b->n;
	se2 = va + vb;
	if (se2 <= 0) {
		*ret_df = (double)(a->n + b->n - 2);
		*ret_t = b->mean == a->mean ? 0 : copysign(INFINITY, b->mean - a->mean);
		*ret_p = b->mean == a->mean ? 1 : 0;
		return 0;
	}
	*ret_t = (b->mean - a->mean) / sqrt(se2);
	*ret_df = se2 * se2 /
		  ((va ? va * va / (a->n - 1) : 0) + (vb ? vb * vb / (b->n - 1) : 0));
	*ret_p = t_two_sided_p(*ret_t, *ret_df);
	return 0;
}
