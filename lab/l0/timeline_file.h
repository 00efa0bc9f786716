/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_TIMELINE_FILE_H
#define EXITLAB_TIMELINE_FILE_H

#include <json-c/json.h>

/*
 * The bundle's "host_timeline" (lab/l1/host_timeline.h) as the run's
 * timeline.jsonl (probes/README.md, "The host timeline": one header line,
 * then host samples with cumulative counts, console lines and probe line
 * arrivals in time order) and exit_stats.txt (the last read of the VM's
 * file, verbatim). 0, or a negative errno.
 */
int timeline_file_write(const char *dir, struct json_object *host_timeline);

#endif
