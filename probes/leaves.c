// SPDX-License-Identifier: GPL-2.0-only
#include "leaves.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Values far above every table, to prove the kernel bounds its lookups. */
static const uint32_t far_reasons[] = {
	0x1000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF,
};

/*
 * The counts are per VM: on a guest with 2+ vCPUs, the sampler reading its
 * leaves on one vCPU while a snapshot's self-check counts its own CPUIDs on
 * another adds the sampler's CPUIDs to the check (seen: 122 for 101). The
 * two take this lock, so they never overlap. No lock where it cannot be
 * made (a guest with no /run): there is no sampler there either.
 */
#define PROBE_LOCK_PATH "/run/exitlab-probe.lock"

static int probe_lock(void)
{
	int fd = open(PROBE_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void probe_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void cpuid_native(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *ret)
{
	(void)ctx;
	__asm__ volatile("cpuid"
			 : "=a"(ret->eax), "=b"(ret->ebx), "=c"(ret->ecx), "=d"(ret->edx)
			 : "a"(leaf), "c"(subleaf));
}

struct cpuid_regs cpuid_query(struct cpuid_source *src, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	src->cpuid(src->ctx, leaf, subleaf, &r);
	src->executed++;
	return r;
}

void cpuid_vendor(struct cpuid_source *src, char ret_vendor[13])
{
	struct cpuid_regs r = cpuid_query(src, 0, 0);

	memcpy(ret_vendor, &r.ebx, 4);
	memcpy(ret_vendor + 4, &r.edx, 4);
	memcpy(ret_vendor + 8, &r.ecx, 4);
	ret_vendor[12] = '\0';
}

int leaves_discover(struct cpuid_source *src, char *err, size_t errlen)
{
	struct cpuid_regs r = cpuid_query(src, EXITLAB_LEAF_DISCOVERY, 0);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	if (memcmp(sig, EXITLAB_SIGNATURE, 12) != 0) {
		snprintf(err, errlen,
			 "no exit statistics here: CPUID 0x%08X gives no \"%s\" signature "
			 "(is the host's kvm loaded with exit_stats=1?)",
			 EXITLAB_LEAF_DISCOVERY, EXITLAB_SIGNATURE);
		return -ENODEV;
	}
	if (r.eax != EXITLAB_INTERFACE_VERSION) {
		snprintf(err, errlen, "exit statistics interface version %u, this probe reads %u",
			 r.eax, EXITLAB_INTERFACE_VERSION);
		return -EPROTO;
	}
	return 0;
}

enum reason_class reason_classify(const struct cpuid_regs *count, const struct cpuid_regs *cycles)
{
	bool count_undef = count->eax == 0 && count->ebx == 0 && count->ecx == 0 &&
			   count->edx == 0xFFFFFFFFu;
	bool cycles_undef = cycles->eax == 0 && cycles->ebx == 0 && cycles->ecx == 0 &&
			    cycles->edx == 0xFFFFFFFFu;

	if (count_undef && cycles_undef)
		return REASON_UNDEFINED;
	if (count->edx != 0 || cycles->edx != 0 || count->ebx != 0 || count->ecx != 0 ||
	    cycles->eax != 0)
		return REASON_MALFORMED;
	/*
	 * All zero is either a handled reason that never happened or an unhandled
	 * one; the leaves cannot tell them apart, and need not: both have no exits.
	 */
	if (count->eax == 0 && regs_cycles(cycles) == 0)
		return REASON_UNHANDLED;
	return REASON_COUNTED;
}

const char *reason_class_name(enum reason_class c)
{
	switch (c) {
	case REASON_COUNTED:
		return "counted";
	case REASON_UNHANDLED:
		return "zero";
	case REASON_UNDEFINED:
		return "undefined";
	default:
		return "malformed";
	}
}

static struct json_object *regs_json(const struct cpuid_regs *r)
{
	struct json_object *a = json_object_new_array_ext(4);

	json_object_array_add(a, json_object_new_int64(r->eax));
	json_object_array_add(a, json_object_new_int64(r->ebx));
	json_object_array_add(a, json_object_new_int64(r->ecx));
	json_object_array_add(a, json_object_new_int64(r->edx));
	return a;
}

static struct json_object *reason_json(struct cpuid_source *src, enum exit_arch arch, uint32_t reason)
{
	struct cpuid_regs count = cpuid_query(src, EXITLAB_LEAF_REASON_EXITS, reason);
	struct cpuid_regs cycles = cpuid_query(src, EXITLAB_LEAF_REASON_CYCLES, reason);
	enum reason_class cls = reason_classify(&count, &cycles);
	struct json_object *o = json_object_new_object();
	const char *name = exit_reason_name(arch, reason);

	json_object_object_add(o, "reason", json_object_new_int64(reason));
	json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "class", json_object_new_string(reason_class_name(cls)));
	json_object_object_add(o, "count", json_object_new_int64(cls == REASON_COUNTED ? count.eax : 0));
	json_object_object_add(o, "cycles",
			       json_object_new_uint64(cls == REASON_COUNTED ? regs_cycles(&cycles) : 0));
	json_object_object_add(o, "count_regs", regs_json(&count));
	json_object_object_add(o, "cycles_regs", regs_json(&cycles));
	return o;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct json_object *leaves_sample(struct cpuid_source *src, enum exit_arch arch, const char *phase,
				  uint64_t observer_base)
{
	struct json_object *o = json_object_new_object(), *reasons = json_object_new_object();
	uint32_t cpuid_reason = arch == EXIT_ARCH_VMX ? 10 : 0x72;
	uint32_t limit = exit_reason_scan_limit(arch), r;
	struct cpuid_regs total, cycles;
	uint64_t observer_total;
	int lock;

	json_object_object_add(o, "type", json_object_new_string("sample"));
	json_object_object_add(o, "phase", json_object_new_string(phase));
	json_object_object_add(o, "arch", json_object_new_string(exit_arch_name(arch)));
	json_object_object_add(o, "realtime", json_object_new_double(clock_s(CLOCK_REALTIME)));
	json_object_object_add(o, "uptime", json_object_new_double(clock_s(CLOCK_BOOTTIME)));
	lock = probe_lock();
	total = cpuid_query(src, EXITLAB_LEAF_TOTAL_EXITS, 0);
	/* KVM counts an exit before it emulates the CPUID, so a read contains itself. */
	observer_total = observer_base + src->executed;
	cycles = cpuid_query(src, EXITLAB_LEAF_TOTAL_CYCLES, 0);
	for (r = 0; r <= limit; r++) {
		struct cpuid_regs count, rc;
		struct json_object *entry;
		uint64_t observer;

		if (!exit_reason_name(arch, r))
			continue;
		count = cpuid_query(src, EXITLAB_LEAF_REASON_EXITS, r);
		observer = observer_base + src->executed;
		if (count.eax == 0 || count.edx != 0)
			continue;
		rc = cpuid_query(src, EXITLAB_LEAF_REASON_CYCLES, r);
		entry = json_object_new_object();
		json_object_object_add(entry, "count", json_object_new_int64(count.eax));
		json_object_object_add(entry, "cycles", json_object_new_uint64(regs_cycles(&rc)));
		/* The probe's own exits in this count, exact at the moment of its read. */
		if (r == cpuid_reason)
			json_object_object_add(entry, "observer", json_object_new_uint64(observer));
		{
			char key[16];

			snprintf(key, sizeof(key), "%u", r);
			json_object_object_add(reasons, key, entry);
		}
	}
	probe_unlock(lock);
	json_object_object_add(o, "total", json_object_new_int64(total.eax));
	json_object_object_add(o, "total_cycles", json_object_new_uint64(regs_cycles(&cycles)));
	json_object_object_add(o, "observer_cpuid", json_object_new_uint64(observer_total));
	json_object_object_add(o, "total_corrected",
			       json_object_new_int64((int64_t)total.eax - (int64_t)observer_total));
	json_object_object_add(o, "reasons", reasons);
	return o;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int leaves_snapshot(struct cpuid_source *src, const char *phase, struct json_object **ret_obj)
{
	struct json_object *o, *reasons, *check;
	struct cpuid_regs total0, total1, cycles, c0, c1;
	uint64_t executed_before, own;
	uint32_t cpuid_reason, limit, r;
	enum exit_arch arch;
	char vendor[13];
	unsigned i, tries;
	int lock;

	cpuid_vendor(src, vendor);
	arch = exit_arch_from_vendor(vendor);
	if (arch == EXIT_ARCH_UNKNOWN)
		return -EOPNOTSUPP;
	cpuid_reason = arch == EXIT_ARCH_VMX ? 10 : 0x72;
	limit = exit_reason_scan_limit(arch);

	o = json_object_new_object();
	json_object_object_add(o, "schema", json_object_new_string("exitlab-snapshot/1"));
	json_object_object_add(o, "phase", json_object_new_string(phase));
	json_object_object_add(o, "vendor", json_object_new_string(vendor));
	json_object_object_add(o, "arch", json_object_new_string(exit_arch_name(arch)));
	json_object_object_add(o, "monotonic_ns", json_object_new_uint64(monotonic_ns()));

	total0 = cpuid_query(src, EXITLAB_LEAF_TOTAL_EXITS, 0);
	executed_before = src->executed;
	reasons = json_object_new_array();
	for (r = 0; r <= limit; r++)
		json_object_array_add(reasons, reason_json(src, arch, r));
	for (i = 0; i < ARRAY_LEN(far_reasons); i++)
		json_object_array_add(reasons, reason_json(src, arch, far_reasons[i]));
	total1 = cpuid_query(src, EXITLAB_LEAF_TOTAL_EXITS, 0);
	own = src->executed - executed_before;
	cycles = cpuid_query(src, EXITLAB_LEAF_TOTAL_CYCLES, 0);

	json_object_object_add(o, "total_exits", json_object_new_int64(total1.eax));
	json_object_object_add(o, "total_cycles", json_object_new_uint64(regs_cycles(&cycles)));
	json_object_object_add(o, "total_exits_regs", regs_json(&total1));
	json_object_object_add(o, "total_cycles_regs", regs_json(&cycles));
	/*
	 * Every leaf read is a CPUID exit. Between the two total reads the probe
	 * itself caused `own` of them; the rest came from the guest around it.
	 */
	json_object_object_add(o, "scan_total_before", json_object_new_int64(total0.eax));
	json_object_object_add(o, "scan_own_cpuid", json_object_new_uint64(own));
	json_object_object_add(o, "reasons", reasons);

	/*
	 * The count is the whole VM's: a CPUID on another vCPU inside the
	 * burst (a process starting there runs dozens in its C library's
	 * start-up) lands in it too, and the sampler is kept out only by the
	 * lock. So the burst is repeated, up to SNAPSHOT_CPUID_TRIES times, until
	 * one window holds the probe's own CPUIDs alone; "tries" says how many.
	 */
	for (tries = 1;; tries++) {
		lock = probe_lock();
		c0 = cpuid_query(src, EXITLAB_LEAF_REASON_EXITS, cpuid_reason);
		for (i = 0; i < SNAPSHOT_CPUID_BURST; i++)
			cpuid_query(src, 0, 0);
		c1 = cpuid_query(src, EXITLAB_LEAF_REASON_EXITS, cpuid_reason);
		probe_unlock(lock);
		if (c1.eax - c0.eax == SNAPSHOT_CPUID_BURST + 1 || tries == SNAPSHOT_CPUID_TRIES)
			break;
		(void)nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	}
	check = json_object_new_object();
	json_object_object_add(check, "tries", json_object_new_int((int)tries));
	json_object_object_add(check, "reason", json_object_new_int64(cpuid_reason));
	json_object_object_add(check, "burst", json_object_new_int(SNAPSHOT_CPUID_BURST));
	json_object_object_add(check, "before", json_object_new_int64(c0.eax));
	json_object_object_add(check, "after", json_object_new_int64(c1.eax));
	/* The second read is itself a CPUID exit, counted when it happens. */
	json_object_object_add(check, "expected_delta", json_object_new_int(SNAPSHOT_CPUID_BURST + 1));
	json_object_object_add(o, "cpuid_self_check", check);
	json_object_object_add(o, "probe_cpuid_executed", json_object_new_uint64(src->executed));

	*ret_obj = o;
	return 0;
}
