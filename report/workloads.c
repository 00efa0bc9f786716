// SPDX-License-Identifier: GPL-2.0-only
#include "workloads.h"

#include <stdlib.h>
#include <string.h>

size_t report_run_phases(const struct run *r, const char **ret, size_t max)
{
	size_t n = 0, p;

	for (p = 0; p < report_n_phases && n < max; p++)
		ret[n++] = report_phases[p];
	return n + run_extra_phases(r, ret + n, max - n);
}

/* Reasons by count, most first, ties by number (a phase has few). */
static size_t by_count(const struct phase_delta *d, uint32_t *ret)
{
	size_t n = 0, i, j;

	for (i = 0; i < REPORT_SLOTS; i++) {
		if (!d->count[i])
			continue;
		for (j = n; j > 0 && d->count[ret[j - 1]] < d->count[i]; j--)
			ret[j] = ret[j - 1];
		ret[j] = (uint32_t)i;
		n++;
	}
	return n;
}

#define TOP_REASONS 8

static void workload_table(FILE *f, const struct run *r, const char *phase)
{
	const struct mark *end = run_end_mark(r, phase);
	uint32_t order[REPORT_SLOTS];
	struct phase_delta d;
	double dur;
	size_t n, j;

	run_phase_delta(r, phase, &d);
	fprintf(f, "### %s\n\n", phase);
	if (!d.present) {
		fprintf(f, "No end mark: the phase did not finish.\n\n");
		return;
	}
	dur = d.end_t - d.begin_t;
	fprintf(f, "%.2f s, %llu exits (%.0f/s), counted %s.", dur, (unsigned long long)d.total,
		dur > 0 ? d.total / dur : 0.0,
		d.exact ? "by the marks themselves" : "from the nearest samples");
	if (end && end->failed)
		fprintf(f, " **Failed**: %s.", end->error[0] ? end->error : "no reason given");
	fprintf(f, "\n\n| reason | exits | share | cycles per exit | exits/s |\n"
		   "| --- | ---: | ---: | ---: | ---: |\n");
	n = by_count(&d, order);
	for (j = 0; j < n && j < TOP_REASONS; j++) {
		uint32_t i = order[j];
		const char *name = exit_reason_name(r->arch, i);

		fprintf(f, r->arch == EXIT_ARCH_SVM ? "| 0x%x %s" : "| %u %s", i, name ? name : "?");
		fprintf(f, " | %llu | %.1f%% | %.0f | %.0f |\n", (unsigned long long)d.count[i],
			d.total ? 100.0 * d.count[i] / d.total : 0.0,
			(double)d.cycles[i] / d.count[i], dur > 0 ? d.count[i] / dur : 0.0);
	}
	if (n > TOP_REASONS)
		fprintf(f, "| %zu more reasons | | | | |\n", n - TOP_REASONS);
	fprintf(f, "\n");
}

void report_section_workloads(FILE *f, const struct run *runs, size_t n_runs)
{
	const char *names[REPORT_MAX_PHASES];
	size_t n = n_runs ? run_extra_phases(&runs[0], names, REPORT_MAX_PHASES) : 0, i;

	if (!n)
		return;
	fprintf(f, "## Workload phases\n\nEach workload (`exitlab run --workload`, "
		   "`--workload-file`) as a phase of its own, in the order it ran, from `%s`. "
		   "The probe's own reads are left out.\n\n",
		runs[0].dir);
	for (i = 0; i < n; i++)
		workload_table(f, &runs[0], names[i]);
}
