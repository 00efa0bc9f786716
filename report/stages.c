// SPDX-License-Identifier: GPL-2.0-only
#include "stages.h"

#include <errno.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"

enum boundary {
	B_START, B_KERNEL, B_INITRAMFS, B_SWITCH_ROOT, B_INIT_LOCAL, B_INIT, B_CONFIG, B_FINAL,
	B_DONE, B_END, B_N
};

/* The stage from each boundary to the next. */
static const char *const stage_names[B_N - 1] = {
	"firmware", "kernel", "initramfs", "systemd", "cloud-init init-local", "cloud-init init",
	"cloud-init modules:config", "cloud-init modules:final", "cloud-init done",
};

/* "[   74.127675] ..." anywhere in the line (the console's escape codes come first). */
static bool printk_uptime(const char *line, double *ret)
{
	for (const char *p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		int n = 0;

		if (p[1] != ' ' && (p[1] < '0' || p[1] > '9'))
			continue;
		if (sscanf(p + 1, "%lf]%n", ret, &n) == 1 && n > 0)
			return true;
	}
	return false;
}

static bool after_number(const char *line, const char *key, double *ret)
{
	const char *p = strstr(line, key);

	return p && sscanf(p + strlen(key), "%lf", ret) == 1;
}

/* The cloud-init stage a line starts, its boundary; B_N for none. */
static enum boundary cloud_init_stage(const char *line)
{
	static const struct { const char *text; enum boundary b; } stages[] = {
		{ "running 'init-local'", B_INIT_LOCAL },
		{ "running 'init'", B_INIT },
		{ "running 'modules:config'", B_CONFIG },
		{ "running 'modules:final'", B_FINAL },
	};

	if (!strstr(line, "Cloud-init v."))
		return B_N;
	for (size_t i = 0; i < ARRAY_SIZE(stages); i++)
		if (strstr(line, stages[i].text))
			return stages[i].b;
	return B_N;
}

struct boot_marks {
	double offset;      /* min(arrival - uptime): t of uptime 0 */
	bool have_offset;
	double up[B_N];     /* each boundary's uptime; NAN: not seen */
	double reset_up;    /* the reset's uptime (the boot's end), NAN if none */
	double reset_arrival;
	double last_arrival; /* the boot's last console line */
	long oops;          /* its first "Oops:" or "Kernel panic" line (console index), or -1 */
};

static void marks_init(struct boot_marks *m)
{
	m->have_offset = false;
	m->offset = 0;
	for (size_t i = 0; i < B_N; i++)
		m->up[i] = NAN;
	m->reset_up = m->reset_arrival = m->last_arrival = NAN;
	m->oops = -1;
}

/* Each console line's uptime and what it marks, by boot. */
static size_t collect(const struct timeline *tl, struct boot_marks *boots)
{
	size_t n = 1;

	marks_init(&boots[0]);
	for (size_t i = 0; i < tl->n_console; i++) {
		const char *line = tl->console[i].line;
		struct boot_marks *m = &boots[n - 1];
		double up, printk = NAN, marker = NAN;
		enum boundary b = cloud_init_stage(line);

		if (printk_uptime(line, &up))
			printk = up;
		if (strstr(line, "exitlab-initramfs: start") && after_number(line, "uptime=", &up)) {
			/*
			 * A second start without a reset line: the boot before ended in a
			 * panic (panic=-1 resets at once), a new boot all the same.
			 */
			if (!isnan(m->up[B_INITRAMFS]) && n < STAGES_MAX_BOOTS) {
				m = &boots[n++];
				marks_init(m);
			}
			marker = m->up[B_INITRAMFS] = up;
		} else if (strstr(line, "exitlab-initramfs: switch_root") &&
			   after_number(line, "uptime=", &up)) {
			marker = m->up[B_SWITCH_ROOT] = up;
		} else if (b != B_N && isnan(m->up[b])) {
			/* Its own figure ("Up 73.56 seconds"), the stage's start; else the stamp. */
			m->up[b] = after_number(line, " Up ", &up) ? up : printk;
		} else if (isnan(m->up[B_DONE]) &&
			   ((strstr(line, "Cloud-init v.") && strstr(line, "finished at")) ||
			    strstr(line, "boot stage final"))) {
			m->up[B_DONE] = printk;
		}
		{
			double known = !isnan(marker) ? marker : printk;

			if (!isnan(known) && (!m->have_offset || tl->console[i].t - known < m->offset)) {
				m->offset = tl->console[i].t - known;
				m->have_offset = true;
			}
		}
		m->last_arrival = tl->console[i].t;
		if (m->oops < 0 && (strstr(line, "Oops:") || strstr(line, "Kernel panic")))
			m->oops = (long)i;
		if (strstr(line, "reboot: Restarting system")) {
			m->reset_up = printk;
			m->reset_arrival = tl->console[i].t;
			if (n < STAGES_MAX_BOOTS)
				marks_init(&boots[n++]);
		}
	}
	/* A reset line with nothing after it starts no boot. */
	if (n > 1 && !boots[n - 1].have_offset && isnan(boots[n - 1].up[B_INITRAMFS]))
		n--;
	return n;
}

