/* SPDX-License-Identifier: GPL-2.0-only */
/* The uapi errno values, which are the kernel's. */
#include <asm-generic/errno.h>
