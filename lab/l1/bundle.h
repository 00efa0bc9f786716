/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BUNDLE_H
#define EXITLAB_BUNDLE_H

struct agent;

/*
 * Sends the bundle to L0: one line on the EXITLAB_BUNDLE_PORT virtio-serial
 * port or, without one, NUL-terminated on the results disk. 0 or a negative
 * errno (logged).
 */
int bundle_send(struct agent *a);

#endif
