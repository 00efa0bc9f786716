// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-probe: runs inside the L2 guest and reads the exitlab CPUID leaves.
 * Static, so it runs in any guest image without matching libraries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leaves.h"
#include "observer.h"
#include "probe_args.h"
#include "workloads.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A virtio-serial port takes one opener at a time: the sampler and a
 * phase's commands share it by opening per line, and retry while busy.
 */
static int open_out(const char *path)
{
	int tries, fd = -1;

	for (tries = 0; tries < 500; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EBUSY)
			break;
		usleep(10 * 1000);
	}
	return fd;
}

static int emit(const char *out_path, struct json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	char *line = malloc(len + 2);
	int fd = STDOUT_FILENO, r;

	if (!line)
		return -ENOMEM;
	memcpy(line, text, len);
	line[len] = '\n';
	if (out_path) {
		fd = open_out(out_path);
		if (fd < 0) {
			fprintf(stderr, "exitlab-probe: cannot open %s: %s\n", out_path, strerror(errno));
			free(line);
			return -errno;
		}
	}
	/* One write per line, so concurrent writers never interleave inside a line. */
	r = write_all(fd, line, len + 1);
	free(line);
	if (r == 0 && out_path)
		fsync(fd);
	if (out_path)
		close(fd);
	if (r < 0)
		fprintf(stderr, "exitlab-probe: write failed: %s\n", strerror(-r));
	return r;
}

static int cmd_query(const struct probe_args *a, struct cpuid_source *src)
{
	struct cpuid_regs r = cpuid_query(src, a->leaf, a->subleaf);

	/* The layout of `cpuid -r -l LEAF -s ECX`, for side-by-side checks. */
	printf("   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
	       a->leaf, a->subleaf, r.eax, r.ebx, r.ecx, r.edx);
	return 0;
}

static int cmd_snapshot(const struct probe_args *a, struct cpuid_source *src)
{
	struct json_object *obj = NULL;
	int r;

	r = leaves_snapshot(src, a->phase, &obj);
	if (r == -EOPNOTSUPP) {
		fprintf(stderr, "exitlab-probe: CPU vendor is neither Intel nor AMD\n");
		return 1;
	}
	if (r < 0)
		return 1;
	r = emit(a->out, obj);
	json_object_put(obj);
	return r < 0 ? 1 : 0;
}

