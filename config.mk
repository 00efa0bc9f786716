# Shared build settings. Every value is derived from the installed Debian
# packages so that the patched modules, the L1 kernel and the source agree.
TOP        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD      ?= $(TOP)/build

# Debian's kernel source package version (e.g. 6.1.192-2) and the ABI name of
# the matching image package (e.g. 6.1.0-56-amd64), read from the headers
# meta-package that the source package was installed beside.
KERNEL_PKG_VERSION := $(shell dpkg-query -W -f='$${Version}' linux-source-6.1 2>/dev/null)
KERNEL_ABI         := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | sed -n 's/.*linux-headers-\([^ ]*-amd64\).*/\1/p')
KERNEL_SOURCE_TAR  := /usr/src/linux-source-6.1.tar.xz
KERNEL_HEADERS     := /usr/src/linux-headers-$(KERNEL_ABI)
