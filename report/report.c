// SPDX-License-Identifier: GPL-2.0-only
#include "report.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"
#include "stages.h"
#include "stats.h"
#include "timework.h"
#include "latency.h"
#include "units.h"
#include "workloads.h"

#define TOP 5

int report_write_phases_csv(const struct run *r)
{
	_cleanup_free_ char *path = xasprintf("%s/phases.csv", r->dir), *text = NULL;
	const char *phases[REPORT_MAX_PHASES];
	size_t len = 0, p, n_phases = report_run_phases(r, phases, REPORT_MAX_PHASES);
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "phase,reason,name,exits,cycles,cycles_per_exit,duration_s,exits_per_s\n");
	for (p = 0; p < n_phases; p++) {
		struct phase_delta d;
		double dur;
		uint32_t i;

		run_phase_delta(r, phases[p], &d);
		if (!d.present)
			continue;
		dur = d.end_t - d.begin_t;
		fprintf(f, "%s,,total,%llu,%llu,%.1f,%.3f,%.1f\n", phases[p],
			(unsigned long long)d.total, (unsigned long long)d.total_cycles,
			d.total ? (double)d.total_cycles / d.total : 0.0, dur,
			dur > 0 ? d.total / dur : 0.0);
		for (i = 0; i < REPORT_SLOTS; i++) {
			const char *name = exit_reason_name(r->arch, i);

			if (!d.count[i])
				continue;
			fprintf(f, "%s,%u,%s,%llu,%llu,%.1f,%.3f,%.1f\n", phases[p], i,
				name ? name : "", (unsigned long long)d.count[i],
				(unsigned long long)d.cycles[i], (double)d.cycles[i] / d.count[i], dur,
				dur > 0 ? d.count[i] / dur : 0.0);
		}
	}
	fclose(f);
	return write_file_atomic(path, text, len);
}

/* Reasons ordered by their count in `counts`, most first, ties by number. */
static const uint64_t *sort_key;

static int by_count_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (sort_key[x] != sort_key[y])
		return sort_key[x] < sort_key[y] ? 1 : -1;
	return (x > y) - (x < y);
}

static size_t ranked(const uint64_t *counts, uint32_t *ret)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < REPORT_SLOTS; i++)
		if (counts[i])
			ret[n++] = i;
	sort_key = counts;
	qsort(ret, n, sizeof(*ret), by_count_desc);
	return n;
}

/* "12345" for one run; "12345 ± 678" (95% interval) for several. */
static void fig(FILE *f, const double *v, size_t n, const char *fmt_one)
{
	struct summary s = summarize(v, n);

	fprintf(f, fmt_one, s.mean);
	if (n > 1) {
		fputs(" ± ", f);
		fprintf(f, fmt_one, s.half_width);
	}
}

struct interval_rate {
	double t0, t1, rate;
	const char *phase;
	uint32_t top_reason;
	uint64_t top_count;
};

/* Exits per second between consecutive samples of one boot (never across a gap). */
static size_t interval_rates(const struct run *r, struct interval_rate **ret)
{
	struct interval_rate *v = calloc(r->n_samples ? r->n_samples : 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 1; v && i < r->n_samples; i++) {
		const struct sample *a = &r->samples[i - 1], *b = &r->samples[i];
		double dt = b->t - a->t;
		uint32_t k;

		if (dt <= 0)
			continue;
		v[n] = (struct interval_rate){ .t0 = a->t, .t1 = b->t, .phase = b->phase };
		v[n].rate = (double)counter_delta(b->total, a->total) / dt;
		for (k = 0; k < REPORT_SLOTS; k++) {
			uint64_t d = counter_delta(b->count[k], a->count[k]);

			if (d > v[n].top_count) {
				v[n].top_count = d;
				v[n].top_reason = k;
			}
		}
		n++;
	}
	*ret = v;
	return n;
}

