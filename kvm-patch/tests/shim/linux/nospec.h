/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for array_index_nospec(): the same architectural
 * result (the index, or 0 past the bound), without the speculation barrier
 * that only the kernel's exit path needs.
 */
#ifndef EXITLAB_SHIM_LINUX_NOSPEC_H
#define EXITLAB_SHIM_LINUX_NOSPEC_H
#define array_index_nospec(index, size) \
	((index) < (size) ? (index) : (__typeof__(index))0)
#endif
