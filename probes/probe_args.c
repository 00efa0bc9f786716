// SPDX-License-Identifier: GPL-2.0-only
#include "probe_args.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char probe_usage[] =
	"usage: exitlab-probe query LEAF [ECX]\n"
	"       exitlab-probe snapshot [--phase NAME] [--out FILE]\n"
	"       exitlab-probe interval [--seconds S] [--out FILE]\n"
	"         snapshots before and after S seconds (default 5) of CPUID, sleep\n"
	"         and disk work, between marker reads that start and stop L1's trace\n"
	"       exitlab-probe guest-init [--seconds S] [--out FILE]\n"
	"         as PID 1 of a minimal guest (an initramfs holding only the probe):\n"
	"         interval, then a final snapshot, then power off\n"
	"       exitlab-probe sample [--interval MS] [--duration S] [--phase NAME]\n"
	"                            [--phase-file FILE] [--out FILE]\n"
	"         a JSON Lines time series: totals and every reason with exits, every MS\n"
	"         (default 1000) for S seconds (default 0: until SIGTERM or SIGINT)\n"
	"       exitlab-probe mark --phase NAME --event begin|end [--workload JSON]\n"
	"                          [--result JSON] [--out FILE]\n"
	"         one JSON line marking a phase's start or end, timestamped, with the\n"
	"         counters (as a sample's) read at that moment\n"
	"       exitlab-probe workload NAME[:N] | --file PROGRAM\n"
	"         one workload from the catalogue (cpuid:N, hlt:N, pio:N, mmio:N,\n"
	"         msr-read:N, msr-write:N, mem:MIB, disk:MIB, net:MIB, mixed:SECONDS),\n"
	"         or PROGRAM with its output kept; a JSON result on stdout, exit status 1\n"
	"         if it failed\n"
	"       exitlab-probe bench [--iterations N]\n"
	"         CPUID (leaf 0, which KVM handles) round trips: ns each, best of 5\n"
	"LEAF and ECX are 32-bit numbers (decimal or 0x hex). With EXITLAB_PROBE_STATE set,\n"
	"sample keeps the CPUIDs it ran in that file, so that after a restart (a guest\n"
	"reboot) its samples still subtract all its reads in this VM (\"observer_cpuid\").\n";

static int parse_u32(const char *s, uint32_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > 0xFFFFFFFFull)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/* NULL is fine: the option was not given. */
static bool json_object_text(const char *text)
{
	struct json_object *o;
	bool is_object;

	if (!text)
		return true;
	o = json_tokener_parse(text);
	is_object = o && json_object_is_type(o, json_type_object);
	json_object_put(o);
	return is_object;
}

#define FAIL(...)                                  \
	do {                                       \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                    \
	} while (0)