static void section_environment(FILE *f, const struct run *runs, size_t n_runs)
{
	_cleanup_free_ char *path = xasprintf("%s/env.json", runs[0].dir), *text = NULL;
	struct json_object *env, *v, *l1, *l2;
	size_t i;

	fprintf(f, "## Environment\n\n");
	fprintf(f, "Runs: %zu (", n_runs);
	for (i = 0; i < n_runs; i++)
		fprintf(f, "%s`%s`", i ? ", " : "", runs[i].dir);
	fprintf(f, "). Exit reasons are %s.\n\n",
		runs[0].arch == EXIT_ARCH_VMX ? "Intel SDM basic exit reasons (VMX)"
					      : "AMD APM exit codes (SVM)");
	if (read_file(path, &text, NULL) < 0 || !(env = json_tokener_parse(text))) {
		fprintf(f, "No env.json in the first run.\n\n");
		return;
	}
#define ROW(obj, key, label)                                                           \
	do {                                                                           \
		if ((obj) && json_object_object_get_ex((obj), (key), &v) && v)         \
			fprintf(f, "| %s | %s |\n", (label), json_object_get_string(v)); \
	} while (0)
	fprintf(f, "| what | value |\n| --- | --- |\n");
	ROW(env, "accelerator", "L1 accelerator");
	ROW(env, "l1_cpu", "L1 CPU model");
	if (!json_object_object_get_ex(env, "l1", &l1))
		l1 = NULL;
	if (!json_object_object_get_ex(env, "l2", &l2))
		l2 = NULL;
	ROW(l1, "cpu_vendor", "CPU vendor seen by L1");
	ROW(l1, "kernel", "L1 kernel");
	ROW(l2, "kernel", "L2 kernel");
	ROW(l2, "vcpus", "L2 vCPUs");
	ROW(l2, "memory_mib", "L2 memory (MiB)");
	ROW(env, "l0_qemu_version", "QEMU at L0");
	ROW(env, "l0_libvirt_version", "libvirt at L0");
	ROW(l1, "qemu_version", "QEMU in L1");
	ROW(l1, "libvirt_version", "libvirt in L1");
	ROW(env, "cycles_note", "cycles");
#undef ROW
	fprintf(f, "\n");
	json_object_put(env);
}

/* Stable rate or bursts: per phase, and the intervals far above the run's median. */
static void section_rate(FILE *f, const struct run *r, bool plots)
{
	struct interval_rate *rates = NULL;
	size_t n = interval_rates(r, &rates), i, p, bursts = 0;
	double *tmp = calloc(n ? n : 1, sizeof(double)), med;
	char label[64];

	fprintf(f, "## Do exits grow at a stable rate, or in bursts?\n\n");
	for (i = 0; i < n; i++)
		tmp[i] = rates[i].rate;
	med = median(tmp, n);
	fprintf(f, "Over %zu sampling intervals of `%s`, the median rate is %.0f exits/s.\n\n", n,
		r->dir, med);
	if (r->samples_from_marks)
		fprintf(f, "No sampler ran in L2 (`--sample-ms 0`): each interval here runs from one "
			   "phase mark to the next, too coarse to tell a burst within a phase; "
			   "the host timeline's boot stages below are L1's view at its own interval.\n\n");
	fprintf(f, "| phase | intervals | mean exits/s | coefficient of variation | max exits/s |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: |\n");
	for (p = 0; p < report_n_phases; p++) {
		double sum = 0, sq = 0, max = 0, mean, cv;
		size_t k = 0;

		for (i = 0; i < n; i++) {
			if (strcmp(rates[i].phase, report_phases[p]) != 0)
				continue;
			sum += rates[i].rate;
			max = rates[i].rate > max ? rates[i].rate : max;
			k++;
		}
		if (!k)
			continue;
		mean = sum / k;
		for (i = 0; i < n; i++)
			if (!strcmp(rates[i].phase, report_phases[p]))
				sq += (rates[i].rate - mean) * (rates[i].rate - mean);
		cv = k > 1 && mean > 0 ? sqrt(sq / (k - 1)) / mean : 0;
		fprintf(f, "| %s | %zu | %.0f | %.2f | %.0f |\n", report_phases[p], k, mean, cv, max);
	}
	fprintf(f, "\nBursts (intervals above 3× the median rate):\n\n");
	for (i = 0; i < n; i++) {
		if (med <= 0 || rates[i].rate <= 3 * med)
			continue;
		if (bursts++ < 10)
			fprintf(f, "- t = %.1f–%.1f s, phase %s: %.0f exits/s, mostly %s (%llu)\n",
				rates[i].t0, rates[i].t1, rates[i].phase, rates[i].rate,
				exit_reason_label(r->arch, rates[i].top_reason, label, sizeof(label)),
				(unsigned long long)rates[i].top_count);
	}
	if (bursts > 10)
		fprintf(f, "- … and %zu more\n", bursts - 10);
	if (!bursts)
		fprintf(f, "- none: no interval exceeds three times the median.\n");
	fprintf(f, "\n**Answer:** %s\n\n",
		bursts ? "not at a stable rate: exits come in bursts during the operations listed "
			 "above, on top of a steadier background (see the coefficient of variation "
			 "per phase)."
		       : "at a fairly stable rate: no sampling interval exceeds three times the "
			 "median.");
	if (plots)
		fprintf(f, "![cumulative exits](cumulative.svg)\n\n![exit rate](rate.svg)\n\n");
	free(tmp);
	free(rates);
}

