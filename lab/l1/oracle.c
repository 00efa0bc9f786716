// SPDX-License-Identifier: GPL-2.0-only
#include "oracle.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LEAF_TOTAL 0x4FFFFFFFu
#define LEAF_REASON 0x4FFFFFFDu

static int add_name(struct reason_names *names, const char *name, size_t len, uint32_t value)
{
	void *grown = realloc(names->entries, (names->n + 1) * sizeof(*names->entries));

	if (!grown)
		return -ENOMEM;
	names->entries = grown;
	snprintf(names->entries[names->n].name, sizeof(names->entries[0].name), "%.*s", (int)len,
		 name);
	names->entries[names->n].value = value;
	names->n++;
	return 0;
}

int reason_names_from_format(const char *format_text, enum exit_arch arch,
			     struct reason_names *ret)
{
	struct reason_names names = { 0 };
	const char *p = strstr(format_text, "print fmt:");
	int which = arch == EXIT_ARCH_VMX ? 0 : 1;

	/* kvm_print_exit_reason(): the VMX table first, then the SVM one. */
	while (p && (p = strstr(p, "__print_symbolic(")) && which-- > 0)
		p += 17;
	if (!p)
		return -ENOENT;
	p = strchr(p, '{');
	while (p && *p == '{') {
		char *end;
		const char *q, *name;
		unsigned long v;

		v = strtoul(p + 1, &end, 0);
		/*
		 * The preprocessor expands but does not evaluate: SVM's exceptions
		 * read "{ 0x040 + 14, \"PF excp\" }" (SVM_EXIT_EXCP_BASE + PF_VECTOR).
		 */
		for (;;) {
			char *term = end;

			while (isspace((unsigned char)*term))
				term++;
			if (*term != '+')
				break;
			v += strtoul(term + 1, &end, 0);
		}
		q = strchr(end, '"');
		if (!q)
			break;
		name = q + 1;
		q = strchr(name, '"');
		if (!q || add_name(&names, name, (size_t)(q - name), (uint32_t)v) < 0)
			break;
		p = strchr(q, '}');
		if (!p)
			break;
		p++;
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
	}
	if (names.n == 0) {
		reason_names_free(&names);
		return -ENOENT;
	}
	*ret = names;
	return 0;
}

void reason_names_free(struct reason_names *names)
{
	free(names->entries);
	names->entries = NULL;
	names->n = 0;
}

/*
 * The reason as kvm_exit printed it: "cpuid", "PF excp" (SVM's exception
 * names hold a space), "0x400" (a code the table lacks), or on VMX a name
 * followed by flags ("EPT_VIOLATION VMENTRY_FAILED"). The longest known name
 * the text starts with, followed by its end or a space, wins.
 */
static bool name_lookup(const struct reason_names *names, const char *name, size_t len,
			uint32_t *ret)
{
	size_t i, best_len = 0;

	if (len > 2 && name[0] == '0' && name[1] == 'x') {
		*ret = (uint32_t)strtoul(name, NULL, 16);
		return true;
	}
	for (i = 0; i < names->n; i++) {
		size_t n = strlen(names->entries[i].name);

		if (n > best_len && n <= len && strncmp(names->entries[i].name, name, n) == 0 &&
		    (n == len || name[n] == ' ')) {
			*ret = names->entries[i].value;
			best_len = n;
		}
	}
	return best_len > 0;
}

enum event_kind { EV_EXIT, EV_CPUID };

/* Beyond every vendor's codes: such an exit counts in the total only. */
#define REASON_UNNAMED UINT32_MAX

struct event {
	enum event_kind kind;
	int tgid;                   /* the VM's QEMU process; 0 when not recorded */
	uint32_t reason;            /* EV_EXIT; REASON_UNNAMED when kvm_exit's name is unknown */
	uint32_t func, idx, rax;    /* EV_CPUID */
};

struct events {
	struct event *v;
	size_t n, cap;
	size_t unknown_reasons;
};

static int push(struct events *e, struct event ev)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4096;
		void *grown = realloc(e->v, cap * sizeof(*e->v));

		if (!grown)
			return -ENOMEM;
		e->v = grown;
		e->cap = cap;
	}
	e->v[e->n++] = ev;
	return 0;
}

/*
 * With options/record-tgid a line reads "<comm>-<tid> (<tgid>) [<cpu>] ...":
 * the comm ("CPU 0/KVM") may hold anything, so read back from the "[cpu]".
 */
