// SPDX-License-Identifier: GPL-2.0-only
/*
 * ci/lint-workflows (actionlint): our workflows pass, and the same workflow
 * with a typo in a step key fails, naming the key and its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lab/util.h"

static int lint(const char *args, char **out)
{
	_cleanup_free_ char *cmd = xasprintf("%s/lint-workflows %s", EXITLAB_CI_DIR, args);
	char *argv[] = { "sh", "-c", cmd, NULL };
	int r;

	*out = NULL;
	r = capture_command(argv, out);
	print_message("$ lint-workflows %s: status %d\n%.800s\n", args, r, *out ? *out : "");
	return r;
}

static void ours_pass(void **state)
{
	_cleanup_free_ char *pattern = xasprintf("%s/*.yml", EXITLAB_CI_DIR), *out = NULL;
	glob_t g;
	size_t i;

	(void)state;
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	/* The single-runner workflow and the matrix. */
	assert_true(g.gl_pathc >= 2);
	for (i = 0; i < g.gl_pathc; i++) {
		assert_int_equal(lint(g.gl_pathv[i], &out), 0);
		assert_non_null(strstr(out, "1 file(s), 0 finding(s)"));
		free(out);
		out = NULL;
	}
	globfree(&g);
}

/* path with the first "- name:" of a step turned into "- nme:"; its line number. */
static int doctor(const char *src, const char *dst)
{
	_cleanup_free_ char *text = NULL;
	char *p;
	FILE *f;
	int line = 1;

	assert_int_equal(read_file(src, &text, NULL), 0);
	p = strstr(text, "      - name:");
	assert_non_null(p);
	for (char *q = text; q < p; q++)
		line += *q == '\n';
	memcpy(p, "      - nme: ", 13);
	f = fopen(dst, "w");
	assert_non_null(f);
	/* "name:" is 5 characters, "nme: " too: the rest of the line stays. */
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return line;
}

static void step_key_typo_fails(void **state)
{
	static const char *const workflows[] = { "github-actions.yml", "matrix.yml" };
	char dir[] = "/tmp/exitlab-lint-XXXXXX";
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < ARRAY_SIZE(workflows); i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", EXITLAB_CI_DIR, workflows[i]);
		_cleanup_free_ char *dst = xasprintf("%s/%s", dir, workflows[i]);
		_cleanup_free_ char *out = NULL, *want = NULL;
		int line = doctor(src, dst);

		assert_int_equal(lint(dst, &out), 1);
		want = xasprintf("%s:%d:9: unexpected key \"nme\" for \"step\" section", dst, line);
		if (!strstr(out, want))
			fail_msg("want \"%s\" in the output", want);
		unlink(dst);
	}
	rmdir(dir);
}

static void bad_input(void **state)
{
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(lint("/nonexistent/w.yml", &out), 2);
	assert_non_null(strstr(out, "lint-workflows: /nonexistent/w.yml: no such file"));
	free(out);
	assert_int_equal(lint("", &out), 2);
	assert_non_null(strstr(out, "no workflow file given"));
	free(out);
	assert_int_equal(lint("--help", &out), 0);
	assert_non_null(strstr(out, "Exit status: 0 no finding; 1 findings; 2 bad arguments"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ours_pass),
		cmocka_unit_test(step_key_typo_fails),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
