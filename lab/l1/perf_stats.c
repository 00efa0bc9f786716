// SPDX-License-Identifier: GPL-2.0-only
#include "perf_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* "<name> events: <n>" after leading blanks; true with *ret set when line is one. */
static bool count_line(const char *line, size_t len, const char *name, uint64_t *ret,
		       bool *malformed)
{
	size_t nlen = strlen(name);
	char buf[128];
	int end = 0;

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len <= nlen + 8 || strncmp(line, name, nlen) != 0 ||
	    strncmp(line + nlen, " events:", 8) != 0)
		return false;
	line += nlen + 8;
	len -= nlen + 8;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, " %" SCNu64 "%n", ret, &end) != 1 || buf[strspn(buf, " ")] == '-')
		*malformed = true;
	return true;
}

int perf_stats_parse(const char *text, const char *event, uint64_t *ret_samples,
		     uint64_t *ret_lost)
{
	size_t elen = strlen(event);
	bool aggregated = false, in_event = false, seen_aggregated = false, malformed = false;
	uint64_t samples = 0, lost = 0;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		uint64_t v;

		if (len >= 17 && strncmp(p, "Aggregated stats:", 17) == 0) {
			aggregated = seen_aggregated = true;
			in_event = false;
		} else if (len == elen + 7 && strncmp(p, event, elen) == 0 &&
			   strncmp(p + elen, " stats:", 7) == 0) {
			aggregated = false;
			in_event = true;
		} else if (len > 7 && p[0] != ' ' && strncmp(p + len - 7, " stats:", 7) == 0) {
			/* another event's block */
			aggregated = in_event = false;
		} else if (aggregated && count_line(p, len, "LOST", &v, &malformed)) {
			lost = v;
		} else if (in_event && count_line(p, len, "SAMPLE", &v, &malformed)) {
			samples = v;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (!seen_aggregated || malformed)
		return -EBADMSG;
	*ret_samples = samples;
	*ret_lost = lost;
	return 0;
}
