// SPDX-License-Identifier: GPL-2.0-only
#include "host_timeline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vmstats.h"

#define KVM_DEBUGFS "/sys/kernel/debug/kvm"
/* A console line longer than this is cut: it is a marker, not a log. */
#define LINE_MAX_KEPT 512
/* Console lines kept at most (L2's boots print a few hundred). */
#define CONSOLE_MAX_LINES 20000

/* Times to the microsecond (the bundle's size: json-c prints 17 digits). */
static struct json_object *seconds(double v, const char *fmt)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

size_t host_timeline_max_samples(unsigned timeout_s, unsigned interval_ms)
{
	size_t n;

	if (!interval_ms)
		return 0;
	/* The run's timeout plus L2's start and stop, bounded at ~a day of 100 ms samples. */
	n = ((size_t)timeout_s + 120) * 1000 / interval_ms;
	return n > 1000000 ? 1000000 : n;
}

/* QEMU's start (its /proc stat starttime) to now, on CLOCK_BOOTTIME; < 0 when unknown. */
static double process_age_s(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid), *text = NULL;
	unsigned long long start;
	const char *p;
	int field;

	if (read_file(path, &text, NULL) < 0 || !(p = strrchr(text, ')')))
		return -1;
	/* Field 22 is starttime; fields after the command name start at 3. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return -1;
	return clock_s(CLOCK_BOOTTIME) - (double)start / sysconf(_SC_CLK_TCK);
}

/* Does pid's command line hold an argument containing match? */
static bool cmdline_matches(pid_t pid, const char *match)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cmdline", (int)pid), *text = NULL;
	size_t len = 0;

	if (read_file(path, &text, &len) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		if (strstr(text + i, match))
			return true;
	return false;
}

static const char *debugfs_dir(const struct host_timeline *h)
{
	return h->debugfs ? h->debugfs : KVM_DEBUGFS;
}

/* Looks for L2's VM directory; true when found (h->vm set). */
static bool find_vm(struct host_timeline *h)
{
	_cleanup_(closedirp) DIR *d = opendir(debugfs_dir(h));
	struct dirent *de;

	while (d && (de = readdir(d))) {
		int pid, fd;
		char tail;

		if (sscanf(de->d_name, "%d-%d%c", &pid, &fd, &tail) != 2)
			continue;
		if (h->pid ? pid != h->pid : !h->match || !cmdline_matches(pid, h->match))
			continue;
		snprintf(h->vm, sizeof(h->vm), "%d-%d", pid, fd);
		h->seen_mono = clock_s(CLOCK_MONOTONIC);
		h->seen_realtime = clock_s(CLOCK_REALTIME);
		h->seen_after_s = process_age_s(pid);
		return true;
	}
	return false;
}

/* From the thread's start; host_timeline_stop() moves t = 0 to the VM's sight. */
static double now_t(const struct host_timeline *h)
{
	return clock_s(CLOCK_MONOTONIC) - h->start_mono;
}

static void add_console_line(struct host_timeline *h, double t, const char *line)
{
	struct json_object *pair;

	if (json_object_array_length(h->console) >= CONSOLE_MAX_LINES)
		return;
	pair = json_object_new_array();
	json_object_array_add(pair, seconds(t, "%.6f"));
	json_object_array_add(pair, json_object_new_string_len(line, (int)strnlen(line,
									     LINE_MAX_KEPT)));
	json_object_array_add(h->console, pair);
}

/* The same lines count as probe_output_collect() keeps in samples.jsonl: typed JSON objects. */
static void add_results_line(struct host_timeline *h, double t, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *pair;

	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "type", NULL)) {
		pair = json_object_new_array();
		json_object_array_add(pair, seconds(t, "%.6f"));
		json_object_array_add(pair, json_object_new_int64((int64_t)h->probe_typed++));
		json_object_array_add(h->probe, pair);
	}
	json_object_put(o);
}

/*
 * Reads what was appended to t->path since the last call and hands each
 * complete line (without CR LF; empty lines skipped) to add; at_end: the
 * unfinished last line too.
 */
