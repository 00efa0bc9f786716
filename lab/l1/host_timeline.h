/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_HOST_TIMELINE_H
#define EXITLAB_HOST_TIMELINE_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * L2's VM seen from L1, from its creation to its end: its exit_stats file
 * (kvm-patch 0005, KVM's per-VM debugfs directory <pid>-<fd>) read every
 * interval_ms, which costs the VM no exit, and in the same thread the
 * arrival of each new line of L2's console and of its probe output, so that
 * both are placed on one clock. The bundle's "host_timeline" is what L0
 * writes as timeline.jsonl (probes/README.md, "The host timeline").
 */

/* One followed file: what was read of it so far. */
struct host_tail {
	const char *path;
	off_t offset;
	char *partial; /* a line not ended yet */
	size_t partial_len;
};

struct host_timeline {
	/* Set by the caller before host_timeline_start(). */
	unsigned interval_ms;
	pid_t pid;             /* L2's QEMU when the launcher knows it (else 0: by match) */
	const char *match;     /* else an argument of QEMU's command line that only L2's has */
	const char *debugfs;   /* KVM's debugfs directory; NULL: /sys/kernel/debug/kvm */
	const char *console_path, *results_path;
	size_t max_samples;    /* host samples kept at most (memory and bundle bound) */
	int cpu;               /* the CPU the thread runs on (L1's spared CPU 0); < 0: any */

	/* The thread's; read only after host_timeline_stop(). */
	pthread_t thread;
	volatile bool stop;
	bool started;
	char vm[64];            /* "<pid>-<fd>", "" until seen */
	double start_mono;      /* CLOCK_MONOTONIC when the thread began */
	double seen_mono;       /* when the VM's directory was first seen: t = 0 */
	double seen_realtime;   /* CLOCK_REALTIME then */
	double seen_after_s;    /* QEMU's start to that sight */
	double end_t;           /* when the directory went (the VM's end); < 0: never seen go */
	char isa[4];
	bool truncated;         /* max_samples reached: later host samples were dropped */
	double cpu_s;           /* the thread's own CPU time: what the timeline cost L1 */
	size_t n_samples;
	struct json_object *host;    /* [{"t","total","total_cycles","reasons":{changed}}] */
	struct json_object *console; /* [[t, line]] */
	struct json_object *probe;   /* [[t, index among the probe's typed lines]] */
	char *last_raw;              /* the last exit_stats text read */
	struct host_tail console_tail, results_tail;
	size_t probe_typed;
	uint32_t *prev_reason;
	uint64_t *prev_count;
	size_t n_prev;
};

/* Starts the thread (mounting debugfs if needed); nothing when interval_ms is 0. */
void host_timeline_start(struct host_timeline *h);

/*
 * Stops it after a last read of both files and adds "host_timeline" to
 * parent (nothing when it never started). index_offset is added to every
 * probe line's index: the lines the agent puts before the probe's in
 * samples.jsonl (its "boot" mark).
 */
void host_timeline_stop(struct host_timeline *h, struct json_object *parent, size_t index_offset);

/* A bounded sample count for a run of timeout_s at interval_ms, with margin. */
size_t host_timeline_max_samples(unsigned timeout_s, unsigned interval_ms);

#endif
