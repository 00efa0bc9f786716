/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_AGENT_H
#define EXITLAB_AGENT_H

/* Port that carries the agent's bundle from L1 to L0. */
#define EXITLAB_BUNDLE_PORT "org.exitlab.bundle"

/*
 * Runs inside L1: loads the patched KVM, starts libvirt, runs L2 with its
 * seed, sends the bundle (schema exitlab-l1/1) to L0, and powers L1 off
 * when it is PID 1. Returns a process exit status.
 */
int agent_main(int argc, char **argv);

#endif