static void tail_read(struct host_timeline *h, struct host_tail *t, bool at_end,
		      void (*add)(struct host_timeline *h, double t, const char *line))
{
	_cleanup_close_ int fd = open(t->path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;
	double when;

	if (fd < 0)
		return;
	if (lseek(fd, 0, SEEK_END) < t->offset) {
		/* Replaced or truncated: from its start again. */
		t->offset = 0;
		t->partial_len = 0;
	}
	if (lseek(fd, t->offset, SEEK_SET) < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *nbuf = realloc(t->partial, t->partial_len + (size_t)n + 1);

		if (!nbuf)
			return;
		t->partial = nbuf;
		memcpy(t->partial + t->partial_len, buf, (size_t)n);
		t->partial_len += (size_t)n;
		t->offset += n;
	}
	if (!t->partial_len)
		return;
	/* The lines were all in the file by now: this is their arrival. */
	when = now_t(h);
	t->partial[t->partial_len] = '\0';
	{
		char *line = t->partial, *nl;

		while ((nl = memchr(line, '\n', t->partial_len - (size_t)(line - t->partial))) ||
		       (at_end && *line)) {
			char *end = nl ? nl : line + strlen(line);

			*end = '\0';
			line[strcspn(line, "\r")] = '\0';
			if (*line)
				add(h, when, line);
			line = nl ? nl + 1 : end;
			if (!nl)
				break;
		}
		t->partial_len -= (size_t)(line - t->partial);
		memmove(t->partial, line, t->partial_len);
	}
}

/* The reason at position i of the file: its count changed since the last read (the order holds). */
static bool count_changed(struct host_timeline *h, size_t i, uint32_t reason, uint64_t count)
{
	if (i >= h->n_prev) {
		size_t n = i + 64;
		uint32_t *r = realloc(h->prev_reason, n * sizeof(*r));
		uint64_t *c;

		if (!r)
			return true;
		h->prev_reason = r;
		c = realloc(h->prev_count, n * sizeof(*c));
		if (!c)
			return true;
		h->prev_count = c;
		for (size_t j = h->n_prev; j < n; j++) {
			h->prev_reason[j] = UINT32_MAX;
			h->prev_count[j] = 0;
		}
		h->n_prev = n;
	}
	if (h->prev_reason[i] == reason && h->prev_count[i] == count)
		return false;
	h->prev_reason[i] = reason;
	h->prev_count[i] = count;
	/* A reason never seen has no line: the file lists every defined one, mostly at 0. */
	return count > 0;
}

/* One read of the VM's file; false when it is gone (the VM ended). */
static bool read_host(struct host_timeline *h)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/exit_stats", debugfs_dir(h), h->vm);
	char *text = NULL;
	struct vmstats s;
	struct json_object *o, *reasons;
	char err[128];
	double t = now_t(h);

	if (read_file(path, &text, NULL) < 0)
		return false;
	free(h->last_raw);
	h->last_raw = text;
	if (h->n_samples >= h->max_samples) {
		h->truncated = true;
		return true;
	}
	if (vmstats_parse(text, &s, err, sizeof(err)) < 0)
		return true;
	snprintf(h->isa, sizeof(h->isa), "%s", s.isa);
	o = json_object_new_object();
	json_object_object_add(o, "t", seconds(t, "%.6f"));
	json_object_object_add(o, "total", json_object_new_int64((int64_t)s.total));
	json_object_object_add(o, "total_cycles", json_object_new_int64((int64_t)s.total_cycles));
	reasons = json_object_new_object();
	for (size_t i = 0; i < s.n_reasons; i++) {
		const struct vmstats_reason *r = &s.reasons[i];
		char key[16];
		struct json_object *pair;

		if (!count_changed(h, i, r->reason, r->count))
			continue;
		snprintf(key, sizeof(key), "%u", r->reason);
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int64((int64_t)r->count));
		json_object_array_add(pair, json_object_new_int64((int64_t)r->cycles));
		json_object_object_add(reasons, key, pair);
	}
	json_object_object_add(o, "reasons", reasons);
	json_object_array_add(h->host, o);
	h->n_samples++;
	vmstats_free(&s);
	return true;
}

