// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab: boots a patched KVM host (L1) through libvirt, runs an L2 guest in
 * it and brings home the exit counts the guest read from L1's KVM.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "many.h"
#include "run.h"
#include "backend.h"
#include "exitlab/contract.h"
#include "params.h"
#include "seed.h"
#include "util.h"
#include "vm.h"

static const struct l0_backend_ops *const l0_backends[] = {
	&l0_libvirt_backend,
	&l0_bochs_backend,
};

static const struct l0_backend_ops *l0_backend_named(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(l0_backends); i++)
		if (!strcmp(l0_backends[i]->name, name))
			return l0_backends[i];
	return NULL;
}

static const char usage[] =
	"usage: exitlab run [options]     run the whole chain from this host (L0)\n"
	"       exitlab bench [options]   CPUID round trips in L2 under stock, off and on KVM\n"
	"       exitlab runs --count N [--jobs J] [options]\n"
	"                                 N runs side by side (J at once), each as 'run'\n"
	"       exitlab soak --count N [--jobs J] [options]\n"
	"                                 N runs, then how reliable and how fast they were\n"
	"       exitlab --version\n"
	"\n"
	"run options:\n"
	"  --run-id ID          name of the run (default: UTC time, e.g. 20261124T140100Z)\n"
	"  --results DIR        where results/<run-id>/ goes (default: results)\n"
	"  --images DIR         vmlinuz, initrd.img, l1.img, l2.img (default: build/images)\n"
	"  --work DIR           per-run scratch space (default: build/runs)\n"
	"  --l0 libvirt|bochs   what runs L1: libvirt with QEMU (default), or Bochs, which\n"
	"                       emulates Intel VMX; L2 is then the probe alone, started by\n"
	"                       QEMU in L1 (defaults become --l1-memory 1024 --l2-memory 256)\n"
	"  --l2-full            with --l0 bochs: the whole chain instead, as under libvirt\n"
	"                       (libvirt in L1, L2 with systemd and cloud-init, every phase,\n"
	"                       workloads, the oracle; --l1-memory defaults to 2048); slow:\n"
	"                       raise --l1-timeout and --l2-timeout (make test-vmx-full)\n"
	"  --accel auto|kvm|tcg accelerator for L1 (default: auto, decided by a trial)\n"
	"  --uri URI            libvirt connection (default: qemu:///system)\n"
	"  --l1-timeout S       seconds before L1 is destroyed (default: 1200)\n"
	"  --attempts N         boots of L1 before giving up on a stall or crash (default: 3)\n"
	"  --l1-vcpus N         (default: L2's vCPUs + 1: one CPU for L1's own work, and\n"
	"                       under TCG no VM runs on L1's CPU 0)\n"
	"  --l1-memory MIB      (default: 4096)\n"
	"  --l1-cmdline ARGS    more kernel parameters for L1, e.g. 'kvm_amd.npt=0'\n"
	"  --tb-cache MIB       L1 under TCG: QEMU's translation cache (default: 2048; 0:\n"
	"                       QEMU's own, 1024 in 7.2 and 10.0, which a run fills\n"
	"                       and flushes whole)\n"
	"  --l2-timeout S       seconds before L2 is destroyed, inside L1 (default: 900)\n"
	"  --l2-vcpus N         (default: 1)\n"
	"  --l2-memory MIB      (default: 1024)\n"
	"L2's phases (boot, then a checked interval, idle, io, reboot):\n"
	"  --sample-ms MS       the sampler's interval in L2 (default: 1000; 0: no sampler,\n"
	"                       to measure its observer effect on the host timeline)\n"
	"  --timeline-ms MS     L1's reads of L2's exit_stats, timeline.jsonl (default: 100;\n"
	"                       0: none)\n"
	"  --check S            the interval checked against L1's kvm_exit trace (default: 5)\n"
	"  --idle S             the idle phase (default: 15)\n"
	"  --io-disk MIB        written and read back with O_DIRECT (default: 32)\n"
	"  --io-net MIB         sent to L1 over TCP (default: 16)\n"
	"  --second-vm          run a second VM in L1 beside L2 (a probe sampling its own\n"
	"                       leaves): the oracle then shows L2's counts exclude its exits\n"
	"  --workload NAME[:N]  a workload phase after io (repeatable, run in order): cpuid:N,\n"
	"                       hlt:N (1 ms sleeps), pio:N (port 0x80), mmio:N (HPET reads),\n"
	"                       msr-read:N, msr-write:N (IA32_APIC_BASE), mem:MIB (fresh\n"
	"                       pages), disk:MIB (O_DIRECT), net:MIB (to L1), mixed:SECONDS\n"
	"  --workload-file PATH a program of yours (a static binary or a script, at most\n"
	"                       1 MiB) run in L2 as a workload phase, in the same order\n";

