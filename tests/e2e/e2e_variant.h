/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_E2E_VARIANT_H
#define EXITLAB_E2E_VARIANT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lab/common/util.h"

#define E2E_MAX_ARGS 32

static inline const char *e2e_env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* One section of tests/e2e/variants.cfg. */
struct e2e_variant {
	char name[64], program[64], run_id[64], checks[128], requires[64];
	char *args[E2E_MAX_ARGS];
	size_t n_args;
};

static inline char *e2e_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/*
 * Reads section name of the table at path into ret. 0, or -1 after saying
 * on stderr what was wrong.
 */
static inline int e2e_variant_load(const char *path, const char *name, struct e2e_variant *ret)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	bool in_section = false, found = false;

	memset(ret, 0, sizeof(*ret));
	if (read_file(path, &text, NULL) < 0) {
		fprintf(stderr, "# e2e: cannot read the variants table %s\n", path);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *key, *value, *eq;

		line = e2e_trim(line);
		if (!*line || *line == '#')
			continue;
		if (*line == '[') {
			line[strcspn(line, "]")] = '\0';
			in_section = strcmp(line + 1, name) == 0;
			found |= in_section;
			continue;
		}
		if (!in_section || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		key = e2e_trim(line);
		value = e2e_trim(eq + 1);
		if (!strcmp(key, "arg") && ret->n_args < E2E_MAX_ARGS)
			ret->args[ret->n_args++] = strdup(value);
		else if (!strcmp(key, "program"))
			snprintf(ret->program, sizeof(ret->program), "%s", value);
		else if (!strcmp(key, "run_id"))
			snprintf(ret->run_id, sizeof(ret->run_id), "%s", value);
		else if (!strcmp(key, "checks"))
			snprintf(ret->checks, sizeof(ret->checks), "%s", value);
		else if (!strcmp(key, "requires"))
			snprintf(ret->requires, sizeof(ret->requires), "%s", value);
		else if (!strcmp(key, "make_test"))
			; /* tests/e2e.mk's, not the program's */
		else
			fprintf(stderr, "# e2e: %s [%s]: unknown key '%s'\n", path, name, key);
	}
	if (!found) {
		fprintf(stderr, "# e2e: no variant [%s] in %s\n", name, path);
		return -1;
	}
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	return 0;
}

/* Whether the variant asks for the extra check named check. */
static inline bool e2e_variant_checks(const struct e2e_variant *v, const char *check)
{
	_cleanup_free_ char *words = strdup(v->checks);
	char *w, *save = NULL;

	for (w = strtok_r(words, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
		if (!strcmp(w, check))
			return true;
	return false;
}

/*
 * `exitlab run` for the variant: the binary, the run's id (its prefix and the
 * time) and where images and results are, then the table's options.
 * Environment: EXITLAB (the binary), EXITLAB_IMAGES, EXITLAB_RESULTS;
 * EXITLAB_E2E_RUN_PREFIX before the run's id (sessions sharing a host).
 * Returns argv (NULL-terminated, static storage) and the run's directory.
 */
static inline char **e2e_variant_argv(const struct e2e_variant *v, char *run_dir, size_t len)
{
	static char run_id[96];
	static char *argv[E2E_MAX_ARGS + 12];
	const char *results = e2e_env_or("EXITLAB_RESULTS", "build/test-results");
	size_t n = 0, i;

	snprintf(run_id, sizeof(run_id), "%s%s-%ld", e2e_env_or("EXITLAB_E2E_RUN_PREFIX", ""),
		 v->run_id, (long)time(NULL));
	snprintf(run_dir, len, "%s/%s", results, run_id);
	argv[n++] = (char *)e2e_env_or("EXITLAB", "build/lab/exitlab");
	argv[n++] = "run";
	argv[n++] = "--run-id";
	argv[n++] = run_id;
	argv[n++] = "--images";
	argv[n++] = (char *)e2e_env_or("EXITLAB_IMAGES", "build/images");
	argv[n++] = "--results";
	argv[n++] = (char *)results;
	for (i = 0; i < v->n_args; i++)
		argv[n++] = v->args[i];
	argv[n] = NULL;
	return argv;
}

/* The variant named by the program's first argument, or default_name. */
static inline int e2e_variant_from_args(int argc, char **argv, const char *default_name,
					struct e2e_variant *ret)
{
	return e2e_variant_load(e2e_env_or("EXITLAB_E2E_TABLE", EXITLAB_E2E_TABLE),
				argc > 1 ? argv[1] : default_name, ret);
}

#endif