static void section_boot(FILE *f, const struct run *runs, size_t n_runs)
{
	double *exits = calloc(n_runs, sizeof(double)), *raw = calloc(n_runs, sizeof(double));
	double *dur = calloc(n_runs, sizeof(double));
	size_t i, k = 0;

	fprintf(f, "## How many exits does a full VM boot take?\n\n");
	for (i = 0; i < n_runs; i++) {
		struct phase_delta d;
		const struct sample *s;
		double end;

		run_phase_delta(&runs[i], "boot", &d);
		if (!d.present)
			continue;
		end = d.end_t;
		s = NULL;
		for (size_t j = 0; j < runs[i].n_samples && runs[i].samples[j].t <= end; j++)
			s = &runs[i].samples[j];
		exits[k] = (double)d.total;
		raw[k] = s ? (double)s->total_raw : 0;
		dur[k] = d.end_t - d.begin_t;
		k++;
	}
	if (!k) {
		fprintf(f, "No run has both boot marks.\n\n");
	} else {
		fprintf(f, "**Answer:** ");
		fig(f, exits, k, "%.0f");
		fprintf(f, " exits from L2's creation until cloud-init finished (");
		fig(f, dur, k, "%.1f");
		fprintf(f, " s), not counting the probe's own reads (");
		fig(f, raw, k, "%.0f");
		fprintf(f, " with them)%s.\n\n",
			k > 1 ? "; mean ± half-width of the 95% interval over the runs" : "");
	}
	free(exits);
	free(raw);
	free(dur);
}

static void section_phases(FILE *f, const struct run *runs, size_t n_runs, bool plots)
{
	size_t p, i;

	fprintf(f, "## Exits per phase\n\n| phase | duration (s) | exits | exits/s | top reasons |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | --- |\n");
	for (p = 0; p < report_n_phases; p++) {
		double *tot = calloc(n_runs, sizeof(double)), *dur = calloc(n_runs, sizeof(double));
		double *rate = calloc(n_runs, sizeof(double));
		struct phase_delta d0 = { 0 };
		size_t k = 0;

		for (i = 0; i < n_runs; i++) {
			struct phase_delta d;

			run_phase_delta(&runs[i], report_phases[p], &d);
			if (!d.present)
				continue;
			if (!k)
				d0 = d;
			tot[k] = (double)d.total;
			dur[k] = d.end_t - d.begin_t;
			rate[k] = dur[k] > 0 ? tot[k] / dur[k] : 0;
			k++;
		}
		if (k) {
			uint32_t order[REPORT_SLOTS];
			size_t m = ranked(d0.count, order), j;
			char label[64];

			fprintf(f, "| %s | ", report_phases[p]);
			fig(f, dur, k, "%.1f");
			fprintf(f, " | ");
			fig(f, tot, k, "%.0f");
			fprintf(f, " | ");
			fig(f, rate, k, "%.0f");
			fprintf(f, " |");
			for (j = 0; j < m && j < 3; j++)
				fprintf(f, "%s %s (%llu)", j ? "," : "",
					exit_reason_label(runs[0].arch, order[j], label, sizeof(label)),
					(unsigned long long)d0.count[order[j]]);
			fprintf(f, " |\n");
		}
		free(tot);
		free(dur);
		free(rate);
	}
	fprintf(f, "\nPhases: boot (L2 created → cloud-init done), check (CPUID bursts, sleeps and "
		   "fsynced writes that L1's tracepoint checks), idle, io (direct disk I/O and TCP "
		   "to L1), reboot (inside the same VM). Top reasons are from the first run.\n\n");
	if (plots)
		fprintf(f, "![exits per phase](phases.svg)\n\n");
}

