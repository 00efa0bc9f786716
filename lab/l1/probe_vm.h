/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_PROBE_VM_H
#define EXITLAB_PROBE_VM_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

struct agent;

/*
 * A guest whose whole userspace is the probe, started by QEMU directly (the
 * Bochs tier's L2, its bench, the second VM): L1's kernel, an initramfs
 * holding the probe as init, and probe_args as the probe's command line.
 */
struct probe_vm {
	unsigned memory_mib, vcpus;
	const char *probe_args;   /* "guest-init --seconds 2 --out /dev/ttyS1" */
	const char *console_path; /* its ttyS0 */
	const char *results_path; /* its ttyS1, or NULL for none */
	const char *qemu_log;     /* QEMU's own output */
	/*
	 * The kernel's whole log on its console, from its first line: for a
	 * guest that must tell why it ended. Not under Bochs, where every
	 * console byte costs emulated time.
	 */
	bool verbose;
};

/* Starts vm with QEMU; its pid for child_wait(). 0 or a negative errno. */
int probe_vm_spawn(const struct agent *a, const struct probe_vm *vm, pid_t *ret_pid);

/*
 * The second VM: the probe as its init sampling its own leaves ten times a
 * second, so that it exits steadily while L2 runs. Verbose: it has been seen
 * to end early, QEMU exiting 0 with nothing on a quiet console.
 */
int second_vm_start(const struct agent *a, pid_t *ret_pid);

/*
 * Stops the second VM and records whether it was still running when L2
 * ended, with the ends of its console and of QEMU's output: a second VM that
 * stopped early is why an interval can hold none of its exits.
 */
void second_vm_stop(const struct agent *a, struct json_object *l2, pid_t pid);

#endif
