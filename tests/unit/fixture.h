/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads a recorded file of tests/data whole, failing the test that asked if
 * it cannot (test_timeline, test_vmstats).
 */
#ifndef EXITLAB_TEST_FIXTURE_H
#define EXITLAB_TEST_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "../../lab/common/util.h"

/* The caller frees the text. */
static inline char *fixture_read(const char *path)
{
	char *text = NULL, *copy;

	if (read_file(path, &text, NULL) < 0)
		fail_msg("cannot read %s", path);
	/* A copy: GCC takes the pointer read_file() set for one into this frame. */
	copy = strdup(text);
	free(text);
	assert_non_null(copy);
	return copy;
}

#endif