static uint64_t delta(uint64_t later, uint64_t earlier)
{
	return later >= earlier ? later - earlier : 0;
}

static void fill_stage(const struct timeline *tl, struct stage *s)
{
	size_t a = timeline_host_at(tl, s->begin), b = timeline_host_at(tl, s->end);

	s->exits = delta(timeline_total(tl, b), timeline_total(tl, a));
	s->n_top = 0;
	for (size_t c = 0; c < tl->n_cols; c++) {
		uint32_t reason = tl->col_reason[c];
		uint64_t d = delta(timeline_count(tl, b, reason), timeline_count(tl, a, reason));
		size_t k;

		if (!d)
			continue;
		for (k = s->n_top; k > 0 && s->top_count[k - 1] < d; k--)
			if (k < STAGES_TOP) {
				s->top_reason[k] = s->top_reason[k - 1];
				s->top_count[k] = s->top_count[k - 1];
			}
		if (k < STAGES_TOP) {
			s->top_reason[k] = reason;
			s->top_count[k] = d;
			if (s->n_top < STAGES_TOP)
				s->n_top++;
		}
	}
}

static double last_t(const struct timeline *tl)
{
	if (tl->end_t >= 0)
		return tl->end_t;
	return tl->n_host ? tl->host_t[tl->n_host - 1] : 0;
}

void stages_compute(const struct timeline *tl, struct stages *ret)
{
	struct boot_marks marks[STAGES_MAX_BOOTS];
	size_t n = collect(tl, marks);
	double prev_end = 0;

	memset(ret, 0, sizeof(*ret));
	ret->n_boots = n;
	for (size_t bi = 0; bi < n; bi++) {
		struct boot_marks *m = &marks[bi];
		struct boot_stages *bs = &ret->boot[bi];
		double t[B_N];
		size_t i = 0;

		for (size_t k = 0; k < B_N; k++)
			t[k] = m->have_offset && !isnan(m->up[k]) ? m->offset + m->up[k] : NAN;
		t[B_START] = prev_end;
		t[B_KERNEL] = m->have_offset ? m->offset : NAN;
		if (!isnan(m->reset_up) && m->have_offset)
			t[B_END] = m->offset + m->reset_up;
		else if (!isnan(m->reset_arrival))
			t[B_END] = m->reset_arrival;
		else if (bi + 1 < n && !isnan(m->last_arrival))
			/* No reset line, another boot after: it ended with its last words. */
			t[B_END] = m->last_arrival;
		else
			t[B_END] = last_t(tl);
		bs->t0 = m->have_offset ? m->offset : -1;
		bs->reset_seen = !isnan(m->reset_up) || !isnan(m->reset_arrival);
		bs->oops = m->oops;
		prev_end = t[B_END];
		while (i < B_END) {
			size_t j = i + 1;
			struct stage *s = &bs->stage[bs->n];

			/* The next boundary seen, and in order; the stages between merge. */
			while (j < B_END && (isnan(t[j]) || t[j] < t[i] || t[j] > t[B_END]))
				j++;
			s->name[0] = '\0';
			if (j == B_END && j - i > 1)
				/* None of the later stages began (a crash, or a boot cut short). */
				snprintf(s->name, sizeof(s->name), "%s to the boot's end", stage_names[i]);
			else
				for (size_t k = i; k < j; k++)
					snprintf(s->name + strlen(s->name),
						 sizeof(s->name) - strlen(s->name), "%s%s",
						 k > i ? " + " : "", stage_names[k]);
			s->begin = t[i];
			s->end = t[j];
			fill_stage(tl, s);
			bs->n++;
			i = j;
		}
	}
}

