// SPDX-License-Identifier: GPL-2.0-only
#include "bench_peers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent.h"
#include "child.h"
#include "perf_stats.h"
#include "util.h"
#include "vm.h"

#define KVM_EXIT_EVENT "/sys/kernel/tracing/events/kvm/kvm_exit"
#define HIST_TRIGGER "hist:keys=exit_reason"

/* Under Bochs perf's start (its events, L1's tasks and kernel maps) and write-out are slow. */
#define PERF_READY_TIMEOUT_S 300
#define PERF_STOP_TIMEOUT_S 900

static bool is_hist(const char *config)
{
	return strcmp(config, "hist") == 0;
}

static bool is_perf(const char *config)
{
	return strcmp(config, "perf") == 0;
}

bool bench_peer_is(const char *config)
{
	return is_hist(config) || is_perf(config);
}

/* A trigger file takes one command per write; a '!' before it removes it. */
static int write_trigger(const char *command)
{
	_cleanup_close_ int fd = open(KVM_EXIT_EVENT "/trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_all(fd, command, strlen(command));
}

/*
 * The perf peer: `perf kvm stat record -a`, what a researcher runs to count
 * a VM's exits by reason, system-wide over the bench L2's life. Its
 * perf.data is on L1's tmpfs (the agent's run_dir), and so is its build-id
 * cache; its output goes to the agent's tool log there. It is told when to
 * start through its control fd: "ping" is answered with "ack" only from its
 * main loop, after it has enabled its events, so L2 starts after that.
 */
struct perf_session {
	pid_t pid;       /* 0: not running */
	int ctl, ack;    /* our ends of its control and ack pipes */
	char *data, *log;
};

static struct perf_session perf_session = { .ctl = -1, .ack = -1 };

static char *tool_log_tail(const char *log)
{
	char *tail = log ? file_tail(log, 6) : NULL;

	if (tail)
		for (char *c = tail; *c; c++)
			if (*c == '\n')
				*c = ' ';
	return tail;
}

/* Ends a session whatever state it is in: SIGINT, then the group killed after timeout_s. */
static int perf_stop(struct perf_session *s, unsigned timeout_s)
{
	struct child_wait_opts wo = { .label = "perf kvm stat record", .timeout_s = timeout_s,
				      .progress_s = 60, .progress_log = s->log,
				      .interrupted = vm_interrupted };
	int r = 0;

	if (s->pid > 0) {
		(void)kill(s->pid, SIGINT);
		r = child_wait(s->pid, &wo, NULL);
		s->pid = 0;
	}
	if (s->ctl >= 0)
		(void)close(s->ctl);
	if (s->ack >= 0)
		(void)close(s->ack);
	s->ctl = s->ack = -1;
	return r;
}

static void perf_forget(struct perf_session *s)
{
	if (s->data)
		(void)unlink(s->data);
	free(s->data);
	free(s->log);
	s->data = s->log = NULL;
}

static int perf_fail(struct agent *a, struct perf_session *s, int error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Stops and forgets the session, and fails with what it printed last. */
static int perf_fail(struct agent *a, struct perf_session *s, int error, const char *fmt, ...)
{
	_cleanup_free_ char *tail = NULL, *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	(void)perf_stop(s, 10);
	tail = tool_log_tail(s->log);
	error = agent_fail(a, error, "bench: perf kvm stat record %s (its output: %s)",
			   what ? what : "failed", tail && *tail ? tail : "none");
	perf_forget(s);
	return error;
}

static void append_to_log(const char *log, const char *text)
{
	_cleanup_close_ int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0 && text)
		(void)write_all(fd, text, strlen(text));
}

/* Waits for perf's "ack" to our "ping": its events are on. */
static int perf_wait_ready(struct agent *a, struct perf_session *s)
{
	char ack[8] = "";
	size_t got = 0;

	if (write_all(s->ctl, "ping\n", 5) < 0)
		return perf_fail(a, s, -EPIPE, "took no command on its control fd");
	for (unsigned waited = 0; got < 4; waited++) {
		struct pollfd pfd = { .fd = s->ack, .events = POLLIN };
		int status;
		ssize_t n;

		if (waited >= PERF_READY_TIMEOUT_S)
			return perf_fail(a, s, -ETIMEDOUT, "did not start within %d s",
					 PERF_READY_TIMEOUT_S);
		if (vm_interrupted())
			return perf_fail(a, s, -EINTR, "was interrupted while starting");
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return perf_fail(a, s, -ECHILD, "exited before its events were on");
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(s->ack, ack + got, 4 - got);
		if (n <= 0)
			return perf_fail(a, s, -EPIPE, "closed its ack fd");
		got += (size_t)n;
	}
	if (strncmp(ack, "ack\n", 4) != 0)
		return perf_fail(a, s, -EBADMSG, "answered its control fd with something else");
	return 0;
}

static int perf_begin(struct agent *a, struct perf_session *s)
{
	_cleanup_free_ char *buildids = xasprintf("%s/perf-buildids", a->paths->run_dir);
	_cleanup_free_ char *control = NULL;
	int ctl[2] = { -1, -1 }, ack[2] = { -1, -1 }, r;

	s->data = xasprintf("%s/bench-perf.data", a->paths->run_dir);
	s->log = xasprintf("%s/tools.log", a->paths->run_dir);
	(void)unlink(s->data);
	/* The child's ends stay open across exec; ours close on it. */
	if (pipe(ctl) < 0 || pipe(ack) < 0 || fcntl(ctl[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(ack[0], F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		for (int i = 0; i < 2; i++) {
			if (ctl[i] >= 0)
				(void)close(ctl[i]);
			if (ack[i] >= 0)
				(void)close(ack[i]);
		}
		return perf_fail(a, s, r, "has no control pipes");
	}
	control = xasprintf("fd:%d,%d", ctl[0], ack[1]);
	{
		char *argv[] = { "perf", "--buildid-dir", buildids, "kvm", "-o", s->data, "stat",
				 "record", "-a", "--control", control, NULL };

		log_info("bench: perf kvm stat record -a, to %s (L1's tmpfs)", s->data);
		/* Its reader off the VMs' CPUs when they keep off CPU 0, as the others' are. */
		r = child_spawn_on_cpu(argv, s->log, agent_vm_cpuset(a) ? 0 : -1, &s->pid);
	}
	(void)close(ctl[0]);
	(void)close(ack[1]);
	s->ctl = ctl[1];
	s->ack = ack[0];
	if (r < 0) {
		s->pid = 0;
		return perf_fail(a, s, r, "did not start: %s", strerror(-r));
	}
	return perf_wait_ready(a, s);
}

/* Stops perf once L2 has ended and counts the kvm_exit events it wrote. */
static int perf_end(struct agent *a, struct perf_session *s, struct json_object *run, bool counted)
{
	char *report[] = { "perf", "report", "-i", s->data, "--stats", NULL };
	_cleanup_free_ char *out = NULL, *tail = NULL;
	uint64_t exits = 0, lost = 0;
	struct stat st;
	int r;

	r = perf_stop(s, counted ? PERF_STOP_TIMEOUT_S : 10);
	if (!counted) {
		perf_forget(s);
		return 0;
	}
	/* SIGINT ends perf record by re-raising it once the file is complete. */
	if (r != 0 && r != 128 + SIGINT)
		return perf_fail(a, s, r < 0 ? r : -ECHILD, r == -ETIMEDOUT ?
				 "did not stop within %d s" : "ended with status %d",
				 r == -ETIMEDOUT ? PERF_STOP_TIMEOUT_S : r);
	tail = tool_log_tail(s->log);
	if (stat(s->data, &st) == 0)
		json_object_object_add(run, "perf_data_bytes", json_object_new_int64(st.st_size));
	agent_add_str(run, "perf_output", tail);
	r = capture_command(report, &out);
	if (r != 0 || perf_stats_parse(out, "kvm:kvm_exit", &exits, &lost) < 0) {
		append_to_log(s->log, out);
		return perf_fail(a, s, r < 0 ? r : -EBADMSG,
				 "wrote a file `perf report --stats` could not count (status %d)", r);
	}
	if (exits == 0)
		return perf_fail(a, s, -ENODATA, "recorded no kvm_exit event");
	json_object_object_add(run, "perf_kvm_exits", json_object_new_int64((int64_t)exits));
	json_object_object_add(run, "perf_lost_chunks", json_object_new_int64((int64_t)lost));
	log_info("bench: perf kvm stat record wrote %" PRIu64 " kvm_exit events (%" PRIu64
		 " chunks lost)", exits, lost);
	perf_forget(s);
	return 0;
}

int bench_peer_begin(struct agent *a, const char *config)
{
	int r;

	if (is_perf(config))
		return perf_begin(a, &perf_session);
	if (!is_hist(config))
		return 0;
	r = write_trigger(HIST_TRIGGER);
	if (r < 0)
		return agent_fail(a, r, "bench: cannot set '%s' on kvm:kvm_exit: %s (is "
				  "CONFIG_HIST_TRIGGERS on?)", HIST_TRIGGER, strerror(-r));
	return 0;
}

int bench_peer_end(struct agent *a, const char *config, struct json_object *run, bool counted)
{
	_cleanup_free_ char *hist = NULL;
	const char *hits;
	uint64_t n;
	int r;

	if (is_perf(config))
		return perf_end(a, &perf_session, run, counted);
	if (!is_hist(config))
		return 0;
	r = read_file(KVM_EXIT_EVENT "/hist", &hist, NULL);
	/* Removed whatever the read gave: a left trigger would pin kvm.ko's events. */
	(void)write_trigger("!" HIST_TRIGGER);
	if (!counted)
		return 0;
	if (r < 0)
		return agent_fail(a, r, "bench: cannot read kvm:kvm_exit's hist: %s", strerror(-r));
	hits = strstr(hist, "Hits: ");
	if (!hits || sscanf(hits, "Hits: %" SCNu64, &n) != 1)
		return agent_fail(a, -EBADMSG, "bench: kvm:kvm_exit's hist has no total of hits");
	if (n == 0)
		return agent_fail(a, -ENODATA, "bench: the hist trigger counted no kvm_exit");
	json_object_object_add(run, "hist_hits", json_object_new_int64((int64_t)n));
	return 0;
}
