/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_AGENT_H
#define EXITLAB_AGENT_H

/* Port that carries the agent's bundle from L1 to L0. */
#define EXITLAB_BUNDLE_PORT "org.exitlab.bundle"
/*
 * Where there is no virtio-serial (L1 in Bochs), a raw disk carries L1's
 * results: L0 writes the magic at its start, the agent writes the bundle,
 * NUL-terminated, at the offset.
 */
#define EXITLAB_RESULTS_DISK_MAGIC "EXITLAB-RESULTS-DISK/1\n"
#define EXITLAB_RESULTS_DISK_OFFSET 4096
#define EXITLAB_RESULTS_DISK_SIZE (16u << 20)

/*
 * Runs inside L1: loads the patched KVM, starts libvirt, runs L2 with its
 * seed, sends the bundle (schema exitlab-l1/1) to L0, and powers L1 off
 * when it is PID 1. Returns a process exit status.
 */
int agent_main(int argc, char **argv);

#endif