/* exits/s in 1 s bins over host samples, and one marker per stage; gnuplot draws it. */
static int plot_timeline(const struct timeline *tl, const struct stages *st, const char *out_dir)
{
	_cleanup_free_ char *dat = xasprintf("%s/timeline.dat", out_dir);
	_cleanup_free_ char *gp = xasprintf("%s/timeline.gp", out_dir);
	_cleanup_free_ char *log = xasprintf("%s/gnuplot-timeline.log", out_dir);
	_cleanup_free_ char *cmd = xasprintf("cd '%s' && gnuplot timeline.gp", out_dir);
	char *argv[] = { "sh", "-c", cmd, NULL };
	FILE *f = fopen(dat, "we");
	size_t prev = 0;

	if (!f)
		return -errno;
	fprintf(f, "# t exits_per_s (1 s bins of L1's reads of exit_stats)\n");
	for (size_t i = 1; i < tl->n_host; i++) {
		double dt = tl->host_t[i] - tl->host_t[prev];

		if (dt < 1 && i + 1 < tl->n_host)
			continue;
		if (dt > 0)
			fprintf(f, "%.2f %.1f\n", (tl->host_t[i] + tl->host_t[prev]) / 2,
				delta(tl->host_total[i], tl->host_total[prev]) / dt);
		prev = i;
	}
	fclose(f);
	f = fopen(gp, "we");
	if (!f)
		return -errno;
	fprintf(f, "set terminal svg size 1200,600 dynamic font 'sans,11'\n"
		   "set termoption noenhanced\nset output 'timeline.svg'\n"
		   "set title \"L2's exits per second seen from L1 (exit_stats read every %u ms, "
		   "1 s bins), boot stages marked\"\n"
		   "set xlabel \"seconds since L1 saw L2's VM\"\nset ylabel 'exits/s'\nset grid\n"
		   "set key right top\nset xrange [0:*]\nset yrange [0:*]\n", tl->interval_ms);
	for (size_t b = 0, k = 0; b < st->n_boots; b++)
		for (size_t i = 0; i < st->boot[b].n; i++, k++) {
			const struct stage *s = &st->boot[b].stage[i];

			/*
			 * Stages seconds apart: their labels at three heights, so they do not
			 * overlap. Double quotes: names hold apostrophes, never double quotes.
			 */
			fprintf(f, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 2 lc '%s'\n"
				   "set label \"boot %zu: %s\" at %.3f, graph %.2f rotate by -90 "
				   "offset character 0.8,0 font ',8' tc '%s'\n", s->begin, s->begin,
				b % 2 ? "dark-green" : "dark-gray", b + 1, s->name, s->begin,
				0.98 - 0.3 * (double)(k % 3), b % 2 ? "dark-green" : "black");
		}
	fprintf(f, "plot 'timeline.dat' using 1:2 with lines lw 1.5 title 'all reasons'\n");
	fclose(f);
	return run_command(argv, log) == 0 ? 0 : -EIO;
}

/*
 * The phases (the probe's marks in samples.jsonl) on the host's counters: no
 * sampler needed, so runs with and without it (--sample-ms 0) compare.
 */
static void section_host_phases(FILE *f, const struct timeline *tl, const char *text)
{
	_cleanup_free_ char *copy = strdup(text);
	struct { char name[32]; double begin, end; } ph[32];
	size_t n = 0;
	char *line, *save = NULL, buf[64];

	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *v;
		const char *type, *phase, *event;
		size_t i;

		if (!o)
			continue;
		type = json_object_object_get_ex(o, "type", &v) ? json_object_get_string(v) : "";
		phase = json_object_object_get_ex(o, "phase", &v) ? json_object_get_string(v) : "";
		event = json_object_object_get_ex(o, "event", &v) ? json_object_get_string(v) : "";
		if (strcmp(type, "phase") || !json_object_object_get_ex(o, "realtime", &v)) {
			json_object_put(o);
			continue;
		}
		for (i = 0; i < n && strcmp(ph[i].name, phase); i++)
			;
		if (i == n && n < ARRAY_SIZE(ph)) {
			snprintf(ph[n].name, sizeof(ph[n].name), "%s", phase);
			ph[n].begin = ph[n].end = NAN;
			n++;
		}
		if (i < n && !strcmp(event, "begin"))
			ph[i].begin = json_object_get_double(v) - tl->realtime;
		else if (i < n && !strcmp(event, "end"))
			ph[i].end = json_object_get_double(v) - tl->realtime;
		json_object_put(o);
	}
	if (!n)
		return;
	fprintf(f, "The phases on L1's counters (their marks' times on L1's clock; no sampler "
		   "needed):\n\n| phase | begin (s) | end (s) | exits | exits/s | top reasons |\n"
		   "| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < n; i++) {
		struct stage s = { .begin = ph[i].begin < 0 ? 0 : ph[i].begin, .end = ph[i].end };

		if (isnan(ph[i].begin) || isnan(ph[i].end))
			continue;
		fill_stage(tl, &s);
		fprintf(f, "| %s | %.2f | %.2f | %" PRIu64 " | %.0f | ", ph[i].name, s.begin, s.end,
			s.exits, s.end > s.begin ? s.exits / (s.end - s.begin) : 0);
		for (size_t k = 0; k < s.n_top; k++)
			fprintf(f, "%s%s %" PRIu64, k ? ", " : "",
				exit_reason_label(tl->arch, s.top_reason[k], buf, sizeof(buf)), s.top_count[k]);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
}

