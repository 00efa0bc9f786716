// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's sequence in L1 (agent_run()); each step's work is in a file of
 * its own concern: kvm_modules.c, launch_libvirt.c and launch_qemu.c (the
 * two ways to start L2), probe_output.c, trace.c (the oracle), bench.c,
 * bundle.c (the way home to L0). main.c binds them to L1 itself.
 */
#include "agent.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench.h"
#include "exitlab/contract.h"
#include "l2_fault.h"
#include "l2_launcher.h"
#include "probe_output.h"
#include "timings.h"
#include "trace.h"
#include "util.h"
#include "vm.h"

#define RUN_DIR "/run/exitlab"

const struct agent_paths agent_l1_paths = {
	.cmdline = "/proc/cmdline",
	.run_dir = RUN_DIR,
	.l2_console = RUN_DIR "/l2-console.log",
	.l2_results = RUN_DIR "/l2-results.jsonl",
	.l2_initramfs = RUN_DIR "/l2-probe.cpio",
	.trace_instance = "/sys/kernel/tracing/instances/exitlab",
	.kvm_exit_format = "/sys/kernel/tracing/events/kvm/kvm_exit/format",
	.seed_device = "/dev/vdb",
	.l2_root_device = "/dev/vdc",
	.virtio_ports = "/sys/class/virtio-ports",
	.block_devices = "/sys/block",
	.dev = "/dev",
};

void agent_add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

int agent_fail(struct agent *a, int error, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	log_error("%s", msg ? msg : "out of memory");
	if (!json_object_object_get_ex(a->bundle, "error", NULL))
		agent_add_str(a->bundle, "error", msg);
	return error < 0 ? error : -EIO;
}

void agent_record_command(struct json_object *o, const char *key, char *const argv[])
{
	_cleanup_free_ char *out = NULL;

	if (capture_command(argv, &out) >= 0) {
		out[strcspn(out, "\n")] = '\0';
		agent_add_str(o, key, out);
	}
}

void agent_step(struct agent *a, const char *name)
{
	double now = log_elapsed();

	pthread_mutex_lock(&a->step.lock);
	if (a->step.name[0])
		timings_add(a->step.steps, "L1", a->step.name, now - a->step.started);
	snprintf(a->step.name, sizeof(a->step.name), "%s", name ? name : "");
	a->step.started = now;
	pthread_mutex_unlock(&a->step.lock);
	if (name)
		log_info(L1_STEP_MARK "%s", name);
}

/*
 * A line every heartbeat_s from a thread of its own, whatever the main thread
 * is blocked in: L0 takes silence on L1's console as a hung L1 (its
 * L1_SILENCE_S), so only a stopped kernel or a stopped L1 is silent.
 */
struct heartbeat {
	struct agent *a;
	unsigned every_s;
	pthread_t thread;
	bool started;
};