static int parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = s && *s != '-' ? strtoul(s, &end, 10) : 0;
	if (!s || *s == '-' || errno || *end || v < min || v > max) {
		fprintf(stderr, "exitlab: --%s takes a whole number from %u to %u, not '%s'\n", opt,
			min, max, s ? s : "");
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

/*
 * Reads "run" or "bench" options (argv[0] is the command's name). 0 to go
 * on, 1 when --help was printed, -EINVAL after saying what was wrong.
 */
static int run_opts_parse(int argc, char **argv, bool bench, struct run_opts *ret)
{
	enum { OPT_RUN_ID = 1, OPT_RESULTS, OPT_IMAGES, OPT_WORK, OPT_ACCEL, OPT_URI,
	       OPT_L1_TIMEOUT, OPT_L1_VCPUS, OPT_L1_MEMORY, OPT_L2_TIMEOUT, OPT_L2_VCPUS,
	       OPT_L2_MEMORY, OPT_ATTEMPTS, OPT_L0, OPT_SAMPLE_MS, OPT_TIMELINE_MS, OPT_CHECK, OPT_IDLE,
	       OPT_IO_DISK, OPT_IO_NET, OPT_SECOND_VM, OPT_L1_CMDLINE, OPT_TB_CACHE, OPT_WORKLOAD,
	       OPT_WORKLOAD_FILE, OPT_L2_FULL, OPT_HELP };
	static const struct option options[] = {
		{ "run-id", required_argument, NULL, OPT_RUN_ID },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "images", required_argument, NULL, OPT_IMAGES },
		{ "work", required_argument, NULL, OPT_WORK },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "uri", required_argument, NULL, OPT_URI },
		{ "l1-timeout", required_argument, NULL, OPT_L1_TIMEOUT },
		{ "l1-vcpus", required_argument, NULL, OPT_L1_VCPUS },
		{ "l1-memory", required_argument, NULL, OPT_L1_MEMORY },
		{ "l1-cmdline", required_argument, NULL, OPT_L1_CMDLINE },
		{ "tb-cache", required_argument, NULL, OPT_TB_CACHE },
		{ "l2-timeout", required_argument, NULL, OPT_L2_TIMEOUT },
		{ "l2-vcpus", required_argument, NULL, OPT_L2_VCPUS },
		{ "l2-memory", required_argument, NULL, OPT_L2_MEMORY },
		{ "attempts", required_argument, NULL, OPT_ATTEMPTS },
		{ "l0", required_argument, NULL, OPT_L0 },
		{ "sample-ms", required_argument, NULL, OPT_SAMPLE_MS },
		{ "timeline-ms", required_argument, NULL, OPT_TIMELINE_MS },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ "io-disk", required_argument, NULL, OPT_IO_DISK },
		{ "io-net", required_argument, NULL, OPT_IO_NET },
		{ "second-vm", no_argument, NULL, OPT_SECOND_VM },
		{ "l2-full", no_argument, NULL, OPT_L2_FULL },
		{ "workload", required_argument, NULL, OPT_WORKLOAD },
		{ "workload-file", required_argument, NULL, OPT_WORKLOAD_FILE },
		{ "help", no_argument, NULL, OPT_HELP },
		{}
	};
	struct run_opts o = {
		.l0 = &l0_libvirt_backend,
		.uri = "qemu:///system",
		.images_dir = "build/images",
		.results_dir = "results",
		.work_dir = "build/runs",
		.accel = ACCEL_AUTO,
		.l1_timeout_s = 1200,
		.l1_memory_mib = 4096,
		.tb_cache_mib = RUN_DEFAULT_TB_CACHE_MIB,
		.attempts = 3,
		.l1_cmdline_extra = "",
		.l2 = L2_PARAMS_DEFAULT,
		.phases = SEED_PHASES_DEFAULT,
	};
	const char *run_id = NULL;
	bool l1_memory_set = false, l2_memory_set = false;
	int c, r = 0;

	o.l2.timeout_s = 900;
	o.l2.mode = bench ? L2_MODE_BENCH : L2_MODE_RUN;
	opterr = 0; /* getopt would name the command "run", not exitlab */
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1 && r == 0) {
		switch (c) {
		case OPT_RUN_ID:
			run_id = optarg;
			break;
		case OPT_RESULTS:
			o.results_dir = optarg;
			break;
		case OPT_IMAGES:
			o.images_dir = optarg;
			break;
		case OPT_WORK:
			o.work_dir = optarg;
			break;
		case OPT_ACCEL:
			r = accel_request_parse(optarg, &o.accel);
			if (r < 0)
				fprintf(stderr, "exitlab: --accel takes auto, kvm or tcg, not '%s'\n",
					optarg);
			break;
		case OPT_URI:
			o.uri = optarg;
			break;
		case OPT_L1_TIMEOUT:
			r = parse_uint("l1-timeout", optarg, 30, 86400, &o.l1_timeout_s);
			break;
		case OPT_L1_VCPUS:
			r = parse_uint("l1-vcpus", optarg, 1, 64, &o.l1_vcpus);
			break;
		case OPT_L1_MEMORY:
			r = parse_uint("l1-memory", optarg, 1024, 262144, &o.l1_memory_mib);
			l1_memory_set = true;
			break;
		case OPT_L1_CMDLINE: {
			char why[160];

			r = l1_cmdline_extra_check(optarg, why, sizeof(why));
			if (r < 0)
				fprintf(stderr, "exitlab: --l1-cmdline: %s\n", why);
			o.l1_cmdline_extra = optarg;
			break;
		}
		case OPT_TB_CACHE:
			r = parse_uint("tb-cache", optarg, 0, 65536, &o.tb_cache_mib);
			break;
		case OPT_L2_TIMEOUT:
			r = parse_uint("l2-timeout", optarg, 10, 86400, &o.l2.timeout_s);
			break;
		case OPT_L2_VCPUS:
			r = parse_uint("l2-vcpus", optarg, 1, 64, &o.l2.vcpus);
			break;
		case OPT_L2_MEMORY:
			r = parse_uint("l2-memory", optarg, 128, 65536, &o.l2.memory_mib);
			l2_memory_set = true;
			break;
		case OPT_ATTEMPTS:
			r = parse_uint("attempts", optarg, 1, 10, &o.attempts);
			break;
		case OPT_SAMPLE_MS:
			r = parse_uint("sample-ms", optarg, 0, 3600000, &o.l2.sample_ms);
			if (r == 0 && o.l2.sample_ms > 0 && o.l2.sample_ms < 10) {
				fprintf(stderr, "exitlab: --sample-ms takes 0 (no sampler) or 10..3600000\n");
				r = -EINVAL;
			}
			break;
		case OPT_TIMELINE_MS:
			r = parse_uint("timeline-ms", optarg, 0, 60000, &o.l2.timeline_ms);
			break;
		case OPT_CHECK:
			r = parse_uint("check", optarg, 1, 3600, &o.phases.check_s);
			break;
		case OPT_IDLE:
			r = parse_uint("idle", optarg, 1, 86400, &o.phases.idle_s);
			break;
		case OPT_IO_DISK:
			r = parse_uint("io-disk", optarg, 1, 2048, &o.phases.io_disk_mib);
			break;
		case OPT_IO_NET:
			r = parse_uint("io-net", optarg, 1, 4096, &o.phases.io_net_mib);
			break;
		case OPT_SECOND_VM:
			o.l2.second_vm = true;
			break;
		case OPT_L2_FULL:
			o.l2_full = true;
			break;
		case OPT_WORKLOAD:
		case OPT_WORKLOAD_FILE: {
			char why[256];

			r = c == OPT_WORKLOAD
				    ? run_workloads_add_spec(&o.workloads, optarg, why, sizeof(why))
				    : run_workloads_add_file(&o.workloads, optarg, why, sizeof(why));
			if (r < 0)
				fprintf(stderr, "exitlab: %s%s\n", c == OPT_WORKLOAD ? "--workload: " : "",
					why);
			break;
		}
		case OPT_L0:
			o.l0 = l0_backend_named(optarg);
			if (!o.l0) {
				fprintf(stderr, "exitlab: --l0 takes libvirt or bochs, not '%s'\n",
					optarg);
				r = -EINVAL;
			}
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 1;
		case ':':
			fprintf(stderr, "exitlab: %s needs a value (exitlab --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "exitlab: unknown option '%s' (exitlab --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (r < 0)
		return -EINVAL;
	if (optind < argc) {
		fprintf(stderr, "exitlab: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o.l2_full && o.l0 != &l0_bochs_backend) {
		fprintf(stderr, "exitlab: --l2-full is for --l0 bochs: the libvirt chain's L2 is the "
				"full one already\n");
		return -EINVAL;
	}
	/* Workloads are phases of exitlab-phases, which only the full chain's L2 runs. */
	if (o.workloads.n && (bench || (o.l0 != &l0_libvirt_backend && !o.l2_full))) {
		fprintf(stderr, "exitlab: --workload and --workload-file need 'exitlab run' with "
				"--l0 libvirt, or --l0 bochs --l2-full\n");
		return -EINVAL;
	}
	/*
	 * Under TCG the VMs keep off L1's CPU 0 (struct l2_params, spare_cpu0);
	 * with one L1 CPU for each of L2's vCPUs besides it, L2's vCPUs do not
	 * share a CPU (docs/2026-11-26-l1-failures-under-tcg.md: a third of the time saved).
	 */
	/* Before the default below: a backend sees whether the user chose L1's vCPUs. */
	if (o.l0->settle_options && o.l0->settle_options(&o, l1_memory_set, l2_memory_set) < 0)
		return -EINVAL;
	if (!o.l1_vcpus)
		o.l1_vcpus = o.l2.vcpus + 1 > 64 ? 64 : o.l2.vcpus + 1;
	if (run_id) {
		if (!run_id_valid(run_id)) {
			fprintf(stderr, "exitlab: --run-id '%s': use 1-64 of [A-Za-z0-9._-], "
					"not starting with '.'\n", run_id);
			return -EINVAL;
		}
		snprintf(o.l2.run_id, sizeof(o.l2.run_id), "%s", run_id);
	} else {
		time_t now = time(NULL);

		strftime(o.l2.run_id, sizeof(o.l2.run_id), "%Y%m%dT%H%M%SZ", gmtime(&now));
	}
	if (o.l2.timeout_s + 120 > o.l1_timeout_s) {
		fprintf(stderr, "exitlab: --l1-timeout (%u) must exceed --l2-timeout (%u) by 120 s "
				"for L1's own boot\n", o.l1_timeout_s, o.l2.timeout_s);
		return -EINVAL;
	}
	*ret = o;
	return 0;
}

static int cmd_run(int argc, char **argv, bool bench)
{
	struct run_opts o;
	int r = run_opts_parse(argc, argv, bench, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	log_init();
	if (vm_init() < 0)
		return 1;
	return run_lab(&o);
}

/* For "runs" and "soak": the options they pass on to each run, checked once. */
static int run_opts_check(int argc, char **argv, struct run_opts *ret)
{
	int r;

	optind = 0; /* getopt again, from the start */
	r = run_opts_parse(argc, argv, false, ret);
	optind = 0;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "exitlab: no command given: try 'exitlab run', or 'exitlab --help'\n");
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "bench"))
		return cmd_run(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "runs"))
		return many_main(argc - 1, argv + 1, false, run_opts_check);
	if (!strcmp(argv[1], "soak"))
		return many_main(argc - 1, argv + 1, true, run_opts_check);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("exitlab %s (L0-L1 contract %d, bundle %s)\n", EXITLAB_VERSION,
		       EXITLAB_CONTRACT_VERSION, EXITLAB_BUNDLE_SCHEMA);
		return 0;
	}
	fprintf(stderr, "exitlab: unknown command '%s': the commands are run, bench, runs and soak "
			"(exitlab --help)\n", argv[1]);
	return 2;
}
