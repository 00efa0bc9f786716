// SPDX-License-Identifier: GPL-2.0-only
/* The minimal L2's initramfs writer and the supervisor of Bochs and QEMU. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lab/common/child.h"
#include "../../lab/l1/cpio.h"
#include "../../lab/common/util.h"

static char dir[] = "/tmp/exitlab-test-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *argv[] = { "rm", "-rf", dir, NULL };

	(void)state;
	return run_command(argv, NULL) == 0 ? 0 : -1;
}

/* What GNU cpio, the reference reader, makes of our archive. */
static void cpio_round_trip(void **state)
{
	_cleanup_free_ char *src = xasprintf("%s/payload", dir);
	_cleanup_free_ char *archive = xasprintf("%s/a.cpio", dir);
	_cleanup_free_ char *list_cmd = xasprintf("cpio -it --quiet < %s", archive);
	_cleanup_free_ char *out_cmd = xasprintf("cd %s && cpio -id --quiet < a.cpio 2>&1 && "
						 "cmp init payload && stat -c %%a init", dir);
	_cleanup_free_ char *listing = NULL, *check = NULL;
	char *list_argv[] = { "sh", "-c", list_cmd, NULL };
	char *out_argv[] = { "sh", "-c", out_cmd, NULL };
	char data[1027]; /* not a multiple of 4: padding matters */
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	assert_int_equal(write_file_atomic(src, data, sizeof(data)), 0);
	assert_int_equal(cpio_write_single(archive, "init", src), 0);
	assert_int_equal(capture_command(list_argv, &listing), 0);
	assert_string_equal(listing, "init");
	assert_int_equal(capture_command(out_argv, &check), 0);
	assert_string_equal(check, "755");
}

static void cpio_missing_source(void **state)
{
	_cleanup_free_ char *archive = xasprintf("%s/b.cpio", dir);

	(void)state;
	assert_int_equal(cpio_write_single(archive, "init", "/nonexistent/probe"), -ENOENT);
}

static void child_exit_status(void **state)
{
	char *argv[] = { "sh", "-c", "echo hello; exit 3", NULL };
	_cleanup_free_ char *log = xasprintf("%s/child.log", dir), *text = NULL;
	struct child_wait_opts o = { .label = "t", .timeout_s = 30 };
	pid_t pid;

	(void)state;
	assert_int_equal(child_spawn(argv, log, &pid), 0);
	assert_int_equal(child_wait(pid, &o, NULL), 3);
	assert_int_equal(read_file(log, &text, NULL), 0);
	assert_string_equal(text, "hello\n");
}

/* Killed by a signal: 128 + the signal, as a shell says, from both waiters. */
static void child_killed_by_signal(void **state)
{
	char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct child_wait_opts o = { .label = "t", .timeout_s = 30 };
	pid_t pid;

	(void)state;
	assert_int_equal(child_spawn(argv, NULL, &pid), 0);
	assert_int_equal(child_wait(pid, &o, NULL), 128 + SIGTERM);
	assert_int_equal(run_command(argv, NULL), 128 + SIGTERM);
}

static void child_not_found(void **state)
{
	char *argv[] = { "exitlab-no-such-program", NULL };
	pid_t pid;

	(void)state;
	assert_int_equal(child_spawn(argv, NULL, &pid), -ENOENT);
}

/* Gone or a zombie nobody reaped yet: either way no longer running. */
static bool process_alive(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid), *stat = NULL;
	char *p;

	if (read_file(path, &stat, NULL) < 0)
		return false;
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* A timeout kills the whole group: the grandchild too. */
static void child_timeout_kills_group(void **state)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/grandchild.pid", dir);
	_cleanup_free_ char *cmd = xasprintf("sleep 60 & echo $! > %s; wait", pidfile);
	_cleanup_free_ char *text = NULL;
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct child_wait_opts o = { .label = "t", .timeout_s = 1 };
	double seconds = 0;
	pid_t pid, grandchild;

	(void)state;
	assert_int_equal(child_spawn(argv, NULL, &pid), 0);
	assert_int_equal(child_wait(pid, &o, &seconds), -ETIMEDOUT);
	assert_true(seconds >= 1.0 && seconds < 10.0);
	assert_int_equal(read_file(pidfile, &text, NULL), 0);
	grandchild = (pid_t)atoi(text);
	assert_true(grandchild > 0);
	usleep(300 * 1000);
	assert_false(process_alive(grandchild));
}

static bool always_interrupted(void)
{
	return true;
}

static void child_interrupted(void **state)
{
	char *argv[] = { "sleep", "60", NULL };
	struct child_wait_opts o = { .label = "t", .timeout_s = 60,
				     .interrupted = always_interrupted };
	pid_t pid;

	(void)state;
	assert_int_equal(child_spawn(argv, NULL, &pid), 0);
	assert_int_equal(child_wait(pid, &o, NULL), -EINTR);
	assert_false(process_alive(pid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpio_round_trip),
		cmocka_unit_test(cpio_missing_source),
		cmocka_unit_test(child_exit_status),
		cmocka_unit_test(child_killed_by_signal),
		cmocka_unit_test(child_not_found),
		cmocka_unit_test(child_timeout_kills_group),
		cmocka_unit_test(child_interrupted),
	};

	return cmocka_run_group_tests_name("cpio_child", tests, setup, teardown);
}
