// SPDX-License-Identifier: GPL-2.0-only
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static struct timespec log_start;

void log_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &log_start);
}

double log_elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - log_start.tv_sec) + (now.tv_nsec - log_start.tv_nsec) / 1e9;
}

static void log_line(FILE *out, const char *level, const char *fmt, va_list ap)
{
	fprintf(out, "[%7.1fs] %s", log_elapsed(), level);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(stdout, "", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	log_line(stderr, "error: ", fmt, ap);
	va_end(ap);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return s;
}

int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd, r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

int read_file(const char *path, char **ret_data, size_t *ret_len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			/* Doubling: a trace of tens of MB is read inside an emulated L1. */
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf = realloc(buf, ncap);

			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				return -EIO;
			break;
		}
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_data = TAKE_PTR(buf);
	return 0;
}

int mkdir_p(const char *path, unsigned mode)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *file_tail(const char *path, unsigned max_lines)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	const char *p;
	unsigned lines = 0;

	if (read_file(path, &data, &len) < 0)
		return NULL;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	for (p = data + len; p > data; p--) {
		if (p[-1] == '\n' && ++lines == max_lines)
			break;
	}
	return strdup(p);
}

int exit_code(int wait_status)
{
	return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

int run_command(char *const argv[], const char *log_path)
{
	posix_spawn_file_actions_t actions;
	pid_t pid;
	int status, r;

	posix_spawn_file_actions_init(&actions);
	if (log_path) {
		posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path,
						 O_WRONLY | O_CREAT | O_APPEND, 0644);
		posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
	}
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	r = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (r != 0)
		return -r;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return exit_code(status);
}

int capture_command(char *const argv[], char **ret_output)
{
	char tmpl[] = "/tmp/exitlab-capture-XXXXXX";
	_cleanup_free_ char *out = NULL;
	size_t len;
	int fd, r, status;

	fd = mkstemp(tmpl);
	if (fd < 0)
		return -errno;
	(void)close(fd);
	status = run_command(argv, tmpl);
	r = read_file(tmpl, &out, &len);
	(void)unlink(tmpl);
	if (status < 0)
		return status;
	if (r < 0)
		return r;
	while (len > 0 && out[len - 1] == '\n')
		out[--len] = '\0';
	*ret_output = TAKE_PTR(out);
	return status;
}

char *cmdline_get(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *end;

		while (*p == ' ' || *p == '\n')
			p++;
		end = p + strcspn(p, " \n");
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strndup(p + klen + 1, (size_t)(end - p) - klen - 1);
		p = end;
	}
	return NULL;
}