/* The reasons the manual defines (below REPORT_SLOTS) that never occurred in `counts`. */
static void never_seen(FILE *f, enum exit_arch arch, const uint64_t *counts)
{
	size_t defined = 0, missing = 0;
	uint32_t i;

	for (i = 0; i < REPORT_SLOTS; i++) {
		if (!exit_reason_name(arch, i))
			continue;
		defined++;
		missing += !counts[i];
	}
	fprintf(f, "**Never occurred:** %zu of the %zu reasons the %s defines%s:", missing, defined,
		arch == EXIT_ARCH_VMX ? "Intel SDM" : "AMD APM",
		arch == EXIT_ARCH_SVM ? " (0x0–0x40f; the two negative codes are not counted here)"
				      : "");
	for (i = 0, missing = 0; i < REPORT_SLOTS; i++) {
		char label[64];

		if (!exit_reason_name(arch, i) || counts[i])
			continue;
		fprintf(f, "%s %s", missing++ ? "," : "", exit_reason_label(arch, i, label, sizeof(label)));
	}
	fprintf(f, ".\n\n");
}

static void section_frequency(FILE *f, const struct run *runs, size_t n_runs, bool plots,
			      const struct cycle_unit *u)
{
	const struct sample *last = run_last(&runs[0]);
	uint32_t order[REPORT_SLOTS];
	size_t m = ranked(last->count, order), i, j;
	double *v = calloc(n_runs, sizeof(double)), *c = calloc(n_runs, sizeof(double));
	char label[64], note[320];

	fprintf(f, "## Which exit types are the most and the least frequent?\n\n");
	fprintf(f, "Over the whole life of L2 in `%s` (%llu exits without the probe's):\n\n",
		runs[0].dir, (unsigned long long)last->total);
	fprintf(f, "**Most frequent:**");
	for (j = 0; j < m && j < TOP; j++)
		fprintf(f, "%s %s: %llu", j ? ";" : "",
			exit_reason_label(runs[0].arch, order[j], label, sizeof(label)),
			(unsigned long long)last->count[order[j]]);
	fprintf(f, ".\n\n**Least frequent** (that happened at all):");
	for (j = 0; j < m && j < TOP; j++) {
		uint32_t r = order[m - 1 - j];

		fprintf(f, "%s %s: %llu", j ? ";" : "",
			exit_reason_label(runs[0].arch, r, label, sizeof(label)),
			(unsigned long long)last->count[r]);
	}
	fprintf(f, ".\n\n");
	never_seen(f, runs[0].arch, last->count);
	fprintf(f, "## What does each cost?\n\n");
	fprintf(f, "| reason | exits | share | %s | %s per exit |\n", u->name, u->name);
	fprintf(f, "| --- | ---: | ---: | ---: | ---: |\n");
	for (j = 0; j < m; j++) {
		uint32_t r = order[j];
		size_t k = 0;

		for (i = 0; i < n_runs; i++) {
			const struct sample *s = run_last(&runs[i]);

			v[k] = (double)s->count[r];
			c[k] = s->count[r] ? (double)s->cycles[r] / s->count[r] : 0;
			k++;
		}
		fprintf(f, "| %s | ", exit_reason_label(runs[0].arch, r, label, sizeof(label)));
		fig(f, v, k, "%.0f");
		fprintf(f, " | %.1f%% | %llu | ", 100.0 * last->count[r] / (last->total ? last->total : 1),
			(unsigned long long)last->cycles[r]);
		fig(f, c, k, "%.0f");
		fprintf(f, " |\n");
	}
	fprintf(f, "\nCycles are L1's TSC from KVM regaining control to the end of the exit's "
		   "handling (kvm-patch/README.md); %s%s.\n\n",
		cycle_unit_note(u, note, sizeof(note)),
		n_runs > 1 ? "; exits and cycles per exit are mean ± 95% half-width over the runs, "
			     "share and cycles are from the first run"
			   : "");
	if (plots)
		fprintf(f, "![cycles per exit](cost.svg)\n\n");
	free(v);
	free(c);
}

