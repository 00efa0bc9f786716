// SPDX-License-Identifier: GPL-2.0-only
#include "bench_peers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent.h"
#include "util.h"

#define KVM_EXIT_EVENT "/sys/kernel/tracing/events/kvm/kvm_exit"
#define HIST_TRIGGER "hist:keys=exit_reason"

bool bench_peer_is(const char *config)
{
	return strcmp(config, "hist") == 0;
}

/* A trigger file takes one command per write; a '!' before it removes it. */
static int write_trigger(const char *command)
{
	_cleanup_close_ int fd = open(KVM_EXIT_EVENT "/trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_all(fd, command, strlen(command));
}

int bench_peer_begin(struct agent *a, const char *config)
{
	int r;

	if (!bench_peer_is(config))
		return 0;
	r = write_trigger(HIST_TRIGGER);
	if (r < 0)
		return agent_fail(a, r, "bench: cannot set '%s' on kvm:kvm_exit: %s (is "
				  "CONFIG_HIST_TRIGGERS on?)", HIST_TRIGGER, strerror(-r));
	return 0;
}

int bench_peer_end(struct agent *a, const char *config, struct json_object *run)
{
	_cleanup_free_ char *hist = NULL;
	const char *hits;
	uint64_t n;
	int r;

	if (!bench_peer_is(config))
		return 0;
	r = read_file(KVM_EXIT_EVENT "/hist", &hist, NULL);
	/* Removed whatever the read gave: a left trigger would pin kvm.ko's events. */
	(void)write_trigger("!" HIST_TRIGGER);
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
