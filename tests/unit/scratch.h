/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A scratch directory for the tests that run a machine's code on files of
 * their own (test_run, test_agent, test_contract): made in a group's setup,
 * removed whole in its teardown.
 */
#ifndef EXITLAB_SCRATCH_H
#define EXITLAB_SCRATCH_H

#include <stdlib.h>

#include "../../lab/common/util.h"

/* Creates "<dirs>" under the new directory made from template (mkdtemp). 0 or -1. */
static inline int scratch_make(char *template, const char *const *dirs, size_t n)
{
	size_t i;

	if (!mkdtemp(template))
		return -1;
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", template, dirs[i]);

		if (mkdir_p(d, 0755) < 0)
			return -1;
	}
	return 0;
}

static inline int scratch_remove(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	char *argv[] = { "sh", "-c", cmd, NULL };

	return run_command(argv, NULL);
}

#endif
