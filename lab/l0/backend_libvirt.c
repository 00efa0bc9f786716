// SPDX-License-Identifier: GPL-2.0-only
/*
 * L1 through libvirt: a transient QEMU domain (KVM where a trial guest runs
 * and the host nests, TCG with emulated SVM otherwise) on fresh qcow2
 * overlays of the cached images, with the run's cloud-init seed attached.
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "domxml.h"
#include "exitlab/contract.h"
#include "l1_fault.h"
#include "run.h"
#include "seed.h"
#include "timings.h"
#include "util.h"
#include "vm.h"

struct libvirt_backend {
	virConnectPtr conn;
	struct accel_choice accel;
};

/*
 * L1's agent silent this long means L1 hangs: its heartbeat thread prints a
 * line every 5 s whatever the agent waits for (l1/agent.c, HEARTBEAT_S), so
 * only a stopped kernel or a stopped L1 falls silent. With vm_run()'s 2 s
 * checks and the NMI's grace below, a hung L1 is given up 42 s after its
 * last line.
 */
#define L1_SILENCE_S 30
#define L1_NMI_GRACE_S 10

/*
 * L1's kernel stops itself (panic=-1) on the faults that otherwise leave it
 * hanging: a CPU stuck for 20 s (soft lockup: twice watchdog_thresh), a task
 * blocked for 60 s, an RCU stall (21 s by default). The last two are sysctls,
 * set from the command line with the sysctl. prefix.
 */
#define L1_WATCHDOG_CMDLINE                                                              \
	"softlockup_panic=1 watchdog_thresh=10 hung_task_panic=1 "                       \
	"sysctl.kernel.hung_task_timeout_secs=60 sysctl.kernel.panic_on_rcu_stall=1"

/*
 * A CPU of L1 stuck this long never came back in any boot seen here; L2
 * cannot finish, and the L1 timeout is 20 minutes away.
 */
#define L1_LOCKUP_GIVE_UP_S 120

static bool l1_cannot_finish(const char *console)
{
	return l1_fault_longest_lockup(console) >= L1_LOCKUP_GIVE_UP_S;
}

static int libvirt_prepare(void *data, const struct run_opts *o, const struct run_paths *p,
			   struct json_object *steps)
{
	double started;
	struct libvirt_backend *lv = data;
	char err[1024];
	int r;

	r = vm_connect(o->uri, 3, &lv->conn, err, sizeof(err));
	if (r < 0) {
		log_error("libvirtd is not reachable (%s): start it with 'make services'", err);
		return r;
	}
	log_info("choosing the accelerator for L1 (a trial KVM guest first)");
	started = monotonic_s();
	r = accel_choose(lv->conn, o->accel, p->kernel, &lv->accel);
	timings_add(steps, "L0", "accelerator trial", monotonic_s() - started);
	if (r < 0) {
		log_error("%s", lv->accel.why);
		return r;
	}
	log_info("accelerator: %s", lv->accel.why);
	return 0;
}

static int make_overlay(const char *base, const char *overlay, const char *log)
{
	char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
			 (char *)base, (char *)overlay, NULL };
	int r = run_command(argv, log);

	return r == 0 ? 0 : (r < 0 ? r : -EIO);
}

/* Fresh disks for an attempt: every attempt boots from the pristine images. */
static int prepare_disks(const struct run_opts *o, const struct run_paths *p)
{
	struct seed_config seed = { .run_id = o->l2.run_id, .phases = o->phases,
				    .workloads = o->workloads.items,
				    .n_workloads = o->workloads.n };
	int r;

	(void)unlink(p->l1_overlay);
	(void)unlink(p->l2_overlay);
	r = make_overlay(p->l1_image, p->l1_overlay, p->tool_log);
	if (r == 0)
		r = make_overlay(p->l2_image, p->l2_overlay, p->tool_log);
	if (r < 0) {
		log_error("qemu-img could not create the run's overlays (see %s)", p->tool_log);
		return r;
	}
	r = seed_build_iso(&seed, p->seed_dir, p->seed_iso, p->tool_log);
	if (r < 0) {
		log_error("could not build the cloud-init seed image (see %s)", p->tool_log);
		return r;
	}
	return 0;
}

