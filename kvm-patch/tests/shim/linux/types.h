/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's integer types. */
#ifndef EXITLAB_SHIM_LINUX_TYPES_H
#define EXITLAB_SHIM_LINUX_TYPES_H
#include <stdbool.h>
#include <stdint.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif
