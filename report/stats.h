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

/*
 * Welch's unequal-variance t-test of two summaries (each n >= 2): t of
 * b.mean - a.mean, Welch-Satterthwaite degrees of freedom, two-sided p.
 * -1 when a side has fewer than 2 values (no test); with no spread in
 * either side, p is 1 for equal means and 0 otherwise (t infinite).
 */
int welch(const struct summary *a, const struct summary *b, double *ret_t, double *ret_df,
	  double *ret_p);

/* Two-sided p of Student's t with df (> 0, not necessarily whole) degrees of freedom. */
double t_two_sided_p(double t, double df);

#endif
