/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_AGENT_H
#define EXITLAB_AGENT_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

#include "params.h"

/*
 * Everything the agent touches in L1's filesystem, so that its sequence can
 * run in a unit test on a scratch directory.
 */
struct agent_paths {
	const char *cmdline;         /* L1's kernel command line: what L0 asks for */
	const char *run_dir;         /* the agent's scratch space */
	const char *l2_console;      /* L2's serial console */
	const char *l2_results;      /* the probe's output from L2 */
	const char *l2_initramfs;    /* the probe as init, for VMs QEMU starts directly */
	const char *trace_instance;  /* the tracefs instance the oracle records into */
	const char *kvm_exit_format; /* names of kvm_exit's reasons */
	const char *seed_device;     /* L0 attaches the seed as L1's second disk */
	const char *l2_root_device;  /* and L2's root overlay as the third */
	const char *virtio_ports;    /* sysfs' virtio-serial ports: the bundle's port */
	const char *block_devices;   /* sysfs' block devices: the results disk */
	const char *dev;             /* where their device nodes are */
};

extern const struct agent_paths agent_l1_paths;

struct l2_launcher;

/* The step under way, which the heartbeat names, and the times of those done. */
struct agent_step {
	pthread_mutex_t lock;
	pthread_cond_t stopped; /* the heartbeat's wake-up when the agent ends */
	bool stop;
	char name[64];
	double started;            /* log_elapsed() */
	struct json_object *steps; /* the bundle's "timings": timings_add() */
};

struct agent {
	const struct agent_paths *paths;
	struct l2_params params;
	struct agent_step step;
	double l2_created;          /* CLOCK_REALTIME when L2 was running */
	struct json_object *bundle; /* sent to L0 whatever happens */
	struct json_object *l1;     /* the bundle's "l1": what L1 is and loaded */
	char vm_cpuset[32];         /* L1's CPUs its VMs run on; "" for any */
	const struct l2_launcher *launcher;
	void *launcher_data;
};

/*
 * Logs the failure and keeps the first one as the bundle's "error" (what L0
 * prints); returns error, or -EIO when error is not a negative errno.
 */
int agent_fail(struct agent *a, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void agent_add_str(struct json_object *o, const char *key, const char *value);

/*
 * Ends the step under way (its time goes into the bundle's "timings") and
 * begins name, printing it for L0 (L1_STEP_MARK); NULL ends the last one.
 */
void agent_step(struct agent *a, const char *name);

/* The first line of a command's output as o[key]: versions come with copyright lines. */
void agent_record_command(struct json_object *o, const char *key, char *const argv[]);

/* For a VM's <vcpu cpuset> or affinity: NULL when its vCPUs may run anywhere. */
const char *agent_vm_cpuset(const struct agent *a);

/*
 * What the agent's sequence runs on: L1 itself in agent_main(), fakes in
 * the unit tests.
 */
struct agent_system {
	const struct agent_paths *paths;
	/* libvirt's event loop and SIGINT/SIGTERM handling (NULL: none). */
	int (*init)(void);
	/* The patched kvm with exit_stats=1 and the vendor module, checked. */
	int (*load_kvm)(struct agent *a);
	/* The bench's three KVMs: "stock", "off", "on" (exit_stats=0/1). */
	int (*load_kvm_as)(struct agent *a, const char *config);
	/* Keeps this process, and so the VMs it starts, off CPU 0 if asked. */
	void (*spare_cpu0)(struct agent *a);
	const struct l2_launcher *through_libvirt, *direct;
	/* How often the agent says it is alive while a step runs (0: never). */
	unsigned heartbeat_s;
	/* Carries the bundle to L0. */
	int (*send_bundle)(struct agent *a);
};

/*
 * The agent's sequence: read L0's parameters, load KVM, start L2 (or the
 * bench's L2s) with the launcher the mode asks for, collect the probe's
 * output and the oracle, send the bundle. 0 when L2's results are in it.
 */
int agent_run(const struct agent_system *sys);

/*
 * exitlab.spare_cpu0: keeps this process, so the VMs it starts, off L1's CPU
 * 0, and sets a->vm_cpuset for the VMs libvirt starts.
 */
void agent_spare_cpu0(struct agent *a);

#endif
