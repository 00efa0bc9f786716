/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_UTIL_H
#define EXITLAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#include <dirent.h>
static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _taken_ = (p); \
		(p) = NULL;                  \
		_taken_;                     \
	})

/* Progress and errors, prefixed with the seconds since the program started. */
void log_init(void);
double log_elapsed(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes all of data, retrying short writes and EINTR. */
int write_all(int fd, const char *data, size_t len);

/* Writes data to path atomically: a temporary file beside it, fsync, rename. */
int write_file_atomic(const char *path, const char *data, size_t len);
int read_file(const char *path, char **ret_data, size_t *ret_len);
int mkdir_p(const char *path, unsigned mode);
bool file_exists(const char *path);

/* The last max_lines lines of a file, or NULL when it cannot be read. */
char *file_tail(const char *path, unsigned max_lines);

/* A waitpid() status as a shell reports it: the exit status, or 128 + the signal. */
int exit_code(int wait_status);

/*
 * Runs argv (argv[0] looked up in PATH), stdout/stderr to log_path (appended)
 * or inherited when NULL. Returns the exit status (>= 0) or a negative errno.
 */
int run_command(char *const argv[], const char *log_path);



/* Runs argv and returns what it printed on stdout and stderr, trailing newline cut. */
int capture_command(char *const argv[], char **ret_output);

/* The value of key=value on a kernel-style command line, or NULL. */
char *cmdline_get(const char *cmdline, const char *key);
#endif
