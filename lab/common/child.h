/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_CHILD_H
#define EXITLAB_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A program the lab runs for minutes without libvirt in between (Bochs at
 * L0, QEMU for a minimal L2): its own process group, killed with its
 * children on timeout or interruption, and killed by the kernel if we die.
 */
struct child_wait_opts {
	const char *label;          /* "L1 (Bochs)" */
	unsigned timeout_s;
	unsigned progress_s;        /* 0: quiet */
	const char *progress_log;   /* its last line goes with each progress report */
	bool (*interrupted)(void);  /* polled once a second */
};

/* Stops a child's whole group (SIGTERM, then SIGKILL after 3 s) and reaps it. */
void child_stop(pid_t pid);

/* stdout and stderr to log_path (appended), stdin from /dev/null. */
int child_spawn(char *const argv[], const char *log_path, pid_t *ret_pid);

/* The same, its affinity set to the one CPU cpu before exec (cpu < 0: inherited). */
int child_spawn_on_cpu(char *const argv[], const char *log_path, int cpu, pid_t *ret_pid);

/*
 * Exit status (>= 0, 128 + signal), or -ETIMEDOUT / -EINTR after killing the
 * whole group.
 */
int child_wait(pid_t pid, const struct child_wait_opts *o, double *ret_seconds);

#endif
