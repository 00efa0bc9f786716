// SPDX-License-Identifier: GPL-2.0-only
#include "probe_output.h"

#include <errno.h>
#include <string.h>

#include "agent.h"
#include "util.h"

/*
 * Samples and phase marks: t, seconds since L2's creation, from L2's wall
 * clock (kvmclock follows L1's) minus L1's at creation.
 */
static bool add_timeline_line(struct agent *a, struct json_object *timeline, struct json_object *o)
{
	struct json_object *type, *realtime;

	if (!json_object_object_get_ex(o, "type", &type))
		return false;
	if (a->l2_created > 0 && json_object_object_get_ex(o, "realtime", &realtime))
		json_object_object_add(o, "t",
				       json_object_new_double(json_object_get_double(realtime) -
							      a->l2_created));
	json_object_array_add(timeline, o);
	return true;
}

int probe_output_collect(struct agent *a)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *snapshots = json_object_new_array();
	struct json_object *timeline = json_object_new_array(), *boot;
	char *line, *save = NULL;

	json_object_object_add(a->bundle, "snapshots", snapshots);
	json_object_object_add(a->bundle, "samples", timeline);
	if (a->l2_created > 0) {
		/* The VM's counters start at creation: the boot phase starts there too. */
		boot = json_object_new_object();
		json_object_object_add(boot, "type", json_object_new_string("phase"));
		json_object_object_add(boot, "phase", json_object_new_string("boot"));
		json_object_object_add(boot, "event", json_object_new_string("begin"));
		json_object_object_add(boot, "t", json_object_new_double(0));
		json_object_object_add(boot, "realtime", json_object_new_double(a->l2_created));
		json_object_array_add(timeline, boot);
	}
	if (read_file(a->paths->l2_results, &text, NULL) < 0)
		return agent_fail(a, -ENODATA, "L2 wrote no probe output (%s missing)",
				  a->paths->l2_results);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o;

		/* A tty (the minimal L2's serial port) ends lines with CR LF. */
		line[strcspn(line, "\r")] = '\0';
		if (!*line)
			continue;
		o = json_tokener_parse(line);
		if (!o) {
			/* A line cut by the guest's shutdown: keep the rest, say so. */
			log_error("L2 probe output: skipping a line that is not JSON (%.40s...)", line);
			continue;
		}
		if (!add_timeline_line(a, timeline, o))
			json_object_array_add(snapshots, o);
	}
	if (json_object_array_length(snapshots) == 0)
		return agent_fail(a, -ENODATA, "L2 probe output is empty: the probe did not run in L2");
	return 0;
}
