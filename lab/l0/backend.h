/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BACKEND_H
#define EXITLAB_BACKEND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct run_opts;

/* Where one run's files go; filled by the attempt loop (run.c) before any boot. */
struct run_paths {
	char *kernel, *initrd, *l1_image, *l2_image; /* the cached images, absolute */
	char *work;     /* per-run scratch: overlays, seed image, a backend's own files */
	char *l1_overlay, *l2_overlay, *seed_dir, *seed_iso;
	char *bundle;   /* where a boot leaves what L1's agent sent */
	char *partial, *final, *console, *tool_log;
	char *l1_image_key, *l1_state, *l1_state_key; /* what L1 leaves for its next boot */
};

/*
 * How one boot of L1 ended. Only the attempt loop decides what to do about
 * it: a backend says what happened, never whether to try again itself.
 */
enum l0_outcome_kind {
	L0_OK,          /* L1 powered off; its bundle (if the agent sent one) is in p->bundle */
	L0_RETRY,       /* a failure another boot may not have (nested emulation stalls, crashes) */
	L0_FATAL,       /* a failure every boot would have: stop the run */
	L0_INTERRUPTED, /* SIGINT/SIGTERM: L1 is gone, stop at once */
};

struct l0_outcome {
	enum l0_outcome_kind kind;
	int error;         /* negative errno; 0 with L0_OK */
	char reason[512];  /* one line for the log and failed_attempts[].error */
	double l1_seconds; /* how long L1 ran */
};

/* Sets out to kind, error and the formatted reason; returns kind. */
enum l0_outcome_kind l0_outcome_set(struct l0_outcome *out, enum l0_outcome_kind kind, int error,
				    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * One way of running L1 on this host, as libguestfs' struct backend_ops:
 * everything that differs between L0s is behind these operations, and the
 * attempt loop (run_lab()) is the same for all of them.
 */
struct l0_backend_ops {
	const char *name;  /* what --l0 takes */
	size_t data_size;  /* the backend's private state, zeroed, passed to every op */
	/*
	 * The backend's defaults and limits on the options, before anything runs.
	 * l1_memory_set/l2_memory_set: whether the user chose those. 0, or
	 * -EINVAL after saying why. NULL: the options as they are.
	 */
	int (*settle_options)(struct run_opts *o, bool l1_memory_set, bool l2_memory_set);
	/*
	 * Once per run: can this host boot L1, and how; the time its steps took
	 * into steps (timings.h). 0, or a negative errno after saying why.
	 */
	int (*prepare)(void *data, const struct run_opts *o, const struct run_paths *p,
		       struct json_object *steps);
	/* One boot of L1 until it powers off, its own steps' times into steps; returns out->kind. */
	enum l0_outcome_kind (*boot)(void *data, const struct run_opts *o, const struct run_paths *p,
				     struct json_object *steps, struct l0_outcome *out);
	/* This backend's part of env.json: what ran L1 and its versions. */
	void (*record_environment)(void *data, struct json_object *env);
	/*
	 * Whether what L1 sends for its next boot (exitlab/contract.h, l1_state)
	 * is kept: only where every boot of the image has the same CPU, as
	 * libvirt's QEMU capabilities depend on it (Bochs' Intel CPU would
	 * replace the AMD one's cache that TCG's boots use).
	 */
	bool keeps_l1_state;
	/* How the bench's figures were taken, for its table. */
	const char *bench_method;
	/* After a successful run: removes the backend's own files from p->work. */
	void (*cleanup)(void *data, const struct run_paths *p);
	/* Releases what prepare() opened (NULL: nothing). */
	void (*close)(void *data);
};

/* CLOCK_MONOTONIC in seconds, for the steps' times. */
double monotonic_s(void);

extern const struct l0_backend_ops l0_libvirt_backend;
extern const struct l0_backend_ops l0_bochs_backend;

#endif
