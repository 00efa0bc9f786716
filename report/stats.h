/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REPORT_STATS_H
#define EXITLAB_REPORT_STATS_H

#include <stddef.h>

struct summary {
	size_t n;
	double mean;
	double sd;         /* the sample standard deviation (n - 1); 0 when n < 2 */
	double half_width; /* of the 95% interval: Student's t, n-1 degrees of freedom; 0 when n < 2 */
};

struct summary summarize(const double *v, size_t n);

/* Two-sided 95% quantile of Student's t with df degrees of freedom. */
double t95(size_t df);

/* Median of v (sorted in place). */
double median(double *v, size_t n);

#endif
