/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's compiler attributes. */
#ifndef EXITLAB_SHIM_LINUX_COMPILER_H
#define EXITLAB_SHIM_LINUX_COMPILER_H
#define likely(x) __builtin_expect(!!(x), 1)
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#endif
