// SPDX-License-Identifier: GPL-2.0-only
/*
 * L1 in Bochs (bochs.c runs the emulator): the only L0 here with Intel VMX.
 * L1 boots the cached image as a volatile disk, so there are no overlays.
 * By default there is no seed either: its agent starts L2 with QEMU
 * directly, the probe as L2's init. With --l2-full, L2's image is another
 * volatile disk and the boot disk carries the seed: the agent runs the same
 * chain as under libvirt (libvirt in L1, cloud-init, every phase).
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bochs.h"
#include "exitlab/contract.h"
#include "run.h"
#include "seed.h"
#include "timings.h"
#include "util.h"
#include "vm.h"

/* Bochs' own limit on guest memory. */
#define BOCHS_MAX_MEMORY_MIB 4096

/*
 * The full chain's L1 holds libvirtd, QEMU and an L2 of make lab's size
 * (1024 MiB). Bochs allocates at most 2048 MiB on the host (memory: host=),
 * and a guest larger than that pages to a file: 2048 keeps it all in memory.
 */
#define BOCHS_FULL_L1_MEMORY_MIB 2048

static int bochs_settle_options(struct run_opts *o, bool l1_memory_set, bool l2_memory_set)
{
	/* bochsrc's cpu: count=1; env.json must say what ran. */
	if (o->l1_vcpus > 1) {
		fprintf(stderr, "exitlab: --l1-vcpus %u: Bochs' L1 has one CPU\n", o->l1_vcpus);
		return -EINVAL;
	}
	o->l1_vcpus = 1;
	if (o->l2_full) {
		if (o->l2.mode != L2_MODE_RUN) {
			fprintf(stderr, "exitlab: --l2-full is for 'exitlab run': the bench under "
					"Bochs boots minimal L2s\n");
			return -EINVAL;
		}
		/* L2's own defaults are make lab's; only L1 needs more than Bochs' minimal. */
		if (!l1_memory_set)
			o->l1_memory_mib = BOCHS_FULL_L1_MEMORY_MIB;
	} else {
		/* Under Bochs the bench counts instructions: no emulation noise. */
		o->l2.mode = o->l2.mode == L2_MODE_BENCH ? L2_MODE_MINIMAL_BENCH : L2_MODE_MINIMAL;
		if (!l1_memory_set)
			o->l1_memory_mib = 1024;
		if (!l2_memory_set)
			o->l2.memory_mib = 256;
	}
	if (o->l1_memory_mib > BOCHS_MAX_MEMORY_MIB) {
		fprintf(stderr, "exitlab: --l1-memory above %u is more than Bochs offers\n",
			BOCHS_MAX_MEMORY_MIB);
		return -EINVAL;
	}
	return 0;
}

static int bochs_prepare(void *data, const struct run_opts *o, const struct run_paths *p,
			 struct json_object *steps)
{
	char why[256];

	(void)data;
	(void)steps;
	(void)o;
	(void)p;
	if (!bochs_available(why, sizeof(why))) {
		log_error("--l0 bochs: %s", why);
		return -ENOENT;
	}
	log_info("L0: Bochs (emulated Intel VMX, %s), chosen with --l0 bochs", BOCHS_CPU_MODEL);
	return 0;
}

static enum l0_outcome_kind bochs_boot(void *data, const struct run_opts *o,
				       const struct run_paths *p, struct json_object *steps,
				       struct l0_outcome *out)
{
	_cleanup_free_ char *params = l2_params_to_cmdline(&o->l2);
	/* quiet: every console byte costs emulated time under Bochs. */
	_cleanup_free_ char *cmdline = xasprintf(
		"ro console=ttyS0 quiet panic=-1 init=" EXITLAB_L1_INIT_PATH " %s %s", params,
		o->l1_cmdline_extra);
	struct bochs_l1 b = {
		.kernel = p->kernel,
		.initrd = p->initrd,
		.l1_image = p->l1_image,
		.l2_image = o->l2_full ? p->l2_image : NULL,
		.seed_dir = o->l2_full ? p->seed_dir : NULL,
		.work_dir = p->work,
		.cmdline = cmdline,
		.memory_mib = o->l1_memory_mib,
		.timeout_s = o->l1_timeout_s,
		.console_log = p->console,
		.bundle_path = p->bundle,
		.tool_log = p->tool_log,
		.interrupted = vm_interrupted,
	};
	double started = monotonic_s();
	int r;

	(void)data;
	if (o->l2_full) {
		struct seed_config seed = { .run_id = o->l2.run_id, .phases = o->phases,
					    .workloads = o->workloads.items,
					    .n_workloads = o->workloads.n };

		r = seed_write_documents(&seed, p->seed_dir);
		if (r < 0)
			return l0_outcome_set(out, L0_FATAL, r, "cannot write the cloud-init seed "
					      "into %s: %s", p->seed_dir, strerror(-r));
		timings_add(steps, "L0", "seed", monotonic_s() - started);
	}
	log_info("L1: booting the patched KVM host in Bochs (%s, emulated VMX, %u MiB), %s, "
		 "timeout %u s", BOCHS_CPU_MODEL, o->l1_memory_mib,
		 o->l2_full ? "L2 with cloud-init through libvirt (--l2-full)"
			    : "the probe alone as L2", o->l1_timeout_s);
	r = bochs_run_l1(&b, &out->l1_seconds, out->reason, sizeof(out->reason));
	out->error = r;
	switch (r) {
	case 0:
		out->kind = L0_OK;
		break;
	case -EINTR:
		out->kind = L0_INTERRUPTED;
		break;
	case -ETIMEDOUT: /* an emulated L1 that stalled */
	case -ENODATA:   /* Bochs stopped before the agent wrote its results */
		out->kind = L0_RETRY;
		break;
	default:
		out->kind = L0_FATAL;
		break;
	}
	return out->kind;
}

static void bochs_record_environment(void *data, struct json_object *env)
{
	_cleanup_free_ char *version = bochs_version();

	(void)data;
	json_object_object_add(env, "accelerator", json_object_new_string("bochs"));
	json_object_object_add(env, "accelerator_reason",
			       json_object_new_string("--l0 bochs: Bochs emulates Intel VMX, "
						      "which nothing else here runs"));
	json_object_object_add(env, "l1_cpu", json_object_new_string(BOCHS_CPU_MODEL));
	json_object_object_add(env, "l0_bochs_version",
			       version ? json_object_new_string(version) : NULL);
	json_object_object_add(env, "cycles_note",
			       json_object_new_string("Bochs counts instructions, not time: "
						      "cycle figures are only monotonic"));
}

/* bochs_run_l1() removes its disks itself; its configuration and logs stay until here. */
static void bochs_cleanup(void *data, const struct run_paths *p)
{
	static const char *const files[] = { "syslinux.cfg", "bochsrc", "bochs.rc", "bochs.log",
					     "bochs.out", "l2.redolog" };
	size_t i;

	(void)data;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", p->work, files[i]);

		(void)unlink(path);
	}
}

const struct l0_backend_ops l0_bochs_backend = {
	.name = "bochs",
	.settle_options = bochs_settle_options,
	.prepare = bochs_prepare,
	.boot = bochs_boot,
	.record_environment = bochs_record_environment,
	.bench_method = "one L2 boot each; Bochs counts instructions, so ns are emulated",
	.cleanup = bochs_cleanup,
};