static void *heartbeat_main(void *opaque)
{
	struct heartbeat *h = opaque;
	struct agent_step *s = &h->a->step;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += h->every_s;
		if (pthread_cond_timedwait(&s->stopped, &s->lock, &until) == 0 || s->stop)
			continue;
		log_info(L1_HEARTBEAT_MARK "%s for %.0f s", s->name[0] ? s->name : "finishing",
			 log_elapsed() - s->started);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void heartbeat_start(struct heartbeat *h)
{
	if (!h->every_s)
		return;
	h->started = pthread_create(&h->thread, NULL, heartbeat_main, h) == 0;
	if (!h->started)
		log_error("L1: no heartbeat thread: L0 may take a long quiet step for a hang");
}

static void heartbeat_stop(struct heartbeat *h)
{
	if (!h->started)
		return;
	pthread_mutex_lock(&h->a->step.lock);
	h->a->step.stop = true;
	pthread_cond_signal(&h->a->step.stopped);
	pthread_mutex_unlock(&h->a->step.lock);
	(void)pthread_join(h->thread, NULL);
}

/*
 * L1's TSC rate, measured against CLOCK_MONOTONIC over 200 ms: KVM's cycles
 * in the counters are L1's TSC, and the report turns them into time with it.
 * Under TCG the emulated TSC follows the host's clock, in Bochs its
 * instruction count; either way this is the rate the counters ran at.
 */
static double tsc_khz(void)
{
	struct timespec t0, t1, nap = { .tv_nsec = 200 * 1000 * 1000 };
	unsigned long long c0, c1;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = __rdtsc();
	(void)nanosleep(&nap, NULL);
	c1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	return ns > 0 && c1 > c0 ? (double)(c1 - c0) / ns * 1e6 : 0;
}

/* Seconds from L1's kernel start to now, from /proc/uptime; 0 if unknown. */
static double uptime_s(void)
{
	_cleanup_free_ char *text = NULL;

	return read_file("/proc/uptime", &text, NULL) == 0 ? strtod(text, NULL) : 0;
}

const char *agent_vm_cpuset(const struct agent *a)
{
	return a->vm_cpuset[0] ? a->vm_cpuset : NULL;
}

/*
 * exitlab.spare_cpu0: every VM this agent starts (itself, so the probe VMs it
 * spawns inherit it; L2 and the bench L2s through their domain XML) runs on
 * L1's CPUs 1..n-1. See struct l2_params for why.
 */
void agent_spare_cpu0(struct agent *a)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (!a->params.spare_cpu0)
		return;
	if (n < 2) {
		log_info("L1: one CPU only: its VMs share CPU 0 (exitlab.spare_cpu0 needs two)");
		agent_add_str(a->l1, "vm_cpuset", NULL);
		return;
	}
	CPU_ZERO(&set);
	for (long cpu = 1; cpu < n && cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		log_info("L1: warning: cannot keep VMs off CPU 0: %s", strerror(errno));
		agent_add_str(a->l1, "vm_cpuset", NULL);
		return;
	}
	if (n == 2)
		snprintf(a->vm_cpuset, sizeof(a->vm_cpuset), "1");
	else
		snprintf(a->vm_cpuset, sizeof(a->vm_cpuset), "1-%ld", n - 1);
	log_info("L1: VMs run on CPUs %s, never on CPU 0", a->vm_cpuset);
	agent_add_str(a->l1, "vm_cpuset", a->vm_cpuset);
}

/* What either way of running L2 records when it is over: time and console. */
static int l2_ended(struct agent *a, struct json_object *l2, int r, double seconds)
{
	_cleanup_free_ char *tail = file_tail(a->paths->l2_console, 40), *console = NULL;
	size_t len = 0;

	json_object_object_add(l2, "seconds", json_object_new_double(seconds));
	agent_add_str(l2, "console_tail", tail);
	/* The whole console too (L0 keeps it as l2-console.log), up to its last MiB. */
	if (read_file(a->paths->l2_console, &console, &len) == 0)
		agent_add_str(a->bundle, "l2_console", len > (1u << 20) ? console + len - (1u << 20)
									: console);
	if (r == -ETIMEDOUT)
		return agent_fail(a, r, "L2 did not finish within %u s", a->params.timeout_s);
	{
		char crash[160];

		/* Its counts would mix the crashed boot with the one after: L0 tries again. */
		if (console && l2_console_crashed(console, crash, sizeof(crash)))
			return agent_fail(a, -EIO, "L2's kernel crashed: %s", crash);
	}
	if (r == -EINTR)
		return agent_fail(a, r, "interrupted while L2 ran");
	return 0;
}

/* The run's L2 with the oracle tracing around it, then its probe output and the oracle. */
static int run_l2(struct agent *a)
{
	struct json_object *l2 = json_object_new_object();
	char trace_err[256] = "tracing was not set up";
	double seconds = 0;
	int r, ended;

	json_object_object_add(a->bundle, "l2", l2);
	json_object_object_add(l2, "vcpus", json_object_new_int((int)a->params.vcpus));
	json_object_object_add(l2, "memory_mib", json_object_new_int((int)a->params.memory_mib));
	(void)trace_start(a, trace_err, sizeof(trace_err));
	agent_step(a, a->launcher->run_step);
	r = a->launcher->run_l2(a, l2, &seconds);
	ended = l2_ended(a, l2, r == -ETIMEDOUT || r == -EINTR ? r : 0, seconds);
	if (r < 0)
		return r;
	if (ended < 0)
		return ended;
	log_info("L2: stopped after %.1f s", seconds);
	agent_step(a, "probe output and oracle");
	r = probe_output_collect(a);
	if (r == 0)
		trace_check_interval(a, trace_err[0] ? trace_err : NULL);
	{
		struct json_object *samples;

		if (json_object_object_get_ex(a->bundle, "samples", &samples))
			timings_add_phases(a->step.steps, samples);
	}
	return r;
}

