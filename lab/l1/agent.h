/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_AGENT_H
#define EXITLAB_AGENT_H

/*
 * Runs inside L1: loads the patched KVM, starts libvirt, runs L2 with its
 * seed, sends the bundle (EXITLAB_BUNDLE_SCHEMA) to L0, and powers L1 off
 * when it is PID 1. Returns a process exit status.
 */
int agent_main(int argc, char **argv);

#endif
