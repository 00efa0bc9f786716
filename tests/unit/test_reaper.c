// SPDX-License-Identifier: GPL-2.0-only
/*
 * L1's PID 1 reaps the orphans the agent's children leave (lab/l1/reaper.h):
 * a daemonized grandchild, as libvirt's QEMU is, must not stay a zombie. A
 * child subreaper stands in for PID 1 here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lab/l1/reaper.h"

/* 'Z' for a zombie, other state letters, or 0 when pid is gone. */
static char process_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/*
 * The "agent" daemonizes a grandchild (double fork, as libvirt does QEMU),
 * reports its pid through a pipe, and keeps running until the grandchild has
 * ended; the reaper meanwhile must reap the orphan, and then return the
 * agent's exit status.
 */
static void orphan_reaped_while_agent_runs(void **state)
{
	int fds[2], status;
	pid_t agent, orphan = 0;
	char st = '?';

	(void)state;
	assert_int_equal(pipe(fds), 0);
	agent = fork();
	assert_true(agent >= 0);
	if (agent == 0) {
		pid_t mid = fork(), daemon;

		if (mid == 0) {
			daemon = fork();
			if (daemon == 0) {
				sleep_ms(100);
				_exit(0);
			}
			if (write(fds[1], &daemon, sizeof(daemon)) != sizeof(daemon))
				_exit(3);
			_exit(0);
		}
		(void)waitpid(mid, NULL, 0);
		/* The agent outlives the orphan by far, as the agent outlives L2's QEMU. */
		sleep_ms(1500);
		_exit(7);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &orphan, sizeof(orphan)), sizeof(orphan));
	close(fds[0]);

	/* This process is the orphan's new parent: it must reap it while the agent runs. */
	int seen[2];

	assert_int_equal(pipe(seen), 0);
	pid_t watcher = fork();

	assert_true(watcher >= 0);
	if (watcher == 0) {
		/* The orphan's state from outside, 1 s after it exited: gone, not a zombie. */
		sleep_ms(1100);
		st = process_state(orphan);
		_exit(write(seen[1], &st, 1) == 1 ? 0 : 3);
	}
	close(seen[1]);
	/* The watcher is a child too: the reaper reaps it along the way. */
	assert_int_equal(reaper_wait_for(agent), 7);
	assert_int_equal(read(seen[0], &st, 1), 1);
	close(seen[0]);
	if (st != 0)
		fail_msg("orphan %d still there in state '%c' while the agent ran", (int)orphan, st);
	/* Everything ended before the agent did and was reaped: nothing is left. */
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* A signal that ends the agent is an exit status of 1, not the signal's number. */
static void killed_agent_is_a_failure(void **state)
{
	pid_t agent;

	(void)state;
	agent = fork();
	assert_true(agent >= 0);
	if (agent == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(kill(agent, SIGKILL), 0);
	assert_int_equal(reaper_wait_for(agent), 1);
}

/* Without children wait() fails at once: an error, not a hang. */
static void no_child_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(reaper_wait_for(12345678), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(orphan_reaped_while_agent_runs),
		cmocka_unit_test(killed_agent_is_a_failure),
		cmocka_unit_test(no_child_is_an_error),
	};

	/* Orphans of this process's descendants come here, as they do to PID 1. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("prctl(PR_SET_CHILD_SUBREAPER)");
		return 1;
	}
	return cmocka_run_group_tests_name("reaper", tests, NULL, NULL);
}
