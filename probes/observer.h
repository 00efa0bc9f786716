/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_OBSERVER_H
#define EXITLAB_OBSERVER_H

#include <json-c/json.h>
#include <stdint.h>

#include "leaves.h"

/*
 * EXITLAB_PROBE_STATE, the count of the probe's own CPUIDs in this VM
 * (observer.c says who keeps it and how). state_lock: the file, locked, or
 * -1 without the variable or on error.
 */
int state_lock(void);
void state_unlock(int fd);

/*
 * Adds what src ran since *flushed to the locked file and returns the new
 * sum; 0 without the file or on any error.
 */
uint64_t observer_sync(int fd, struct cpuid_source *src, uint64_t *flushed);

/*
 * A mark's "counters": a sample's fields without its type, phase and
 * times, corrected for every probe read so far, this one's too, which it
 * adds to the file. NULL without EXITLAB_PROBE_STATE or without the leaves.
 */
struct json_object *observer_mark_counters(struct cpuid_source *src, const char *phase);

#endif
