/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_DEBUGFS_WATCH_H
#define EXITLAB_DEBUGFS_WATCH_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

/*
 * KVM's per-VM debugfs view of the counters (kvm-patch 0005): read every
 * 2 s while L2 runs, the last read of each VM's exit_stats kept, since the
 * file goes with the VM. Reading it costs the VMs no exit.
 */
struct debugfs_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	struct json_object *last; /* { "<pid>-<fd>": "file text" } */
	volatile bool stop, started;
};

/* Mounts debugfs if it is not, and reads it from a thread of its own. */
void debugfs_watch_start(struct debugfs_watch *w);

/* Stops reading and adds the last reads to l2 as "kvm_debugfs_exit_stats". */
void debugfs_watch_stop(struct debugfs_watch *w, struct json_object *l2);

#endif
