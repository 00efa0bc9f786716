// SPDX-License-Identifier: GPL-2.0-only
/*
 * The oracle's half in L1: kvm:kvm_exit recorded in a tracefs instance
 * between the probe's marker reads, then compared with the leaves
 * (oracle.c) over the probe's checked interval.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "kvm_modules.h"
#include "oracle.h"
#include "util.h"

int trace_start(struct agent *a, char *err, size_t errlen)
{
	int r = oracle_trace_start(a->paths->trace_instance, err, errlen);

	if (r < 0)
		log_error("oracle: %s", err);
	else
		err[0] = '\0';
	return r;
}

static struct json_object *find_phase(struct json_object *snapshots, const char *phase)
{
	size_t i, n = json_object_array_length(snapshots);

	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(snapshots, i), *p;

		if (json_object_object_get_ex(s, "phase", &p) &&
		    strcmp(json_object_get_string(p), phase) == 0)
			return s;
	}
	return NULL;
}

/*
 * The recorded events, consumed through trace_pipe once tracing is off:
 * reading "trace" instead walks the ring buffer again and again, minutes
 * for tens of thousands of events under emulation.
 */
static int read_trace_pipe(const char *path, char **ret_text)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < (1 << 20) + 1) {
			size_t ncap = cap ? cap * 2 : (4 << 20);
			char *nbuf = realloc(buf, ncap);

			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		break; /* drained */
	}
	buf[len] = '\0';
	*ret_text = TAKE_PTR(buf);
	return 0;
}

/* Checks the leaves against kvm:kvm_exit over the probe's interval. */
void trace_check_interval(struct agent *a, const char *trace_error)
{
	_cleanup_free_ char *trace = NULL, *format = NULL, *vendor = kvm_cpu_vendor();
	struct json_object *oracle = NULL, *snapshots, *sa, *sb;
	_cleanup_free_ char *pipe = xasprintf("%s/trace_pipe", a->paths->trace_instance);
	struct reason_names names = { 0 };
	char err[256] = "";

	(void)oracle_trace_stop(a->paths->trace_instance);
	log_info("oracle: reading L1's trace");
	if (trace_error) {
		snprintf(err, sizeof(err), "%s", trace_error);
	} else if (!json_object_object_get_ex(a->bundle, "snapshots", &snapshots) ||
		   !(sa = find_phase(snapshots, "interval-a")) ||
		   !(sb = find_phase(snapshots, "interval-b"))) {
		snprintf(err, sizeof(err), "the probe wrote no interval-a/interval-b snapshots");
	} else if (read_trace_pipe(pipe, &trace) < 0 ||
		   read_file(a->paths->kvm_exit_format, &format, NULL) < 0) {
		snprintf(err, sizeof(err), "cannot read the trace or kvm_exit's format");
	} else if (reason_names_from_format(format, exit_arch_from_vendor(vendor ? vendor : ""),
					    &names) < 0) {
		snprintf(err, sizeof(err), "no exit reason names in kvm_exit's format");
	} else {
		oracle = oracle_compare(trace, &names, sa, sb, a->params.vcpus, err, sizeof(err));
	}
	reason_names_free(&names);
	if (!oracle) {
		oracle = json_object_new_object();
		json_object_object_add(oracle, "error", json_object_new_string(err));
		log_error("oracle: %s", err);
	} else {
		struct json_object *m;

		json_object_object_get_ex(oracle, "mismatches", &m);
		log_info("oracle: kvm:kvm_exit against the leaves over the probe's interval: "
			 "%d mismatches", json_object_get_int(m));
	}
	json_object_object_add(a->bundle, "oracle", oracle);
}