static int line_tgid(const char *line, const char *event)
{
	const char *open_cpu = NULL, *p, *close_paren;
	int tgid = 0;

	for (p = event; p > line; p--) {
		if (*p == '[') {
			open_cpu = p;
			break;
		}
	}
	if (!open_cpu)
		return 0;
	for (p = open_cpu; p > line && *p != ')'; p--)
		;
	close_paren = p;
	for (; p > line && *p != '('; p--)
		;
	if (*p != '(' || *close_paren != ')')
		return 0;
	tgid = (int)strtol(p + 1, NULL, 10);
	return tgid > 0 ? tgid : 0;
}

/* The hex number after key, within [from, eol). */
static bool hex_after(const char *from, const char *key, const char *eol, uint32_t *ret)
{
	const char *p = strstr(from, key);
	char *end;
	unsigned long long v;

	if (!p || (eol && p >= eol))
		return false;
	p += strlen(key);
	v = strtoull(p, &end, 16);
	if (end == p)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static int parse_trace(const char *text, const struct reason_names *names, struct events *ret)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *p;
		struct event ev = { 0 };

		if ((p = strstr(line, ": kvm_exit: ")) && (!eol || p < eol)) {
			const char *name = strstr(p, " reason ");
			size_t len;

			if (name && (!eol || name < eol)) {
				const char *rip;

				name += 8;
				rip = strstr(name, " rip ");
				len = rip && (!eol || rip < eol) ? (size_t)(rip - name)
								 : strcspn(name, "\n");
				ev.kind = EV_EXIT;
				ev.tgid = line_tgid(line, p);
				if (!name_lookup(names, name, len, &ev.reason)) {
					ev.reason = REASON_UNNAMED;
					ret->unknown_reasons++;
				}
				if (push(ret, ev) < 0)
					return -ENOMEM;
			}
		} else if ((p = strstr(line, ": kvm_cpuid: ")) && (!eol || p < eol)) {
			ev.kind = EV_CPUID;
			ev.tgid = line_tgid(line, p);
			/*
			 * Not sscanf: glibc's measures the whole remaining text on every
			 * call, which made this loop quadratic (minutes in an emulated L1).
			 */
			if (hex_after(p, " func ", eol, &ev.func) &&
			    hex_after(p, " idx ", eol, &ev.idx) && hex_after(p, " rax ", eol, &ev.rax)) {
				if (push(ret, ev) < 0)
					return -ENOMEM;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}

/* Index of the first CPUID event at or after `from` answering func/idx with rax. */
static ssize_t find_read(const struct events *e, size_t from, uint32_t func, uint32_t idx,
			 uint32_t rax)
{
	size_t i;

	for (i = from; i < e->n; i++) {
		const struct event *ev = &e->v[i];

		if (ev->kind == EV_CPUID && ev->func == func && ev->idx == idx && ev->rax == rax)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * Exits of the VM whose process is tgid (any VM when 0) between events a
 * and b; ret_others gets the exits of other VMs in L1.
 */
static uint64_t exits_between(const struct events *e, size_t a, size_t b, bool any,
			      uint32_t reason, int tgid, uint64_t *ret_others)
{
	uint64_t n = 0, others = 0;
	size_t i;

	for (i = a + 1; i < b; i++) {
		const struct event *ev = &e->v[i];

		if (ev->kind != EV_EXIT || !(any || ev->reason == reason))
			continue;
		if (tgid && ev->tgid && ev->tgid != tgid)
			others++;
		else
			n++;
	}
	if (ret_others)
		*ret_others = others;
	return n;
}

static int64_t regs0(struct json_object *o, const char *key)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || json_object_array_length(a) != 4)
		return -1;
	return json_object_get_int64(json_object_array_get_idx(a, 0));
}

static struct json_object *compare_one(const struct events *e, uint32_t func, uint32_t idx,
				       int64_t a, int64_t b, const char *name, int64_t tolerance,
				       bool *ret_equal)
{
	struct json_object *o = json_object_new_object();
	ssize_t ia = find_read(e, 0, func, idx, (uint32_t)a);
	ssize_t ib = ia < 0 ? -1 : find_read(e, (size_t)ia + 1, func, idx, (uint32_t)b);
	uint64_t leaf = (uint32_t)((uint32_t)b - (uint32_t)a), trace;

	json_object_object_add(o, "reason", func == LEAF_TOTAL ? NULL : json_object_new_int64(idx));
	json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "leaf_delta", json_object_new_int64((int64_t)leaf));
	if (ia < 0 || ib < 0) {
		json_object_object_add(o, "trace_delta", NULL);
		json_object_object_add(o, "error",
				       json_object_new_string("the two reads are not in the trace"));
		*ret_equal = false;
		return o;
	}
	{
		uint64_t others = 0;

		/* The VM whose probe made the reads: other VMs' exits are not its own. */
		trace = exits_between(e, (size_t)ia, (size_t)ib, func == LEAF_TOTAL, idx,
				      e->v[ia].tgid, &others);
		if (func == LEAF_TOTAL) {
			json_object_object_add(o, "vm_tgid", json_object_new_int(e->v[ia].tgid));
			json_object_object_add(o, "other_vm_exits",
					       json_object_new_int64((int64_t)others));
		}
	}
	json_object_object_add(o, "trace_delta", json_object_new_int64((int64_t)trace));
	json_object_object_add(o, "exact", json_object_new_boolean(trace == leaf));
	*ret_equal = llabs((int64_t)leaf - (int64_t)trace) <= tolerance;
	json_object_object_add(o, "equal", json_object_new_boolean(*ret_equal));
	return o;
}

/*
 * Per-reason counts add up to the total, exactly: in snapshot b, the total
 * read last (total_exits_regs) must equal the sum over every reason row of
 * its count as read plus the VM's exits of that reason the trace shows
 * between that read and the total's. A counted exit that no reason reports
 * (a reason whose leaf answered zeros, an exit of no defined reason) makes
 * the sum fall short.
 */
static struct json_object *sum_of_reasons(const struct events *e, struct json_object *snap_a,
					  struct json_object *snap_b, int64_t tolerance,
					  bool *ret_equal)
{
	struct json_object *o = json_object_new_object(), *rows;
	int64_t total_a = regs0(snap_a, "total_exits_regs"), total_b = regs0(snap_b, "total_exits_regs");
	ssize_t ia = find_read(e, 0, LEAF_TOTAL, 0, (uint32_t)total_a);
	ssize_t ib = ia < 0 ? -1 : find_read(e, (size_t)ia + 1, LEAF_TOTAL, 0, (uint32_t)total_b);
	uint32_t sum = 0;
	size_t i, n;

	*ret_equal = false;
	json_object_object_add(o, "total", json_object_new_int64(total_b));
	if (ib < 0 || !json_object_object_get_ex(snap_b, "reasons", &rows)) {
		json_object_object_add(o, "error",
				       json_object_new_string("snapshot b's total read is not in the trace"));
		return o;
	}
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *reason;
		int64_t count = regs0(row, "count_regs");
		uint32_t r;
		ssize_t j, at = -1;

		if (!json_object_object_get_ex(row, "reason", &reason) || count < 0)
			continue;
		r = (uint32_t)json_object_get_int64(reason);
		/*
		 * This snapshot's read of the reason: the last one before its total
		 * that gave its value. A sampler beside it reads the same leaves; a
		 * read of the same value later than the snapshot's has no exit of
		 * the reason in between, so either gives the same sum.
		 */
		for (j = ib - 1; j > ia; j--) {
			if (e->v[j].kind == EV_CPUID && e->v[j].func == LEAF_REASON &&
			    e->v[j].idx == r && e->v[j].rax == (uint32_t)count) {
				at = j;
				break;
			}
		}
		if (at < 0) {
			json_object_object_add(o, "error",
					       json_object_new_string("a reason's read is not in the trace"));
			json_object_object_add(o, "reason", json_object_new_int64(r));
			return o;
		}
		sum += (uint32_t)count +
		       (uint32_t)exits_between(e, (size_t)at, (size_t)ib, false, r, e->v[ib].tgid, NULL);
	}
	json_object_object_add(o, "sum", json_object_new_int64(sum));
	json_object_object_add(o, "exact", json_object_new_boolean(sum == (uint32_t)total_b));
	*ret_equal = llabs((int64_t)sum - total_b) <= tolerance;
	json_object_object_add(o, "equal", json_object_new_boolean(*ret_equal));
	return o;
}