/* The kept state belongs to the L1 image the run boots (its build key), or to none. */
static bool l1_state_usable(const struct run_paths *p)
{
	_cleanup_free_ char *image_key = NULL, *state_key = NULL;

	return read_file(p->l1_image_key, &image_key, NULL) == 0 &&
	       read_file(p->l1_state_key, &state_key, NULL) == 0 && *image_key &&
	       strcmp(image_key, state_key) == 0 && file_exists(p->l1_state);
}

/*
 * unknown_nmi_panic, panic_print=0x40: an NMI sent to a hung L1 panics it,
 * and a panic prints every CPU's backtrace, so a hang says where it was.
 */
static int l1_xml(const struct run_opts *o, const struct accel_choice *accel,
		  const struct run_paths *p, char **ret_xml)
{
	_cleanup_free_ char *name = xasprintf("exitlab-l1-%s", o->l2.run_id);
	struct l2_params l2 = o->l2;
	_cleanup_free_ char *params = NULL;
	_cleanup_free_ char *cmdline = NULL;

	/* Only TCG's FPU helpers write another vCPU's flags (struct l2_params). */
	l2.spare_cpu0 = accel->accel == DOM_ACCEL_TCG && o->l1_vcpus >= 2;
	params = l2_params_to_cmdline(&l2);
	cmdline = xasprintf(
		"root=/dev/vda rw console=ttyS0 panic=-1 unknown_nmi_panic panic_print=0x40 "
		L1_WATCHDOG_CMDLINE " init=" EXITLAB_L1_INIT_PATH " %s %s",
		params, o->l1_cmdline_extra);
	struct dom_config cfg = {
		.name = name,
		.accel = accel->accel,
		.cpu = accel->cpu,
		.memory_mib = o->l1_memory_mib,
		.vcpus = o->l1_vcpus,
		.kernel = p->kernel,
		.initrd = p->initrd,
		.cmdline = cmdline,
		.disks = {
			{ .path = p->l1_overlay, .format = "qcow2", .target = "vda" },
			{ .path = p->seed_iso, .format = "raw", .target = "vdb", .readonly = true },
			{ .path = p->l2_overlay, .format = "qcow2", .target = "vdc" },
		},
		.n_disks = 3,
		.channels = { { .name = EXITLAB_BUNDLE_PORT, .path = p->bundle } },
		.n_channels = 1,
		.console_log = p->console,
		.tcg_tb_cache_mib = o->tb_cache_mib,
		.firmware_rom = dom_qboot_rom(),
	};

	if (l1_state_usable(p))
		cfg.disks[cfg.n_disks++] = (struct dom_disk){ .path = p->l1_state, .format = "raw",
							      .target = "vdd", .readonly = true };
	return dom_config_to_xml(&cfg, ret_xml);
}

static enum l0_outcome_kind libvirt_boot(void *data, const struct run_opts *o,
					 const struct run_paths *p, struct json_object *steps,
					 struct l0_outcome *out)
{
	double started = monotonic_s();
	struct libvirt_backend *lv = data;
	_cleanup_free_ char *xml = NULL;
	char err[1024];
	struct vm_run_opts vo = {
		.label = "L1",
		.timeout_s = o->l1_timeout_s,
		.console_log = p->console,
		.progress_s = 20,
		/* The heartbeat's lines say little; L2's progress lines say more. */
		.progress_skip = L1_HEARTBEAT_MARK,
		.silence_s = L1_SILENCE_S,
		.progress_mark = l1_agent_lines,
		.nmi_grace_s = L1_NMI_GRACE_S,
		.cannot_finish = l1_cannot_finish,
	};
	int r;

