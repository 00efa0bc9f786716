/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_REAPER_H
#define EXITLAB_REAPER_H

#include <sys/types.h>

/*
 * PID 1 inherits every orphan, and libvirt daemonizes QEMU: L2's QEMU is one.
 * Left unreaped it stays a zombie, which libvirt's kill(pid, 0) takes for a
 * QEMU still alive, so libvirt waits out its kill timeouts before it reports
 * the domain stopped: ~80 s between L2's power-off and "stopped" in run wA
 * (2026-12-02). L1's PID 1 therefore runs the agent as its child and reaps.
 *
 * Reaps every child (and, as PID 1 or a subreaper, every orphan) until
 * `child` ends; returns its exit status (1 if a signal ended it, or if
 * wait() failed).
 */
int reaper_wait_for(pid_t child);

#endif
