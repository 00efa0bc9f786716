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
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "leaves.h"
#include "probe_args.h"

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

static int emit(const char *out_path, struct json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	int fd = STDOUT_FILENO, r;

	if (out_path) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "exitlab-probe: cannot open %s: %s\n", out_path, strerror(errno));
			return -errno;
		}
	}
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
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
 * tier's L2): the kernel's built-in initramfs gives /dev/console only, so
 * mount devtmpfs for the serial port the results leave on. Powers off
 * whatever happened: PID 1 returning would panic the guest instead.
 */
static int cmd_guest_init(const struct probe_args *a, struct cpuid_source *src)
{
	struct probe_args snap = *a;
	int r;

	if (getpid() == 1 && mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "exitlab-probe: cannot mount devtmpfs: %s\n", strerror(errno));
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
	char err[256];

	if (probe_args_parse(argc, argv, &args, err, sizeof(err)) < 0) {
		fprintf(stderr, "exitlab-probe: %s\n", err);
		return 2;
	}
	switch (args.command) {
	case PROBE_HELP:
		fputs(probe_usage, stdout);
		return 0;
	case PROBE_QUERY:
		return cmd_query(&args, &src);
	case PROBE_SNAPSHOT:
		return cmd_snapshot(&args, &src);
	case PROBE_INTERVAL:
		return cmd_interval(&args, &src);
	case PROBE_BENCH:
		return cmd_bench(&args, &src);
	case PROBE_GUEST_INIT:
		return cmd_guest_init(&args, &src);
	}
	return 2;
}
