/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_BUNDLE_H
#define EXITLAB_BUNDLE_H

struct agent;
struct agent_paths;

/*
 * Sends the bundle to L0: one line on the EXITLAB_BUNDLE_PORT virtio-serial
 * port or, without one, NUL-terminated on the results disk. 0 or a negative
 * errno (logged).
 */
int bundle_send(struct agent *a);

/*
 * The disk L0 attached where L1's disks are IDE (exitlab/contract.h): the
 * device path (dev/sdX) of the first sdX whose ATA model, trailing blanks
 * cut, is model; NULL when there is none. The caller frees it.
 */
char *bundle_disk_by_model(const struct agent_paths *paths, const char *model);

/*
 * fixed when it exists (libvirt's /dev/vdX), else the disk whose model is
 * model, else fixed again (for the caller's message). The caller frees it.
 */
char *bundle_l0_disk(const struct agent_paths *paths, const char *fixed, const char *model);

#endif