	r = prepare_disks(o, p);
	if (r < 0)
		return l0_outcome_set(out, L0_FATAL, r, "could not prepare the run's disks");
	timings_add(steps, "L0", "disks and seed", monotonic_s() - started);
	r = l1_xml(o, &lv->accel, p, &xml);
	if (r < 0)
		return l0_outcome_set(out, L0_FATAL, r, "cannot build the L1 domain XML: %s",
				      strerror(-r));
	log_info("L1: booting the patched KVM host (%s, %u vCPU, %u MiB), timeout %u s",
		 lv->accel.accel == DOM_ACCEL_KVM ? "kvm" : "tcg", o->l1_vcpus, o->l1_memory_mib,
		 o->l1_timeout_s);
	r = vm_run(lv->conn, xml, &vo, &out->l1_seconds, err, sizeof(err));
	switch (r) {
	case 0:
		return l0_outcome_set(out, L0_OK, 0, "L1 powered off");
	case -EINTR:
		return l0_outcome_set(out, L0_INTERRUPTED, r, "interrupted");
	case -ETIMEDOUT:
		return l0_outcome_set(out, L0_RETRY, r, "L1 did not finish within %u s; destroyed it",
				      o->l1_timeout_s);
	case -ENOTRECOVERABLE:
		return l0_outcome_set(out, L0_RETRY, r, "a CPU of L1 has been stuck for %u s or "
				      "more (soft lockup); destroyed it", L1_LOCKUP_GIVE_UP_S);
	case -ETIME:
		return l0_outcome_set(out, L0_RETRY, r, "L1 hung: its agent printed nothing for "
				      "%u s; destroyed it", L1_SILENCE_S);
	default:
		return l0_outcome_set(out, L0_FATAL, r, "L1 did not start: %s", err);
	}
}

static void add_version(struct json_object *env, const char *key, unsigned long v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
	json_object_object_add(env, key, json_object_new_string(buf));
}

static void libvirt_record_environment(void *data, struct json_object *env)
{
	struct libvirt_backend *lv = data;
	unsigned long hv = 0, lib = 0;

	json_object_object_add(env, "accelerator",
			       json_object_new_string(lv->accel.accel == DOM_ACCEL_KVM ? "kvm"
										: "tcg"));
	json_object_object_add(env, "accelerator_reason", json_object_new_string(lv->accel.why));
	json_object_object_add(env, "l1_cpu",
			       json_object_new_string(lv->accel.cpu == DOM_CPU_HOST
							      ? "host-passthrough"
							      : "EPYC,+svm"));
	json_object_object_add(env, "l1_firmware",
			       json_object_new_string(dom_qboot_rom() ? dom_qboot_rom() : "seabios"));
	if (virConnectGetVersion(lv->conn, &hv) == 0)
		add_version(env, "l0_qemu_version", hv);
	if (virConnectGetLibVersion(lv->conn, &lib) == 0)
		add_version(env, "l0_libvirt_version", lib);
}

static void libvirt_cleanup(void *data, const struct run_paths *p)
{
	(void)data;
	(void)unlink(p->l1_overlay);
	(void)unlink(p->l2_overlay);
	(void)unlink(p->seed_iso);
}

static void libvirt_close(void *data)
{
	struct libvirt_backend *lv = data;

	if (lv->conn)
		virConnectClose(lv->conn);
	lv->conn = NULL;
}

const struct l0_backend_ops l0_libvirt_backend = {
	.name = "libvirt",
	.data_size = sizeof(struct libvirt_backend),
	.prepare = libvirt_prepare,
	.boot = libvirt_boot,
	.record_environment = libvirt_record_environment,
	.keeps_l1_state = true,
	.bench_method = "in each of 2 L2 boots, mirrored order",
	.cleanup = libvirt_cleanup,
	.close = libvirt_close,
};
