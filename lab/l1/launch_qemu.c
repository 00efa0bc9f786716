// SPDX-License-Identifier: GPL-2.0-only
/*
 * L2 started with QEMU directly: nothing but the probe as init in an
 * initramfs (the Bochs tier's L2, where libvirt's start-up alone would take
 * minutes). Results leave on L2's second serial port; the first is its
 * console.
 */
#include "l2_launcher.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent.h"
#include "child.h"
#include "debugfs_watch.h"
#include "exitlab/contract.h"
#include "host_timeline.h"
#include "probe_vm.h"
#include "util.h"
#include "vm.h"

/* Under Bochs a round trip is thousands of emulated instructions, and costs no noise. */
#define BENCH_MINIMAL_ITERATIONS 10000

static int direct_start(struct agent *a)
{
	char *version[] = { "qemu-system-x86_64", "--version", NULL };

	agent_record_command(a->l1, "qemu_version", version);
	return 0;
}

static int direct_run_l2(struct agent *a, struct json_object *l2, double *ret_seconds)
{
	_cleanup_free_ char *qemu_log = xasprintf("%s/qemu.log", a->paths->run_dir);
	const struct probe_vm vm = {
		.memory_mib = a->params.memory_mib,
		.vcpus = a->params.vcpus,
		.probe_args = "guest-init --seconds 2 --out /dev/ttyS1",
		.console_path = a->paths->l2_console,
		.results_path = a->paths->l2_results,
		.qemu_log = qemu_log,
	};
	struct child_wait_opts wo = {
		.label = "L2",
		.timeout_s = a->params.timeout_s,
		.progress_s = 30,
		.progress_log = a->paths->l2_console,
		.interrupted = vm_interrupted,
	};
	struct debugfs_watch watch;
	struct host_timeline timeline = {
		.interval_ms = a->params.timeline_ms,
		.console_path = a->paths->l2_console,
		.results_path = a->paths->l2_results,
		.max_samples = host_timeline_max_samples(a->params.timeout_s, a->params.timeline_ms),
		/* exitlab.spare_cpu0 keeps the VMs off CPU 0: the reads go there. */
		.cpu = agent_vm_cpuset(a) ? 0 : -1,
	};
	struct utsname u;
	pid_t pid;
	int r;

	/* L1's own kernel (probe_vm_spawn()). */
	(void)uname(&u);
	agent_add_str(l2, "kernel", u.release);
	agent_add_str(l2, "userspace", "the probe as init (guest-init), no systemd or cloud-init");
	log_info("L2: starting a minimal guest with QEMU (kvm, %u vCPU, %u MiB), timeout %u s",
		 a->params.vcpus, a->params.memory_mib, a->params.timeout_s);
	r = probe_vm_spawn(a, &vm, &pid);
	if (r < 0)
		return agent_fail(a, r, "cannot start QEMU with the probe (%s) as L2: %s",
				  EXITLAB_PROBE_PATH, strerror(-r));
	timeline.pid = pid;
	host_timeline_start(&timeline);
	debugfs_watch_start(&watch);
	r = child_wait(pid, &wo, ret_seconds);
	debugfs_watch_stop(&watch, l2);
	host_timeline_stop(&timeline, a->bundle, 0);
	if (r == 0 || r == -ETIMEDOUT || r == -EINTR)
		return r;
	if (r < 0)
		return agent_fail(a, r, "waiting for QEMU for L2 failed: %s", strerror(-r));
	{
		_cleanup_free_ char *qemu_tail = file_tail(qemu_log, 5);

		return agent_fail(a, -ECHILD, "QEMU for L2 exited with status %d: %s", r,
				  qemu_tail ? qemu_tail : "(no output)");
	}
}

/* The bench's L2: QEMU directly, the probe's CPUID loop as init, its console in console_path. */
static int direct_run_bench_l2(struct agent *a, const char *config, const char *console_path)
{
	_cleanup_free_ char *args = xasprintf("bench --iterations %u", BENCH_MINIMAL_ITERATIONS);
	_cleanup_free_ char *qemu_log = xasprintf("%s/qemu.log", a->paths->run_dir);
	const struct probe_vm vm = {
		.memory_mib = 256,
		.vcpus = 1,
		.probe_args = args,
		.console_path = console_path,
		.qemu_log = qemu_log,
	};
	struct child_wait_opts wo = { .label = "L2 bench", .timeout_s = 1200, .progress_s = 60,
				      .progress_log = console_path, .interrupted = vm_interrupted };
	pid_t pid;
	int r;

	(void)config;
	r = probe_vm_spawn(a, &vm, &pid);
	if (r < 0)
		return agent_fail(a, r, "bench: cannot start QEMU for L2: %s", strerror(-r));
	r = child_wait(pid, &wo, NULL);
	return r < 0 ? agent_fail(a, r, "bench: L2 %s", r == -ETIMEDOUT ? "timed out"
									 : "was interrupted")
		     : 0;
}

/* Under Bochs time counts instructions: one L2 per configuration says it all. */
static const unsigned counted_order[] = { 0, 1, 2, 3, 4 };

const struct l2_launcher l2_direct_qemu = {
	.name = "qemu",
	.run_step = "L2 runs (the probe as init)",
	.start = direct_start,
	.run_l2 = direct_run_l2,
	.run_bench_l2 = direct_run_bench_l2,
	.bench_order = counted_order,
	.n_bench_order = ARRAY_SIZE(counted_order),
	.bench_iterations = BENCH_MINIMAL_ITERATIONS,
	.bench_clock = "Bochs: instruction-counted",
};