struct json_object *oracle_compare(const char *trace_text, const struct reason_names *names,
				   struct json_object *snap_a, struct json_object *snap_b,
				   unsigned vcpus, char *err, size_t errlen)
{
	int64_t tolerance = vcpus > 1 ? 2 * ((int64_t)vcpus - 1) : 0;
	struct events ev = { 0 };
	struct json_object *report, *rows, *ra, *rb, *total;
	size_t i, n, compared = 0, mismatches = 0;
	bool equal;

	if (parse_trace(trace_text, names, &ev) < 0) {
		snprintf(err, errlen, "out of memory parsing the trace");
		free(ev.v);
		return NULL;
	}
	if (!json_object_object_get_ex(snap_a, "reasons", &ra) ||
	    !json_object_object_get_ex(snap_b, "reasons", &rb) ||
	    json_object_array_length(ra) != json_object_array_length(rb)) {
		snprintf(err, errlen, "the two snapshots do not have the same reasons");
		free(ev.v);
		return NULL;
	}
	report = json_object_new_object();
	rows = json_object_new_array();
	total = compare_one(&ev, LEAF_TOTAL, 0, regs0(snap_a, "total_exits_regs"),
			    regs0(snap_b, "total_exits_regs"), "total", tolerance, &equal);
	json_object_object_add(report, "total", total);
	if (!equal)
		mismatches++;
	n = json_object_array_length(ra);
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(ra, i);
		struct json_object *b = json_object_array_get_idx(rb, i);
		struct json_object *cls, *reason, *name;

		/* Only reasons the leaves count: undefined and unhandled answer zero. */
		if (!json_object_object_get_ex(b, "class", &cls) ||
		    strcmp(json_object_get_string(cls), "counted") != 0)
			continue;
		json_object_object_get_ex(b, "reason", &reason);
		json_object_object_get_ex(b, "name", &name);
		json_object_array_add(rows, compare_one(&ev, LEAF_REASON,
							(uint32_t)json_object_get_int64(reason),
							regs0(a, "count_regs"), regs0(b, "count_regs"),
							name ? json_object_get_string(name) : NULL,
							tolerance, &equal));
		compared++;
		if (!equal)
			mismatches++;
	}
	json_object_object_add(report, "reasons", rows);
	/* A verdict of its own: the e2e tiers assert it (tests/e2e/oracle_check.h). */
	json_object_object_add(report, "sum_of_reasons",
			       sum_of_reasons(&ev, snap_a, snap_b, tolerance, &equal));
	json_object_object_add(report, "vcpus", json_object_new_int((int)vcpus));
	json_object_object_add(report, "tolerance", json_object_new_int64(tolerance));
	json_object_object_add(report, "reasons_compared", json_object_new_int64((int64_t)compared));
	json_object_object_add(report, "mismatches", json_object_new_int64((int64_t)mismatches));
	json_object_object_add(report, "trace_events", json_object_new_int64((int64_t)ev.n));
	json_object_object_add(report, "unknown_reason_names",
			       json_object_new_int64((int64_t)ev.unknown_reasons));
	free(ev.v);
	return report;
}