/* Data files and one gnuplot script; gnuplot draws the SVGs. */
static int write_plots(const struct run *r, const char *dir, const struct cycle_unit *u)
{
	const struct sample *last = run_last(r);
	uint32_t order[REPORT_SLOTS];
	size_t m = ranked(last->count, order), top = m < TOP ? m : TOP, i, j, p;
	_cleanup_free_ char *series = xasprintf("%s/series.dat", dir);
	_cleanup_free_ char *phases = xasprintf("%s/phases.dat", dir);
	_cleanup_free_ char *cost = xasprintf("%s/cost.dat", dir);
	_cleanup_free_ char *script = xasprintf("%s/plots.gp", dir);
	_cleanup_free_ char *log = xasprintf("%s/gnuplot.log", dir);
	char *argv[] = { "sh", "-c", NULL, NULL };
	_cleanup_free_ char *cmd = xasprintf("cd '%s' && gnuplot plots.gp", dir);
	char label[64];
	double typical_dt;
	FILE *f;
	int r_;

	f = fopen(series, "we");
	if (!f)
		return -errno;
	fprintf(f, "# t total");
	for (j = 0; j < top; j++)
		fprintf(f, " \"%s\"", exit_reason_label(r->arch, order[j], label, sizeof(label)));
	fprintf(f, " rate_total");
	for (j = 0; j < top; j++)
		fprintf(f, " rate_%zu", j);
	fprintf(f, "\n");
	{
		double *gaps = calloc(r->n_samples ? r->n_samples : 1, sizeof(double));

		for (i = 1; gaps && i < r->n_samples; i++)
			gaps[i - 1] = r->samples[i].t - r->samples[i - 1].t;
		typical_dt = gaps && r->n_samples > 1 ? median(gaps, r->n_samples - 1) : 0;
		free(gaps);
	}
	for (i = 0; i < r->n_samples; i++) {
		const struct sample *s = &r->samples[i], *prev = i ? &r->samples[i - 1] : NULL;
		double dt = prev ? s->t - prev->t : 0;

		/*
		 * No samples for a while (the guest rebooting): a blank line breaks the curve.
		 * Points from the marks alone are uneven by nature (a phase, then the step to the
		 * next): the curve runs through them all.
		 */
		if (!r->samples_from_marks && typical_dt > 0 && dt > 3 * typical_dt)
			fprintf(f, "\n");
		fprintf(f, "%.3f %llu", s->t, (unsigned long long)s->total);
		for (j = 0; j < top; j++)
			fprintf(f, " %llu", (unsigned long long)s->count[order[j]]);
		fprintf(f, " %.1f", dt > 0 ? counter_delta(s->total, prev->total) / dt : NAN);
		for (j = 0; j < top; j++)
			fprintf(f, " %.1f",
				dt > 0 ? counter_delta(s->count[order[j]], prev->count[order[j]]) / dt
				       : NAN);
		fprintf(f, "\n");
	}
	fclose(f);

	f = fopen(phases, "we");
	if (!f)
		return -errno;
	for (p = 0; p < report_n_phases; p++) {
		struct phase_delta d;

		run_phase_delta(r, report_phases[p], &d);
		if (!d.present)
			continue;
		fprintf(f, "%s", report_phases[p]);
		for (j = 0; j < top; j++)
			fprintf(f, " %llu", (unsigned long long)d.count[order[j]]);
		fprintf(f, "\n");
	}
	fclose(f);

	f = fopen(cost, "we");
	if (!f)
		return -errno;
	for (j = 0; j < m; j++)
		fprintf(f, "\"%s\" %.1f\n", exit_reason_label(r->arch, order[j], label, sizeof(label)),
			(double)last->cycles[order[j]] / last->count[order[j]]);
	fclose(f);

	f = fopen(script, "we");
	if (!f)
		return -errno;
	/* noenhanced: reason names are literal (CR4_WRITE, not CR4 with WRITE subscripted). */
	fprintf(f, "set terminal svg size 960,540 dynamic font 'sans,11'\n"
		   "set termoption noenhanced\nset key left top\n"
		   "set grid\nset xlabel 'seconds since L2 was created'\n");
	for (i = 0; i < r->n_marks; i++)
		if (r->marks[i].begin)
			fprintf(f, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 2 lc "
				   "'gray'\nset label '%s' at %.3f, graph 0.97 rotate left font ',9'\n",
				r->marks[i].t, r->marks[i].t, r->marks[i].phase, r->marks[i].t);
	/* From the VM's creation: the boot phase starts at 0. */
	fprintf(f, "set xrange [0:*]\n");
	fprintf(f, "set output 'cumulative.svg'\nset title 'Cumulative exits (probe reads "
		   "excluded)'\nset ylabel 'exits'\nplot 'series.dat' using 1:2 with lines lw 2 "
		   "title 'total'");
	for (j = 0; j < top; j++)
		fprintf(f, ", '' using 1:%zu with lines title '%s'", j + 3,
			exit_reason_label(r->arch, order[j], label, sizeof(label)));
	fprintf(f, "\nset output 'rate.svg'\nset title 'Exit rate between samples'\nset ylabel "
		   "'exits/s'\nset logscale y\nplot 'series.dat' using 1:%zu with lines lw 2 title "
		   "'total'", top + 3);
	for (j = 0; j < top; j++)
		fprintf(f, ", '' using 1:%zu with lines title '%s'", top + 4 + j,
			exit_reason_label(r->arch, order[j], label, sizeof(label)));
	fprintf(f, "\nunset logscale y\nunset arrow\nunset label\nset xlabel ''\n"
		   "set output 'phases.svg'\nset title 'Exits per phase, most frequent reasons'\n"
		   "set style data histograms\nset style histogram clustered\nset style fill "
		   "solid 0.8\nset ylabel 'exits'\nset logscale y\nset xrange [*:*]\n"
		   "plot 'phases.dat' using 2:xtic(1) title '%s'",
		   top ? exit_reason_label(r->arch, order[0], label, sizeof(label)) : "");
	for (j = 1; j < top; j++)
		fprintf(f, ", '' using %zu title '%s'", j + 2,
			exit_reason_label(r->arch, order[j], label, sizeof(label)));
	fprintf(f, "\nset output 'cost.svg'\nset title '%s per exit, by reason'\nset xrange "
		   "[*:*]\nset ylabel "
		   "'%s per exit (L1 TSC)'\nset style data boxes\nset boxwidth 0.7\n"
		   "set xtics rotate by -45 font ',9'\nunset key\nplot 'cost.dat' using 0:2:xtic(1) "
		   "with boxes\n", u->emulated ? "Emulated cycles" : "Cycles", u->name);
	fclose(f);
	argv[2] = cmd;
	r_ = run_command(argv, log);
	return r_ == 0 ? 0 : -EIO;
}

int report_write(const struct run *runs, size_t n_runs, const char *out_dir, bool plots)
{
	_cleanup_free_ char *path = xasprintf("%s/report.md", out_dir), *text = NULL;
	size_t len = 0;
	struct cycle_unit unit;
	FILE *f;
	int r;

	r = mkdir_p(out_dir, 0755);
	if (r < 0)
		return r;
	cycle_unit_of(&runs[0], &unit);
	if (plots) {
		r = write_plots(&runs[0], out_dir, &unit);
		if (r < 0) {
			log_error("gnuplot failed (see %s/gnuplot.log): the report has no plots",
				  out_dir);
			plots = false;
		}
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# exitlab report\n\n");
	section_environment(f, runs, n_runs);
	section_boot(f, runs, n_runs);
	timework_section(f, runs, n_runs);
	stages_section(f, runs[0].dir, out_dir, plots);
	section_rate(f, &runs[0], plots);
	section_phases(f, runs, n_runs, plots);
	section_frequency(f, runs, n_runs, plots, &unit);
	latency_section(f, &runs[0], &unit, out_dir, plots);
	report_section_workloads(f, runs, n_runs);
	fclose(f);
	return write_file_atomic(path, text, len);
}
