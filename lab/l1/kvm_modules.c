// SPDX-License-Identifier: GPL-2.0-only
#include "kvm_modules.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"
#include "util.h"

#define EXIT_STATS_PARAMETER "/sys/module/kvm/parameters/exit_stats"

char *kvm_cpu_vendor(void)
{
	_cleanup_free_ char *cpuinfo = NULL;
	char *p;

	if (read_file("/proc/cpuinfo", &cpuinfo, NULL) < 0)
		return NULL;
	p = strstr(cpuinfo, "vendor_id");
	if (!p || !(p = strchr(p, ':')))
		return NULL;
	p += 1 + strspn(p + 1, " \t");
	return strndup(p, strcspn(p, "\n"));
}

static int vendor_module(struct agent *a, const char **ret_module)
{
	_cleanup_free_ char *vendor = kvm_cpu_vendor();

	if (!vendor)
		return agent_fail(a, -ENODEV, "cannot read the CPU vendor from /proc/cpuinfo");
	if (strcmp(vendor, "GenuineIntel") == 0)
		*ret_module = "kvm_intel";
	else if (strcmp(vendor, "AuthenticAMD") == 0)
		*ret_module = "kvm_amd";
	else
		return agent_fail(a, -ENODEV, "CPU vendor %s has no KVM module", vendor);
	return 0;
}

/*
 * insmod of a module file outside the module tree's index: its dependencies
 * (irqbypass for kvm, ccp for kvm_amd) are loaded first with modprobe.
 */
static int insmod_with_dependencies(const char *path)
{
	char *depends_argv[] = { "modinfo", "-F", "depends", (char *)path, NULL };
	char *insmod_argv[] = { "insmod", (char *)path, NULL };
	_cleanup_free_ char *depends = NULL;
	char *dep, *save = NULL;
	int r;

	r = capture_command(depends_argv, &depends);
	if (r != 0)
		return r < 0 ? r : -ENOENT;
	for (dep = strtok_r(depends, ",\n", &save); dep; dep = strtok_r(NULL, ",\n", &save)) {
		char *modprobe_argv[] = { "modprobe", dep, NULL };

		r = run_command(modprobe_argv, NULL);
		if (r != 0)
			return r < 0 ? r : -ENOENT;
	}
	r = run_command(insmod_argv, NULL);
	return r == 0 ? 0 : r < 0 ? r : -EIO;
}

/* Debian's own kvm and vendor module, from the kernel's tree (ours are in updates/). */
static int load_stock(const char *module)
{
	struct utsname u;
	_cleanup_free_ char *kvm = NULL, *vendor = NULL;
	int r;

	(void)uname(&u);
	kvm = xasprintf("/lib/modules/%s/kernel/arch/x86/kvm/kvm.ko", u.release);
	vendor = xasprintf("/lib/modules/%s/kernel/arch/x86/kvm/%s.ko", u.release,
			   strcmp(module, "kvm_intel") == 0 ? "kvm-intel" : "kvm-amd");
	r = insmod_with_dependencies(kvm);
	return r == 0 ? insmod_with_dependencies(vendor) : r;
}

int kvm_load(struct agent *a, const char *config)
{
	bool stock = strcmp(config, "stock") == 0, on = strcmp(config, "on") == 0;
	char *rmmod[] = { "rmmod", NULL, "kvm", NULL };
	/* On: the bare name, as an admin would write it: KERNEL_PARAM_OPS_FL_NOARG (kvm-patch 0001). */
	char *modprobe_kvm[] = { "modprobe", "kvm", on ? "exit_stats" : "exit_stats=0", NULL };
	char *modprobe_vendor[] = { "modprobe", NULL, NULL };
	_cleanup_free_ char *param = NULL;
	const char *module;
	int r;

	r = vendor_module(a, &module);
	if (r < 0)
		return r;
	rmmod[1] = modprobe_vendor[1] = (char *)module;
	/* Whatever was loaded before; nothing is at L1's first load. */
	(void)run_command(rmmod, "/dev/null");
	if (stock) {
		r = load_stock(module);
		if (r != 0)
			return agent_fail(a, r < 0 ? r : -EIO, "loading Debian's kvm and %s failed "
					  "(%d)", module, r);
	} else {
		r = run_command(modprobe_kvm, NULL);
		if (r != 0)
			return agent_fail(a, r < 0 ? r : -EIO, "modprobe kvm %s failed (status %d)",
					  modprobe_kvm[2], r);
		r = run_command(modprobe_vendor, NULL);
		if (r != 0)
			return agent_fail(a, r < 0 ? r : -EIO, "modprobe %s failed (status %d): is "
					  "virtualization offered to L1?", module, r);
	}
	r = read_file(EXIT_STATS_PARAMETER, &param, NULL);
	if (stock && r == 0)
		return agent_fail(a, -EEXIST, "KVM is not Debian's own: it has exit_stats");
	if (!stock && r < 0)
		return agent_fail(a, -ENOENT, "the loaded kvm module has no exit_stats parameter: "
				  "it is not the patched one (rebuild the L1 image: make images)");
	if (!stock && param[0] != (on ? 'Y' : 'N'))
		return agent_fail(a, -EINVAL, "kvm exit_stats is %c, expected %c", param[0],
				  on ? 'Y' : 'N');
	if (access("/dev/kvm", R_OK | W_OK) < 0)
		return agent_fail(a, -errno, "/dev/kvm is missing after loading %s: %m", module);
	return 0;
}

/* A module's parameters as L1 loaded it (npt, nested, avic...: what shapes the exits). */
static void record_module_parameters(struct json_object *o, const char *key, const char *module)
{
	_cleanup_free_ char *dir = xasprintf("/sys/module/%s/parameters", module);
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct json_object *params;
	struct dirent *e;

	if (!d)
		return;
	params = json_object_new_object();
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = NULL, *value = NULL;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (read_file(path, &value, NULL) < 0)
			continue;
		value[strcspn(value, "\n")] = '\0';
		agent_add_str(params, e->d_name, value);
	}
	json_object_object_add(o, key, params);
}

int kvm_load_patched(struct agent *a)
{
	_cleanup_free_ char *vendor = kvm_cpu_vendor();
	char *modinfo_argv[] = { "modinfo", "-F", "vermagic", "kvm", NULL };
	char *path_argv[] = { "modinfo", "-n", NULL, NULL };
	const char *module;
	int r;

	agent_add_str(a->l1, "cpu_vendor", vendor);
	r = vendor_module(a, &module);
	if (r < 0)
		return r;
	log_info("L1: loading the patched kvm (modprobe kvm exit_stats) and %s", module);
	r = kvm_load(a, "on");
	if (r < 0)
		return r;
	path_argv[2] = (char *)module;
	agent_add_str(a->l1, "kvm_vendor_module", module);
	agent_record_command(a->l1, "kvm_vermagic", modinfo_argv);
	agent_record_command(a->l1, "kvm_vendor_module_path", path_argv);
	record_module_parameters(a->l1, "kvm_vendor_module_parameters", module);
	json_object_object_add(a->l1, "exit_stats", json_object_new_boolean(1));
	return 0;
}
