// SPDX-License-Identifier: GPL-2.0-only
#include "reaper.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

int reaper_wait_for(pid_t child)
{
	int status;

	for (;;) {
		pid_t w = wait(&status);

		if (w == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		if (w < 0 && errno != EINTR) {
			log_error("L1: lost the agent's process: %s", strerror(errno));
			return 1;
		}
	}
}