static bool mode_is_bench(enum l2_mode mode)
{
	return mode == L2_MODE_BENCH || mode == L2_MODE_MINIMAL_BENCH;
}

static bool mode_is_direct(enum l2_mode mode)
{
	return mode == L2_MODE_MINIMAL || mode == L2_MODE_MINIMAL_BENCH;
}

static int agent_steps(struct agent *a, const struct agent_system *sys)
{
	_cleanup_free_ char *cmdline = NULL;
	char err[256] = "";
	int r;

	r = read_file(sys->paths->cmdline, &cmdline, NULL);
	if (r < 0)
		return agent_fail(a, r, "cannot read %s: %s", sys->paths->cmdline, strerror(-r));
	r = contract_check_cmdline(cmdline, err, sizeof(err));
	if (r == 0)
		r = l2_params_from_cmdline(cmdline, &a->params, err, sizeof(err));
	if (r < 0)
		return agent_fail(a, r, "bad L1 kernel command line: %s", err);
	agent_add_str(a->bundle, "run_id", a->params.run_id);
	r = mkdir_p(sys->paths->run_dir, 0755);
	if (r < 0)
		return agent_fail(a, r, "cannot create %s: %s", sys->paths->run_dir, strerror(-r));
	r = sys->init ? sys->init() : 0;
	if (r < 0)
		return agent_fail(a, r, "cannot initialize libvirt");
	agent_step(a, "kvm modules");
	r = sys->load_kvm(a);
	if (r < 0)
		return r;
	sys->spare_cpu0(a);
	a->launcher = mode_is_direct(a->params.mode) ? sys->direct : sys->through_libvirt;
	if (a->launcher->start_step)
		agent_step(a, a->launcher->start_step);
	r = a->launcher->start(a);
	if (r < 0)
		return r;
	if (!mode_is_bench(a->params.mode))
		return run_l2(a);
	agent_step(a, "bench");
	return bench_run(a, sys->load_kvm_as);
}

int agent_run(const struct agent_system *sys)
{
	struct agent a = {
		.paths = sys->paths,
		.params = L2_PARAMS_DEFAULT,
		.step = { .lock = PTHREAD_MUTEX_INITIALIZER, .stopped = PTHREAD_COND_INITIALIZER },
	};
	struct heartbeat heartbeat = { .a = &a, .every_s = sys->heartbeat_s };
	struct utsname u;
	int r;

	a.bundle = json_object_new_object();
	a.l1 = json_object_new_object();
	agent_add_str(a.bundle, "schema", EXITLAB_BUNDLE_SCHEMA);
	json_object_object_add(a.bundle, "l1", a.l1);
	a.step.steps = json_object_new_array();
	json_object_object_add(a.bundle, "timings", a.step.steps);
	timings_add(a.step.steps, "L1", "kernel and init to the agent", uptime_s());
	heartbeat_start(&heartbeat);
	(void)uname(&u);
	agent_add_str(a.l1, "kernel", u.release);
	json_object_object_add(a.l1, "tsc_khz", json_object_new_double(tsc_khz()));

	r = agent_steps(&a, sys);
	if (a.launcher && a.launcher->stop)
		a.launcher->stop(&a);
	agent_step(&a, NULL);
	json_object_object_add(a.bundle, "ok", json_object_new_boolean(r == 0));
	(void)sys->send_bundle(&a);
	heartbeat_stop(&heartbeat);
	json_object_put(a.bundle);
	return r;
}
