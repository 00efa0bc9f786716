// SPDX-License-Identifier: GPL-2.0-only
#include "l2_fault.h"

#include <stdio.h>
#include <string.h>

/* A crash's own lines: "BUG:" alone may be a warning (a soft lockup) that L2 survives. */
static const char *const fatal[] = { "Oops: ", "Kernel panic - not syncing" };

static const char *after_stamp(const char *line)
{
	const char *close = line[0] == '[' ? strchr(line, ']') : NULL;

	return close ? close + 1 + (close[1] == ' ') : line;
}

bool l2_console_crashed(const char *console, char *ret_line, size_t len)
{
	const char *line = console, *first_bug = NULL;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *text;
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *stamp = NULL;

		/* The console's escape sequences ("\e[!p") come before the stamp on a boot's first line. */
		for (const char *c = line; c + 1 < line + n && !stamp; c++)
			if (c[0] == '[' && (c[1] == ' ' || (c[1] >= '0' && c[1] <= '9')))
				stamp = c;
		text = stamp ? after_stamp(stamp) : line;
		if (!first_bug && !strncmp(text, "BUG: ", 5))
			first_bug = text;
		for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
			if (strncmp(text, fatal[i], strlen(fatal[i])))
				continue;
			if (first_bug)
				text = first_bug;
			snprintf(ret_line, len, "%.*s", (int)strcspn(text, "\r\n"), text);
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}
