// SPDX-License-Identifier: GPL-2.0-only
#include "accel.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdio.h>
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

/* The value of the first "key : value" line of cpuinfo, up to the end of its line. */
static const char *cpuinfo_field(const char *cpuinfo, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = cpuinfo;

	while (p && *p) {
		const char *eol = strchr(p, '\n');

		if (!strncmp(p, key, klen) && (p[klen] == '\t' || p[klen] == ' ' || p[klen] == ':')) {
			const char *v = strchr(p, ':');

			if (v && (!eol || v < eol)) {
				v += 1 + strspn(v + 1, " \t");
				*len = eol ? (size_t)(eol - v) : strlen(v);
				return v;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

bool cpuinfo_has_flag(const char *cpuinfo, const char *flag)
{
	size_t len, flen = strlen(flag);
	const char *v = cpuinfo ? cpuinfo_field(cpuinfo, "flags", &len) : NULL;
	const char *p, *end;

	if (!v)
		return false;
	/* The first CPU's flags line is enough: all CPUs share one model here. */
	for (p = v, end = v + len; p < end;) {
		const char *w = p;

		while (w < end && *w != ' ' && *w != '\t')
			w++;
		if ((size_t)(w - p) == flen && !strncmp(p, flag, flen))
			return true;
		p = w + 1;
	}
	return false;
}

const char *kvm_vendor_module(const char *cpuinfo)
{
	size_t len;
	const char *v = cpuinfo ? cpuinfo_field(cpuinfo, "vendor_id", &len) : NULL;

	if (!v)
		return NULL;
	if (len == 12 && !strncmp(v, "GenuineIntel", 12))
		return "kvm_intel";
	if (len == 12 && (!strncmp(v, "AuthenticAMD", 12) || !strncmp(v, "HygonGenuine", 12)))
		return "kvm_amd";
	return NULL;
}

static bool param_on(const char *v)
{
	return v && (v[0] == 'Y' || v[0] == '1') && (v[1] == '\0' || v[1] == '\n');
}

/* Whether the host CPU flags and its KVM module offer nested virtualization. */
static bool host_nested(const struct host_facts *f, char *why, size_t len)
{
	const struct {
		const char *flag, *module, *nested;
	} vendors[] = {
		{ "vmx", "kvm_intel", f->nested_intel },
		{ "svm", "kvm_amd", f->nested_amd },
	};
	unsigned i;

	if (!f->cpuinfo) {
		snprintf(why, len, "cannot read /proc/cpuinfo");
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(vendors); i++) {
		const char *nested = vendors[i].nested;

		if (!cpuinfo_has_flag(f->cpuinfo, vendors[i].flag))
			continue;
		if (!nested) {
			snprintf(why, len, "CPU has %s but /sys/module/%s/parameters/nested is missing",
				 vendors[i].flag, vendors[i].module);
			return false;
		}
		if (param_on(nested))
			return true;
		snprintf(why, len, "/sys/module/%s/parameters/nested is off (%.*s)", vendors[i].module,
			 (int)strcspn(nested, "\n"), nested);
		return false;
	}
	snprintf(why, len, "the host CPU has neither vmx nor svm");
	return false;
}

int caps_offer_kvm(const char *caps_xml)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr obj = NULL;
	int r = -EINVAL;

	if (!caps_xml)
		return -EINVAL;
	doc = xmlReadMemory(caps_xml, (int)strlen(caps_xml), "capabilities.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	ctx = xmlXPathNewContext(doc);
	if (ctx)
		obj = xmlXPathEvalExpression(
			BAD_CAST "count(/capabilities/guest[os_type='hvm']/arch[@name='x86_64']"
				 "/domain[@type='kvm'])",
			ctx);
	if (obj && obj->type == XPATH_NUMBER)
		r = obj->floatval > 0;
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return r;
}

int accel_decide(enum accel_request req, const struct host_facts *f, struct accel_choice *ret)
{
	char kvm_why[400] = "", nested_why[200] = "";
	struct accel_choice c = { .accel = DOM_ACCEL_TCG, .cpu = DOM_CPU_EPYC_SVM,
				  .vendor_module = "kvm_amd" };

	if (req == ACCEL_FORCE_TCG) {
		snprintf(c.why, sizeof(c.why), "TCG with emulated AMD SVM (requested)");
		*ret = c;
		return 0;
	}
	if (f->libvirt_caps && caps_offer_kvm(f->libvirt_caps) == 1)
		snprintf(kvm_why, sizeof(kvm_why), "libvirt lists domain type kvm, but %s",
			 f->kvm_trial_why ? f->kvm_trial_why : "a trial KVM guest failed");
	else if (f->libvirt_caps && caps_offer_kvm(f->libvirt_caps) == 0)
		snprintf(kvm_why, sizeof(kvm_why), "libvirt lists no kvm domain for x86_64 (%s)",
			 f->kvm_trial_why ? f->kvm_trial_why : "a trial KVM guest failed");
	else
		snprintf(kvm_why, sizeof(kvm_why), "%s",
			 f->kvm_trial_why ? f->kvm_trial_why : "a trial KVM guest failed");
	if (f->kvm_trial_ran) {
		if (host_nested(f, nested_why, sizeof(nested_why))) {
			const char *module = kvm_vendor_module(f->cpuinfo);

			if (module) {
				c.accel = DOM_ACCEL_KVM;
				c.cpu = DOM_CPU_HOST;
				c.vendor_module = module;
				snprintf(c.why, sizeof(c.why),
					 "KVM: a trial guest ran and the host offers nested "
					 "virtualization (%s)", module);
				*ret = c;
				return 0;
			}
			snprintf(nested_why, sizeof(nested_why),
				 "the host CPU's vendor has no KVM module");
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
	_cleanup_free_ char *cpuinfo = NULL, *intel = NULL, *amd = NULL, *caps = NULL;
	char trial_why[400] = "";
	struct host_facts f = { 0 };

	if (req == ACCEL_FORCE_TCG)
		return accel_decide(req, &f, ret);
	f.kvm_trial_ran = kvm_trial(conn, kernel, trial_why, sizeof(trial_why)) == 0;
	f.kvm_trial_why = trial_why;
	caps = virConnectGetCapabilities(conn);
	f.libvirt_caps = caps;
	if (read_file("/proc/cpuinfo", &cpuinfo, NULL) == 0)
		f.cpuinfo = cpuinfo;
	if (read_file("/sys/module/kvm_intel/parameters/nested", &intel, NULL) == 0)
		f.nested_intel = intel;
	if (read_file("/sys/module/kvm_amd/parameters/nested", &amd, NULL) == 0)
		f.nested_amd = amd;
	return accel_decide(req, &f, ret);
}
