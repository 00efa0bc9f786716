// SPDX-License-Identifier: GPL-2.0-only
#include "observer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * EXITLAB_PROBE_STATE: the CPUIDs the sampler and the marks have run in
 * this VM, kept on the guest's disk so the count survives a reboot of the
 * guest (the VM's counters do too). A process holds the file's lock from
 * before its reads until it has added them, so that no other reader of the
 * counters sees the reads without the count or the reverse: counts
 * corrected with it never step back. One-shot commands (snapshot,
 * interval, workload) are a phase's work and take no part.
 * state_lock: the file, locked, or -1 without the variable or on error.
 */
int state_lock(void)
{
	const char *path = getenv("EXITLAB_PROBE_STATE");
	int fd;

	if (!path || !*path)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * Adds what this process ran since its last call to the locked state file
 * and returns the new sum; 0 without the file or on any error.
 */
uint64_t observer_sync(int fd, struct cpuid_source *src, uint64_t *flushed)
{
	unsigned long long total;
	char buf[32];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	total = strtoull(buf, NULL, 10) + (src->executed - *flushed);
	*flushed = src->executed;
	n = snprintf(buf, sizeof(buf), "%llu\n", total);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		total = 0;
	return total;
}

/*
 * The counters at a phase boundary, as a sample has them: exact where a
 * sample is up to an interval away. Only with EXITLAB_PROBE_STATE: without
 * the sampler's count of its reads they could not be corrected alike.
 */
struct json_object *observer_mark_counters(struct cpuid_source *src, const char *phase)
{
	struct json_object *o = NULL;
	uint64_t flushed = 0, others;
	enum exit_arch arch;
	char vendor[13], err[256];
	int state = state_lock();

	if (state < 0)
		return NULL;
	others = observer_sync(state, src, &flushed);
	if (leaves_discover(src, err, sizeof(err)) == 0) {
		cpuid_vendor(src, vendor);
		arch = exit_arch_from_vendor(vendor);
		if (arch != EXIT_ARCH_UNKNOWN) {
			o = leaves_sample(src, arch, phase, others);
			/* The mark's own timestamps and name say these. */
			json_object_object_del(o, "type");
			json_object_object_del(o, "phase");
			json_object_object_del(o, "realtime");
			json_object_object_del(o, "uptime");
		}
	}
	/* The discovery and vendor reads too: every CPUID this process ran. */
	observer_sync(state, src, &flushed);
	state_unlock(state);
	return o;
}