/* Exits of several kinds for the oracle to count: CPUID, halts, disk I/O. */
static void workload(struct cpuid_source *src, unsigned seconds)
{
	static char block[65536] __attribute__((aligned(4096)));
	struct timespec start, now, nap = { .tv_nsec = 10 * 1000 * 1000 };
	int fd = open("/var/tmp/exitlab-workload", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unsigned i;

	memset(block, 0xa5, sizeof(block));
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (i = 0; i < 200; i++)
			cpuid_query(src, 0, 0);
		nanosleep(&nap, NULL);
		if (fd >= 0 && (write(fd, block, sizeof(block)) < 0 || fsync(fd) < 0)) {
			close(fd);
			fd = -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < (time_t)seconds);
	if (fd >= 0)
		close(fd);
	unlink("/var/tmp/exitlab-workload");
}

static int cmd_interval(const struct probe_args *a, struct cpuid_source *src)
{
	struct json_object *before = NULL, *after = NULL;
	int r;

	/* Marker reads: L1's trace triggers start and stop on these ECX values. */
	cpuid_query(src, EXITLAB_LEAF_TOTAL_EXITS, EXITLAB_MARK_TRACE_START);
	r = leaves_snapshot(src, "interval-a", &before);
	if (r == 0) {
		workload(src, a->seconds);
		r = leaves_snapshot(src, "interval-b", &after);
	}
	cpuid_query(src, EXITLAB_LEAF_TOTAL_EXITS, EXITLAB_MARK_TRACE_END);
	if (r == -EOPNOTSUPP)
		fprintf(stderr, "exitlab-probe: CPU vendor is neither Intel nor AMD\n");
	if (r == 0)
		r = emit(a->out, before);
	if (r == 0)
		r = emit(a->out, after);
	json_object_put(before);
	json_object_put(after);
	return r < 0 ? 1 : 0;
}

/*
 * PID 1 of a guest whose initramfs holds nothing but the probe (the Bochs
 * tier's L2). Powers off whatever happened: PID 1 returning would panic the
 * guest instead.
 */
static int cmd_guest_init(const struct probe_args *a, struct cpuid_source *src)
{
	struct probe_args snap = *a;
	int r;

	r = cmd_interval(a, src);
	if (r == 0) {
		snap.phase = "final";
		r = cmd_snapshot(&snap, src);
	}
	printf("exitlab-probe: guest-init %s\n", r == 0 ? "done" : "failed");
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return r;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *current_phase(const struct probe_args *a, char *buf, size_t len)
{
	FILE *f = a->phase_file ? fopen(a->phase_file, "re") : NULL;

	if (!f)
		return a->phase;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? buf : a->phase;
}

/*
 * The time series: one sample every interval until the duration is over or
 * SIGTERM (a shutdown) arrives; then one last sample, so a phase's end is
 * in the data.
 */
static int cmd_sample(const struct probe_args *a, struct cpuid_source *src, uint64_t *flushed)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct timespec start, next, now;
	enum exit_arch arch;
	char vendor[13];
	int r = 0;

	cpuid_vendor(src, vendor);
	arch = exit_arch_from_vendor(vendor);
	if (arch == EXIT_ARCH_UNKNOWN) {
		fprintf(stderr, "exitlab-probe: CPU vendor '%s' is neither Intel nor AMD\n", vendor);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	next = start;
	for (;;) {
		char phase_buf[64];
		const char *phase = current_phase(a, phase_buf, sizeof(phase_buf));
		int state = state_lock();
		uint64_t others = observer_sync(state, src, flushed);
		struct json_object *o;
		bool last;

		/* others counts this process's flushed CPUIDs too: take them out. */
		others = others >= *flushed ? others - *flushed : 0;
		o = leaves_sample(src, arch, phase, others);
		/* This sample's reads, in the file before a mark reads the counters. */
		observer_sync(state, src, flushed);
		state_unlock(state);
		r = emit(a->out, o);
		json_object_put(o);
		if (r < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		last = stop_requested ||
		       (a->duration_s && now.tv_sec - start.tv_sec >= (time_t)a->duration_s);
		if (last)
			break;
		next.tv_nsec += (long)(a->interval_ms % 1000) * 1000000L;
		next.tv_sec += a->interval_ms / 1000 + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		/* A signal cuts the wait short; the loop then takes the last sample. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return r < 0 ? 1 : 0;
}

static int cmd_mark(const struct probe_args *a, struct cpuid_source *src)
{
	struct json_object *o = json_object_new_object(), *counters;
	struct timespec rt, up;
	int r;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &up);
	json_object_object_add(o, "type", json_object_new_string("phase"));
	json_object_object_add(o, "phase", json_object_new_string(a->phase));
	json_object_object_add(o, "event", json_object_new_string(a->event));
	json_object_object_add(o, "realtime", json_object_new_double(rt.tv_sec + rt.tv_nsec / 1e9));
	json_object_object_add(o, "uptime", json_object_new_double(up.tv_sec + up.tv_nsec / 1e9));
	if (a->workload)
		json_object_object_add(o, "workload", json_tokener_parse(a->workload));
	if (a->result)
		json_object_object_add(o, "result", json_tokener_parse(a->result));
	counters = observer_mark_counters(src, a->phase);
	if (counters)
		json_object_object_add(o, "counters", counters);
	r = emit(a->out, o);
	json_object_put(o);
	return r < 0 ? 1 : 0;
}

/* The last bytes a program printed: enough to say why it failed. */
#define WORKLOAD_OUTPUT_KEEP 4096

/* A user's workload: its exit status, time and output (stdout and stderr, the tail). */
static int run_program(const char *path, struct json_object *result, char *err, size_t errlen)
{
	static char tail[WORKLOAD_OUTPUT_KEEP];
	size_t kept = 0;
	uint64_t total = 0;
	int pipefd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	json_object_object_add(result, "file", json_object_new_string(path));
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "exitlab-probe: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		total += (uint64_t)n;
		if ((size_t)n >= sizeof(tail)) {
			memcpy(tail, buf + n - sizeof(tail), sizeof(tail));
			kept = sizeof(tail);
		} else {
			size_t keep = kept + (size_t)n > sizeof(tail) ? sizeof(tail) - (size_t)n : kept;

			memmove(tail, tail + kept - keep, keep);
			memcpy(tail + keep, buf, (size_t)n);
			kept = keep + (size_t)n;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -errno;
		}
	json_object_object_add(result, "output", json_object_new_string_len(tail, (int)kept));
	json_object_object_add(result, "output_bytes", json_object_new_uint64(total));
	if (WIFEXITED(status)) {
		json_object_object_add(result, "exit_status", json_object_new_int(WEXITSTATUS(status)));
		if (WEXITSTATUS(status) == 0)
			return 0;
		snprintf(err, errlen, "%s exited with status %d", path, WEXITSTATUS(status));
	} else {
		json_object_object_add(result, "signal", json_object_new_int(WTERMSIG(status)));
		snprintf(err, errlen, "%s was killed by signal %d", path, WTERMSIG(status));
	}
	return -ECHILD;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One JSON line on stdout whatever happened; exit status 1 when it failed. */
static int cmd_workload(const struct probe_args *a, struct cpuid_source *src)
{
	struct json_object *result = json_object_new_object();
	char err[256] = "";
	double t0 = mono_s();
	int r;

	if (a->file) {
		r = run_program(a->file, result, err, sizeof(err));
		json_object_object_add(result, "seconds", json_object_new_double(mono_s() - t0));
	} else {
		json_object_object_add(result, "workload",
				       json_object_new_string(workload_name(a->spec.kind)));
		json_object_object_add(result, "arg", json_object_new_uint64(a->spec.arg));
		json_object_object_add(result, "unit",
				       json_object_new_string(workload_unit(a->spec.kind)));
		r = workload_run(&a->spec, src, result, err, sizeof(err));
	}
	json_object_object_add(result, "status", json_object_new_string(r == 0 ? "ok" : "failed"));
	if (r < 0) {
		json_object_object_add(result, "error", json_object_new_string(err));
		fprintf(stderr, "exitlab-probe: workload: %s\n", err);
	}
	printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(result);
	return r < 0 ? 1 : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * One line on stdout, which is the console when the probe runs as L2's
 * init: "exitlab-bench: {json}". Best of five rounds, so that one round
 * hit by a host interrupt storm does not decide the figure.
 */
static int cmd_bench(const struct probe_args *a, struct cpuid_source *src)
{
	double best = 0;
	unsigned round;
	uint32_t i;

	for (round = 0; round < 5; round++) {
		uint64_t t0 = now_ns();
		double ns;

		for (i = 0; i < a->iterations; i++)
			cpuid_query(src, 0, 0);
		ns = (double)(now_ns() - t0) / a->iterations;
		if (round == 0 || ns < best)
			best = ns;
	}
	printf("exitlab-bench: {\"leaf\":0,\"iterations\":%u,\"rounds\":5,\"best_ns_per_cpuid\":%.1f}\n",
	       a->iterations, best);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct cpuid_source src = { .cpuid = cpuid_native };
	struct probe_args args;
	uint64_t flushed = 0;
	char err[256];
	int status = 2;

	/*
	 * PID 1 of a guest whose initramfs holds nothing but the probe: the
	 * kernel's built-in initramfs gives /dev/console only.
	 */
	if (getpid() == 1 && mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "exitlab-probe: cannot mount devtmpfs: %s\n", strerror(errno));
	if (probe_args_parse(argc, argv, &args, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-probe: %s\n", err);
		return 2;
	}
	if (probe_needs_leaves(args.command) && leaves_discover(&src, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-probe: %s\n", err);
		/* As PID 1, power off rather than panic the guest. */
		if (getpid() == 1) {
			sync();
			reboot(RB_POWER_OFF);
		}
		return 2;
	}
	switch (args.command) {
	case PROBE_HELP:
		fputs(probe_usage, stdout);
		return 0;
	case PROBE_QUERY:
		status = cmd_query(&args, &src);
		break;
	case PROBE_SNAPSHOT:
		status = cmd_snapshot(&args, &src);
		break;
	case PROBE_INTERVAL:
		status = cmd_interval(&args, &src);
		break;
	case PROBE_BENCH:
		status = cmd_bench(&args, &src);
		break;
	case PROBE_GUEST_INIT:
		status = cmd_guest_init(&args, &src);
		break;
	case PROBE_SAMPLE:
		status = cmd_sample(&args, &src, &flushed);
		break;
	case PROBE_MARK:
		status = cmd_mark(&args, &src);
		break;
	case PROBE_WORKLOAD:
		status = cmd_workload(&args, &src);
		break;
	}
	return status;
}
