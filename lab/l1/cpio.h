/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_CPIO_H
#define EXITLAB_CPIO_H

/*
 * Writes a newc cpio archive (the initramfs format) holding one executable,
 * src_path, as /name: the whole userspace of a minimal guest.
 */
int cpio_write_single(const char *archive_path, const char *name, const char *src_path);

#endif
