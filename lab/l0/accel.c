// SPDX-License-Identifier: GPL-2.0-only
#include "accel.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

int accel_request_parse(const char *s, enum accel_request *ret)
{
	if (!strcmp(s, "auto"))
		*ret = ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*ret = ACCEL_FORCE_KVM;
	else if (!strcmp(s, "tcg"))
		*ret = ACCEL_FORCE_TCG;
	else
		return -EINVAL;
	return 0;
}

/* Whether the host CPU flags and its KVM module offer nested virtualization. */
static bool host_nested(char *why, size_t len)
{
	static const struct {
		const char *flag, *param;
	} vendors[] = {
		{ " vmx", "/sys/module/kvm_intel/parameters/nested" },
		{ " svm", "/sys/module/kvm_amd/parameters/nested" },
	};
	_cleanup_free_ char *cpuinfo = NULL;
	char *flags_end;
	unsigned i;

	if (read_file("/proc/cpuinfo", &cpuinfo, NULL) < 0) {
		snprintf(why, len, "cannot read /proc/cpuinfo");
		return false;
	}
	/* The first CPU's flags line is enough: all CPUs share one model here. */
	flags_end = strstr(cpuinfo, "\nflags");
	if (flags_end) {
		char *eol = strchr(flags_end + 1, '\n');

		if (eol)
			*eol = '\0';
	}
	for (i = 0; i < ARRAY_SIZE(vendors); i++) {
		_cleanup_free_ char *nested = NULL;

		if (!flags_end || !strstr(flags_end, vendors[i].flag))
			continue;
		if (read_file(vendors[i].param, &nested, NULL) < 0) {
			snprintf(why, len, "CPU has%s but %s is missing", vendors[i].flag,
				 vendors[i].param);
			return false;
		}
		if (nested[0] == 'Y' || nested[0] == '1')
			return true;
		snprintf(why, len, "%s is off", vendors[i].param);
		return false;
	}
	snprintf(why, len, "the host CPU has neither vmx nor svm");
	return false;
}

static int kvm_trial(virConnectPtr conn, const char *kernel, char *why, size_t len)
{
	_cleanup_free_ char *name = xasprintf("exitlab-accel-trial-%d", (int)getpid());
	_cleanup_free_ char *xml = NULL, *err = NULL;
	struct dom_config cfg = {
		.name = name,
		.accel = DOM_ACCEL_KVM,
		.cpu = DOM_CPU_HOST,
		.memory_mib = 128,
		.vcpus = 1,
		.kernel = kernel,
		.cmdline = "console=ttyS0 panic=-1",
	};
	int r;

	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return -ENODEV;
	}
	r = dom_config_to_xml(&cfg, &xml);
	if (r < 0)
		return r;
	r = vm_trial(conn, xml, 1500, &err);
	if (r < 0) {
		snprintf(why, len, "a trial KVM guest failed: %s", err ? err : "unknown");
		return r;
	}
	return 0;
}

int accel_choose(virConnectPtr conn, enum accel_request req, const char *kernel,
		 struct accel_choice *ret)
{
	char kvm_why[400] = "", nested_why[200] = "";
	struct accel_choice c = { .accel = DOM_ACCEL_TCG, .cpu = DOM_CPU_EPYC_SVM };

	if (req == ACCEL_FORCE_TCG) {
		snprintf(c.why, sizeof(c.why), "TCG with emulated AMD SVM (requested)");
		*ret = c;
		return 0;
	}
	if (kvm_trial(conn, kernel, kvm_why, sizeof(kvm_why)) == 0) {
		if (host_nested(nested_why, sizeof(nested_why))) {
			c.accel = DOM_ACCEL_KVM;
			c.cpu = DOM_CPU_HOST;
			snprintf(c.why, sizeof(c.why),
				 "KVM: a trial guest ran and the host offers nested virtualization");
			*ret = c;
			return 0;
		}
		snprintf(kvm_why, sizeof(kvm_why), "KVM runs guests but not nested ones: %s",
			 nested_why);
	}
	if (req == ACCEL_FORCE_KVM) {
		snprintf(ret->why, sizeof(ret->why), "KVM was requested but is unusable: %s", kvm_why);
		return -ENODEV;
	}
	snprintf(c.why, sizeof(c.why), "TCG with emulated AMD SVM, because %s", kvm_why);
	*ret = c;
	return 0;
}
