/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_ACCEL_H
#define EXITLAB_ACCEL_H

#include <libvirt/libvirt.h>

#include "domxml.h"

enum accel_request {
	ACCEL_AUTO,
	ACCEL_FORCE_KVM,
	ACCEL_FORCE_TCG,
};

struct accel_choice {
	enum dom_accel accel;
	enum dom_cpu cpu;
	char why[512];
};

int accel_request_parse(const char *s, enum accel_request *ret);

/*
 * KVM only where a guest really runs on it and the host offers nested
 * virtualization; otherwise TCG with an emulated SVM CPU. kernel is any
 * bootable kernel for the trial guest.
 */
int accel_choose(virConnectPtr conn, enum accel_request req, const char *kernel,
		 struct accel_choice *ret);

#endif
