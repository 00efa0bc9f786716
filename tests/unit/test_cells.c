// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-cells, the matrix workflow's merge, over two stored cells:
 * "two-runs" (run-a and run-b) and "one-run" (run-b alone). Both cells are
 * the stored runs of one configuration (tests/data/report), arranged so the
 * merge shows a cell with an interval and one without; the golden report is
 * tests/data/cells/expected/report.md (make -C report golden-cells).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lab/common/util.h"
#include "shell.h"
#include "scratch.h"

static void golden_merge(void **state)
{
	char dir[] = "/tmp/exitlab-cells-XXXXXX";
	_cleanup_free_ char *cmd = NULL, *out = NULL, *got = NULL, *want = NULL, *path = NULL;
	_cleanup_free_ char *cell = NULL;
	char cwd[4096];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* The cells hold symbolic links to the stored runs: copy what they point to. */
	cmd = xasprintf("cp -rL %s/two-runs %s/one-run %s/", EXITLAB_CELLS_DATA, EXITLAB_CELLS_DATA,
			dir);
	assert_int_equal(sh(cmd, &out), 0);
	free(out), free(cmd);
	assert_int_equal(chdir(dir), 0);
	/* Relative names, as the workflow's merge job passes them. */
	cmd = xasprintf("%s --no-plots --out out two-runs one-run", EXITLAB_CELLS_BIN);
	assert_int_equal(sh(cmd, &out), 0);
	assert_string_equal(out, "cells: out/report.md (2 cells)");
	assert_int_equal(read_file("out/report.md", &got, NULL), 0);
	/* Each cell's own report, over that cell's runs, and each run's phases.csv. */
	assert_int_equal(read_file("out/two-runs/report.md", &cell, NULL), 0);
	assert_non_null(strstr(cell, "Runs: 2 (`two-runs/run-a`, `two-runs/run-b`)"));
	free(cell);
	assert_int_equal(read_file("out/one-run/report.md", &cell, NULL), 0);
	assert_non_null(strstr(cell, "Runs: 1 (`one-run/run-b`)"));
	assert_true(file_exists("two-runs/run-a/phases.csv"));
	assert_true(file_exists("one-run/run-b/phases.csv"));
	assert_int_equal(chdir(cwd), 0);
	path = xasprintf("%s/expected/report.md", EXITLAB_CELLS_DATA);
	assert_int_equal(read_file(path, &want, NULL), 0);
	assert_string_equal(got, want);
	(void)scratch_remove(dir);
}

static void bad_input(void **state)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL;

	(void)state;
	cmd = xasprintf("%s --no-plots --out /tmp/x /nonexistent", EXITLAB_CELLS_BIN);
	assert_int_equal(sh(cmd, &out), 2);
	assert_non_null(strstr(out, "exitlab-cells: /nonexistent: No such file or directory"));
	free(out), free(cmd);
	/* A directory without runs is not a cell. */
	cmd = xasprintf("%s --no-plots --out /tmp/x %s/..", EXITLAB_CELLS_BIN, EXITLAB_CELLS_DATA);
	assert_int_equal(sh(cmd, &out), 2);
	assert_non_null(strstr(out, "no run directory (with samples.jsonl) in it"));
	free(out), free(cmd);
	cmd = xasprintf("%s", EXITLAB_CELLS_BIN);
	assert_int_equal(sh(cmd, &out), 2);
	assert_non_null(strstr(out, "no CELL_DIR given"));
	free(out), free(cmd);
	cmd = xasprintf("%s --help", EXITLAB_CELLS_BIN);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(out, "usage: exitlab-cells"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_merge),
		cmocka_unit_test(bad_input),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
