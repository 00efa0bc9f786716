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
