// SPDX-License-Identifier: GPL-2.0-only
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int child_spawn(char *const argv[], const char *log_path, pid_t *ret_pid)
{
	return child_spawn_on_cpu(argv, log_path, -1, ret_pid);
}

int child_spawn_on_cpu(char *const argv[], const char *log_path, int cpu, pid_t *ret_pid)
{
	int fds[2];
	pid_t pid;
	int err = 0;
	ssize_t n;

	/* The child reports a failed exec through this pipe, closed on exec. */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -err;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = -1;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0) {
				err = errno;
				n = write(fds[1], &err, sizeof(err));
				(void)n;
				_exit(127);
			}
		}
		if (log_path)
			out = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (in >= 0)
			dup2(in, STDIN_FILENO);
		if (out >= 0) {
			dup2(out, STDOUT_FILENO);
			dup2(out, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		err = errno;
		n = write(fds[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	(void)close(fds[1]);
	setpgid(pid, pid); /* also here: no window in which a kill misses it */
	n = read(fds[0], &err, sizeof(err));
	(void)close(fds[0]);
	if (n == sizeof(err)) {
		(void)waitpid(pid, NULL, 0);
		return -err;
	}
	*ret_pid = pid;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kill_group(pid_t pid)
{
	(void)kill(-pid, SIGTERM);
	(void)kill(pid, SIGTERM);
	for (int i = 0; i < 30; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			(void)kill(-pid, SIGKILL); /* stragglers in its group */
			return;
		}
		usleep(100 * 1000);
	}
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
}

void child_stop(pid_t pid)
{
	kill_group(pid);
}

int child_wait(pid_t pid, const struct child_wait_opts *o, double *ret_seconds)
{
	double start = now_s(), next_progress = start + o->progress_s;
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		double now = now_s();

		if (ret_seconds)
			*ret_seconds = now - start;
		if (w == pid)
			return exit_code(status);
		if (w < 0 && errno != EINTR)
			return -errno;
		if (o->interrupted && o->interrupted()) {
			kill_group(pid);
			return -EINTR;
		}
		if (now - start >= o->timeout_s) {
			kill_group(pid);
			return -ETIMEDOUT;
		}
		if (o->progress_s && now >= next_progress) {
			_cleanup_free_ char *tail = o->progress_log ? file_tail(o->progress_log, 1)
								    : NULL;

			if (tail)
				tail[strcspn(tail, "\r\n")] = '\0';
			log_info("%s: running for %.0f s%s%s", o->label, now - start,
				 tail && *tail ? ": " : "", tail ? tail : "");
			next_progress += o->progress_s;
		}
		usleep(250 * 1000);
	}
}
