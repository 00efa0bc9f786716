/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_VM_H
#define EXITLAB_VM_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

/* Installs libvirt's event loop and SIGINT/SIGTERM handling; call before connecting. */
int vm_init(void);

/* Set by SIGINT/SIGTERM: every wait gives up and tears its domain down. */
bool vm_interrupted(void);

/* Opens uri, retrying for up to wait_s seconds while the daemon starts. */
int vm_connect(const char *uri, unsigned wait_s, virConnectPtr *ret_conn);

/* How often vm_run() reads the console for progress and faults. */
#define VM_CHECK_S 2

struct vm_run_opts {
	const char *label;       /* "L1", "L2": names progress lines */
	unsigned timeout_s;      /* destroyed after this long */
	const char *console_log; /* its last lines go into errors and progress */
	unsigned progress_s;     /* a progress line this often; 0: never */
	const char *progress_skip; /* console lines holding this are not shown in it */
	/*
	 * No progress for this long means a hung guest (0: never checked).
	 * Progress is progress_mark() of the console's text growing (and until
	 * it first counts one, any growth of the console), or without it the
	 * console's size; a hung kernel can still print (hung-task
	 * warnings every 2 minutes), so a guest that prints its own progress
	 * lines should count those.
	 */
	unsigned silence_s;
	long long (*progress_mark)(const char *console);
	/* A file whose growth counts as progress too (a guest's results channel); NULL: none. */
	const char *progress_file;
	/*
	 * Before destroying a guest that timed out or fell silent, send it an
	 * NMI and give its kernel this long to print where its CPUs are
	 * (with unknown_nmi_panic and panic_print=0x40 on its command line).
	 */
	unsigned nmi_grace_s;
	/*
	 * Asked every VM_CHECK_S with the console's text: true when it shows the guest
	 * can no longer finish, and waiting for the timeout is only lost time
	 * (NULL: never asked).
	 */
	bool (*cannot_finish)(const char *console);
	/* Set to CLOCK_REALTIME when libvirt has the domain running (NULL: not wanted). */
	double *ret_running_realtime;
};

/*
 * Starts xml as a transient domain that dies with this connection
 * (VIR_DOMAIN_START_AUTODESTROY) and waits until it stops by itself.
 * Returns 0 when it stopped on its own, -ETIMEDOUT, -ETIME when it made no
 * progress for silence_s, -ENOTRECOVERABLE when cannot_finish said so,
 * -EINTR, or another negative errno when it could not start; ret_seconds is
 * its run time.
 */
int vm_run(virConnectPtr conn, const char *xml, const struct vm_run_opts *o, double *ret_seconds);

/* Starts xml, checks it is still running after hold_ms, destroys it. */
int vm_trial(virConnectPtr conn, const char *xml, unsigned hold_ms, char **ret_error);

/* libvirt's last error message, never NULL. */
const char *vm_last_error(void);

#endif