static int write_str(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	/* No O_TRUNC: on a trigger file it would drop the triggers set before. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return -errno;
	return 0;
}

int oracle_trace_start(const char *dir, char *err, size_t errlen)
{
	static const struct {
		const char *file, *value;
	} steps[] = {
		{ "tracing_on", "0" },
		{ "buffer_size_kb", "32768" },
		/* One clock for all CPUs: events of both vCPUs in one order. */
		{ "trace_clock", "global" },
		/* The QEMU process of each event: one VM's exits from another's. */
		{ "options/record-tgid", "1" },
		{ "events/kvm/kvm_exit/enable", "1" },
		{ "events/kvm/kvm_cpuid/enable", "1" },
		{ "events/kvm/kvm_cpuid/trigger",
		  "traceon if function == 0x4fffffff && index == 0xe1a50001" },
		/*
		 * Not traceoff: it shares a trigger type with traceon, and an event
		 * takes one trigger per type.
		 */
		{ "events/kvm/kvm_cpuid/trigger",
		  "disable_event:kvm:kvm_exit if function == 0x4fffffff && index == 0xe1a50002" },
		/*
		 * And kvm_cpuid itself, or a guest sampling its leaves for minutes
		 * fills the buffer that L1, emulated, then reads for minutes.
		 */
		{ "events/kvm/kvm_cpuid/trigger",
		  "disable_event:kvm:kvm_cpuid if function == 0x4fffffff && index == 0xe1a50002" },
	};
	size_t i;
	int r;

	if (mkdir_p(dir, 0755) < 0) {
		snprintf(err, errlen, "cannot create the tracefs instance %s", dir);
		return -EIO;
	}
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		r = write_str(dir, steps[i].file, steps[i].value);
		if (r < 0) {
			snprintf(err, errlen, "tracefs: writing '%s' to %s/%s: %s", steps[i].value,
				 dir, steps[i].file, strerror(-r));
			return r;
		}
	}
	return 0;
}

int oracle_trace_stop(const char *dir)
{
	write_str(dir, "tracing_on", "0");
	write_str(dir, "events/kvm/kvm_exit/enable", "0");
	write_str(dir, "events/kvm/kvm_cpuid/enable", "0");
	return 0;
}