static void *host_timeline_main(void *opaque)
{
	struct host_timeline *h = opaque;
	bool gone = false;
	struct timespec next;

	if (h->cpu >= 0) {
		cpu_set_t set;

		/* Off the CPUs L2's vCPUs run on: under emulation its reads would slow L2. */
		CPU_ZERO(&set);
		CPU_SET(h->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
			log_info("L1: the host timeline shares L2's CPUs (no affinity to CPU %d)",
				 h->cpu);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!h->stop) {
		/* Files first: a host read after a line's arrival is after the line's write. */
		tail_read(h, &h->console_tail, false, add_console_line);
		tail_read(h, &h->results_tail, false, add_results_line);
		if (!h->vm[0])
			(void)find_vm(h);
		if (h->vm[0] && !gone && !read_host(h)) {
			gone = true;
			h->end_t = now_t(h);
		}
		next.tv_nsec += (long)h->interval_ms * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		/* Fallen behind (L1 busy): the next read one interval from now, not a burst. */
		if (next.tv_sec + next.tv_nsec / 1e9 < clock_s(CLOCK_MONOTONIC))
			clock_gettime(CLOCK_MONOTONIC, &next);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !h->stop)
			;
	}
	h->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

void host_timeline_start(struct host_timeline *h)
{
	h->started = false;
	if (!h->interval_ms)
		return;
	if (!h->debugfs && access(KVM_DEBUGFS, F_OK) < 0)
		(void)mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	h->stop = false;
	h->vm[0] = '\0';
	h->end_t = -1;
	h->seen_after_s = -1;
	h->start_mono = clock_s(CLOCK_MONOTONIC);
	h->host = json_object_new_array();
	h->console = json_object_new_array();
	h->probe = json_object_new_array();
	h->console_tail = (struct host_tail){ .path = h->console_path };
	h->results_tail = (struct host_tail){ .path = h->results_path };
	if (!h->max_samples)
		h->max_samples = host_timeline_max_samples(3600, h->interval_ms);
	h->started = pthread_create(&h->thread, NULL, host_timeline_main, h) == 0;
	if (!h->started) {
		log_error("L1: no host timeline thread: %s", strerror(errno));
		json_object_put(h->host);
		json_object_put(h->console);
		json_object_put(h->probe);
	}
}

static void shift_pairs(struct json_object *pairs, double shift, size_t index_offset)
{
	for (size_t i = 0; i < json_object_array_length(pairs); i++) {
		struct json_object *pair = json_object_array_get_idx(pairs, i);
		double t = json_object_get_double(json_object_array_get_idx(pair, 0));
		struct json_object *second = json_object_array_get_idx(pair, 1);

		json_object_array_put_idx(pair, 0, seconds(t - shift, "%.6f"));
		if (index_offset && json_object_is_type(second, json_type_int))
			json_object_array_put_idx(pair, 1, json_object_new_int64(
				json_object_get_int64(second) + (int64_t)index_offset));
	}
}

static void shift_host(struct json_object *host, double shift)
{
	for (size_t i = 0; i < json_object_array_length(host); i++) {
		struct json_object *o = json_object_array_get_idx(host, i), *t;

		if (json_object_object_get_ex(o, "t", &t))
			json_object_object_add(o, "t", seconds(json_object_get_double(t) - shift,
							       "%.6f"));
	}
}

void host_timeline_stop(struct host_timeline *h, struct json_object *parent, size_t index_offset)
{
	struct json_object *o;
	double shift;

	if (!h->started)
		return;
	h->stop = true;
	(void)pthread_join(h->thread, NULL);
	tail_read(h, &h->console_tail, true, add_console_line);
	tail_read(h, &h->results_tail, true, add_results_line);
	/* t = 0 is the VM's sight; lines before it (none expected) have t < 0. */
	shift = h->vm[0] ? h->seen_mono - h->start_mono : 0;
	shift_pairs(h->console, shift, 0);
	shift_pairs(h->probe, shift, index_offset);
	shift_host(h->host, shift);
	if (h->end_t >= 0)
		h->end_t -= shift;
	o = json_object_new_object();
	json_object_object_add(o, "schema", json_object_new_string("exitlab-timeline/1"));
	json_object_object_add(o, "isa", json_object_new_string(h->isa));
	json_object_object_add(o, "vm", json_object_new_string(h->vm));
	json_object_object_add(o, "interval_ms", json_object_new_int((int)h->interval_ms));
	json_object_object_add(o, "seen_after_s", h->vm[0] && h->seen_after_s >= 0
						 ? seconds(h->seen_after_s, "%.6f") : NULL);
	json_object_object_add(o, "realtime", h->vm[0] ? seconds(h->seen_realtime, "%.6f")
						     : NULL);
	json_object_object_add(o, "end_t", h->end_t >= 0 ? seconds(h->end_t, "%.6f") : NULL);
	json_object_object_add(o, "truncated", json_object_new_boolean(h->truncated));
	json_object_object_add(o, "l1_cpu_s", seconds(h->cpu_s, "%.3f"));
	json_object_object_add(o, "host", h->host);
	json_object_object_add(o, "console", h->console);
	json_object_object_add(o, "probe_lines", h->probe);
	json_object_object_add(o, "exit_stats", h->last_raw ? json_object_new_string(h->last_raw)
							    : NULL);
	json_object_object_add(parent, "host_timeline", o);
	free(h->last_raw);
	free(h->console_tail.partial);
	free(h->results_tail.partial);
	free(h->prev_reason);
	free(h->prev_count);
	h->last_raw = NULL;
	h->started = false;
	if (!h->vm[0])
		log_error("L1: L2's VM never appeared in %s: the host timeline is empty",
			  debugfs_dir(h));
	else
		log_info("L1: host timeline of VM %s: %zu reads every %u ms, seen %.2f s after QEMU "
			 "started, %.1f s of L1 CPU", h->vm, h->n_samples, h->interval_ms,
			 h->seen_after_s, h->cpu_s);
}