int probe_args_parse(int argc, char **argv, struct probe_args *ret, char *err, size_t errlen)
{
	struct probe_args a = { .phase = "snapshot", .seconds = 5, .iterations = 100000 };
	const char *cmd;
	int i;

	if (argc < 2)
		FAIL("missing command (query, snapshot, interval, guest-init, sample, mark, "
		     "workload, bench; --help for usage)");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		a.command = PROBE_HELP;
	} else if (!strcmp(cmd, "query")) {
		a.command = PROBE_QUERY;
		if (argc < 3 || argc > 4)
			FAIL("query takes LEAF and an optional ECX");
		if (parse_u32(argv[2], &a.leaf) < 0)
			FAIL("query: LEAF '%s' is not a 32-bit number", argv[2]);
		if (argc == 4 && parse_u32(argv[3], &a.subleaf) < 0)
			FAIL("query: ECX '%s' is not a 32-bit number", argv[3]);
	} else if (!strcmp(cmd, "snapshot")) {
		a.command = PROBE_SNAPSHOT;
		for (i = 2; i < argc; i++) {
			const char **slot;

			if (!strcmp(argv[i], "--phase"))
				slot = &a.phase;
			else if (!strcmp(argv[i], "--out"))
				slot = &a.out;
			else
				FAIL("snapshot: unknown option '%s'", argv[i]);
			if (i + 1 >= argc || !*argv[i + 1])
				FAIL("snapshot: %s needs a value", argv[i]);
			*slot = argv[++i];
		}
	} else if (!strcmp(cmd, "interval") || !strcmp(cmd, "guest-init")) {
		a.command = !strcmp(cmd, "interval") ? PROBE_INTERVAL : PROBE_GUEST_INIT;
		for (i = 2; i < argc; i++) {
			uint32_t v;

			if (i + 1 >= argc || !*argv[i + 1])
				FAIL("%s: %s needs a value", cmd, argv[i]);
			if (!strcmp(argv[i], "--out")) {
				a.out = argv[++i];
			} else if (!strcmp(argv[i], "--seconds")) {
				if (parse_u32(argv[++i], &v) < 0 || v < 1 || v > 3600)
					FAIL("%s: --seconds takes 1..3600, not '%s'", cmd, argv[i]);
				a.seconds = v;
			} else {
				FAIL("%s: unknown option '%s'", cmd, argv[i]);
			}
		}
	} else if (!strcmp(cmd, "sample")) {
		a.command = PROBE_SAMPLE;
		a.interval_ms = 1000;
		for (i = 2; i < argc; i++) {
			uint32_t v;

			if (i + 1 >= argc || !*argv[i + 1])
				FAIL("sample: %s needs a value", argv[i]);
			if (!strcmp(argv[i], "--interval")) {
				if (parse_u32(argv[++i], &v) < 0 || v < 10 || v > 3600000)
					FAIL("sample: --interval takes 10..3600000 ms, not '%s'", argv[i]);
				a.interval_ms = v;
			} else if (!strcmp(argv[i], "--duration")) {
				if (parse_u32(argv[++i], &v) < 0 || v > 86400)
					FAIL("sample: --duration takes 0..86400 s, not '%s'", argv[i]);
				a.duration_s = v;
			} else if (!strcmp(argv[i], "--phase")) {
				a.phase = argv[++i];
			} else if (!strcmp(argv[i], "--phase-file")) {
				a.phase_file = argv[++i];
			} else if (!strcmp(argv[i], "--out")) {
				a.out = argv[++i];
			} else {
				FAIL("sample: unknown option '%s'", argv[i]);
			}
		}
	} else if (!strcmp(cmd, "mark")) {
		a.command = PROBE_MARK;
		a.phase = NULL;
		for (i = 2; i < argc; i++) {
			const char **slot;

			if (!strcmp(argv[i], "--phase"))
				slot = &a.phase;
			else if (!strcmp(argv[i], "--event"))
				slot = &a.event;
			else if (!strcmp(argv[i], "--workload"))
				slot = &a.workload;
			else if (!strcmp(argv[i], "--result"))
				slot = &a.result;
			else if (!strcmp(argv[i], "--out"))
				slot = &a.out;
			else
				FAIL("mark: unknown option '%s'", argv[i]);
			if (i + 1 >= argc || !*argv[i + 1])
				FAIL("mark: %s needs a value", argv[i]);
			*slot = argv[++i];
		}
		if (!a.phase || !a.event)
			FAIL("mark: --phase and --event are required");
		if (strcmp(a.event, "begin") != 0 && strcmp(a.event, "end") != 0)
			FAIL("mark: --event takes begin or end, not '%s'", a.event);
		if (!json_object_text(a.workload))
			FAIL("mark: --workload takes a JSON object, not '%s'", a.workload);
		if (!json_object_text(a.result))
			FAIL("mark: --result takes a JSON object, not '%s'", a.result);
	} else if (!strcmp(cmd, "workload")) {
		char why[200];

		a.command = PROBE_WORKLOAD;
		if (argc == 4 && !strcmp(argv[2], "--file")) {
			if (!*argv[3])
				FAIL("workload: --file needs a program");
			a.file = argv[3];
		} else if (argc == 3) {
			if (workload_spec_parse(argv[2], &a.spec, why, sizeof(why)) < 0)
				FAIL("%s", why);
		} else {
			FAIL("workload takes NAME[:N] or --file PROGRAM");
		}
	} else if (!strcmp(cmd, "bench")) {
		a.command = PROBE_BENCH;
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--iterations") != 0)
				FAIL("bench: unknown option '%s'", argv[i]);
			if (i + 1 >= argc || parse_u32(argv[i + 1], &a.iterations) < 0 ||
			    a.iterations < 1000 || a.iterations > 100000000)
				FAIL("bench: --iterations takes 1000..100000000");
			i++;
		}
	} else {
		FAIL("unknown command '%s' (query, snapshot, interval, guest-init, sample, mark, workload, bench; --help for usage)", cmd);
	}
	*ret = a;
	return 0;
}

int probe_needs_leaves(enum probe_command c)
{
	switch (c) {
	case PROBE_SNAPSHOT:
	case PROBE_INTERVAL:
	case PROBE_GUEST_INIT:
	case PROBE_SAMPLE:
		return 1;
	default:
		return 0;
	}
}