static void section_check(FILE *f, const struct timeline *tl, const char *run_dir)
{
	_cleanup_free_ char *path = xasprintf("%s/samples.jsonl", run_dir), *text = NULL;
	struct timeline_check c;
	char err[256];

	if (read_file(path, &text, NULL) < 0) {
		fprintf(f, "No probe samples (samples.jsonl) to hold against the host timeline.\n\n");
		return;
	}
	section_host_phases(f, tl, text);
	if (timeline_check_samples(tl, text, &c, err, sizeof(err)) < 0) {
		fprintf(f, "The probe's samples could not be checked: %s.\n\n", err);
		return;
	}
	fprintf(f, "Each probe sample against the host timeline (its counts between L1's read "
		   "%.1f s before its read and L1's first read after its line arrived): %zu of %zu "
		   "samples checked, %zu outside their bracket%s%s; %zu not bracketed (no L1 read "
		   "after their arrival). Arrival minus the guest's read time: %.3f to %.3f s; the "
		   "probe's CPUID count fell short of L1's next read by at most %" PRIu64
		   " (its own later reads and other CPUIDs in between).\n\n",
		   TIMELINE_CHECK_MARGIN_S, c.checked, c.samples, c.failed,
		   c.failed ? ": the first, " : "", c.failed ? c.first_failure : "", c.unbracketed,
		   c.latency_min, c.latency_max, c.cpuid_slack_max);
}

void stages_section(FILE *f, const char *run_dir, const char *out_dir, bool plots)
{
	struct timeline tl;
	struct stages st;
	char err[256], buf[64];

	if (timeline_load(run_dir, &tl, err, sizeof(err)) < 0)
		return;
	stages_compute(&tl, &st);
	fprintf(f, "## Boot stages, seen from L1\n\n");
	fprintf(f, "L1 read L2's VM's exit_stats (KVM's debugfs, no exit caused) every %u ms, "
		   "from %.2f s after L2's QEMU started (when its VM appeared) to its end: %zu "
		   "reads. t is seconds since then. A boot's kernel starts (its uptime 0) at the "
		   "earliest console line's arrival minus the uptime it carries; the stages end at "
		   "the initramfs' markers, cloud-init's stages and the reset.\n\n",
		   tl.interval_ms, tl.seen_after_s, tl.n_host);
	for (size_t i = 0; i < tl.n_host; i++)
		if (tl.host_total[i] > 0) {
			/* libvirt creates the VM paused: its first exit says when its vCPU first ran. */
			fprintf(f, "The VM's first exit was counted by L1's read at t = %.2f s.\n\n",
				tl.host_t[i]);
			break;
		}
	for (size_t b = 0; b < st.n_boots; b++) {
		fprintf(f, "Boot %zu (kernel at t = %.2f s)", b + 1, st.boot[b].t0);
		if (st.boot[b].oops >= 0)
			fprintf(f, ", its kernel oopsed (`%.100s`)",
				tl.console[st.boot[b].oops].line);
		if (!st.boot[b].reset_seen && b + 1 < st.n_boots)
			fprintf(f, ", ended without a reset line: at its last console line, then "
				   "rebooted (panic=-1)");
		fprintf(f, ":\n\n| stage | begin (s) | end (s) | "
			   "seconds | exits | exits/s | top reasons |\n| --- | ---: | ---: | ---: | "
			   "---: | ---: | --- |\n");
		for (size_t i = 0; i < st.boot[b].n; i++) {
			const struct stage *s = &st.boot[b].stage[i];
			double secs = s->end - s->begin;

			fprintf(f, "| %s | %.2f | %.2f | %.2f | %" PRIu64 " | %.0f | ", s->name,
				s->begin, s->end, secs, s->exits, secs > 0 ? s->exits / secs : 0);
			for (size_t k = 0; k < s->n_top; k++)
				fprintf(f, "%s%s %" PRIu64, k ? ", " : "",
					exit_reason_label(tl.arch, s->top_reason[k], buf, sizeof(buf)),
					s->top_count[k]);
			fprintf(f, " |\n");
		}
		fprintf(f, "\n");
	}
	section_check(f, &tl, run_dir);
	if (plots) {
		if (plot_timeline(&tl, &st, out_dir) == 0)
			fprintf(f, "![exits per second from L1, boot stages marked](timeline.svg)\n\n");
		else
			fprintf(f, "(the timeline plot failed: gnuplot-timeline.log)\n\n");
	}
	timeline_free(&tl);
}
