// SPDX-License-Identifier: GPL-2.0-only
/*
 * L2 through libvirt in L1: Debian with systemd and cloud-init, the seed L0
 * attached, the phases, and beside it the second VM and the network sink.
 */
#include "l2_launcher.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "bundle.h"
#include "domxml.h"
#include "exitlab/contract.h"
#include "host_timeline.h"
#include "net_sink.h"
#include "probe_vm.h"
#include "timings.h"
#include "util.h"
#include "vm.h"

/*
 * L2's kernel command line; its units and drivers are trimmed in its image
 * (images/l2-files). No watchdog panics here: a panic reboots L2 in place
 * (on_reboot restart), and a hung L2 is found by its silence (L2_SILENCE_S).
 */
#define L2_CMDLINE_FIXED "root=/dev/vda rw console=ttyS0 ds=nocloud panic=-1 quiet"

/*
 * L2 neither printing on its console nor sending a sample (every sample_ms)
 * for this long hangs. Its reboot is the longest quiet stretch: from the
 * sampler's end at shutdown to its start in the next boot, over 60 s on
 * 2026-12-01 with the host's two cores shared by three labs.
 */
#define L2_SILENCE_S 180
/*
 * With no sampler (--sample-ms 0) only the console shows progress, and a quiet
 * kernel's boot prints nothing from switch_root to cloud-init: 316 s under a
 * busy host on 2026-12-01 (docs/2026-12-02-host-timeline.md).
 */
#define L2_SILENCE_NO_SAMPLER_S 900


#define BENCH_ITERATIONS 100000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* libvirt's capabilities of L1's QEMU from an earlier boot (exitlab/contract.h), if L0 sent them. */
static void restore_libvirt_caps(struct agent *a)
{
	char *tar[] = { "tar", "-xf", EXITLAB_L1_STATE_DEVICE, "-C", EXITLAB_LIBVIRT_CAPS_DIR,
			NULL };
	const char *state = "none sent";

	if (access(EXITLAB_L1_STATE_DEVICE, R_OK) == 0) {
		(void)mkdir_p(EXITLAB_LIBVIRT_CAPS_DIR, 0755);
		state = run_command(tar, NULL) == 0 ? "restored" : "unreadable";
	}
	agent_add_str(a->l1, "libvirt_caps_cache", state);
}

/* The capabilities libvirtd has now, for L0 to keep (a file name each, its text). */
static void save_libvirt_caps(struct agent *a)
{
	_cleanup_(closedirp) DIR *d = opendir(EXITLAB_LIBVIRT_CAPS_DIR);
	struct json_object *files = json_object_new_object(), *state;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0 || strchr(e->d_name, '/'))
			continue;
		path = xasprintf("%s/%s", EXITLAB_LIBVIRT_CAPS_DIR, e->d_name);
		if (read_file(path, &text, NULL) == 0)
			agent_add_str(files, e->d_name, text);
	}
	state = json_object_new_object();
	json_object_object_add(state, "libvirt_qemu_caps", files);
	json_object_object_add(a->bundle, "l1_state", state);
}

static int libvirt_start(struct agent *a)
{
	char *virtlogd[] = { "virtlogd", "-d", NULL };
	char *libvirtd[] = { "libvirtd", "-d", NULL };
	char *version[] = { "qemu-system-x86_64", "--version", NULL };
	int r;
	unsigned long lib_version = 0;
	virConnectPtr conn = NULL;
	char err[1024];

	restore_libvirt_caps(a);
	log_info("L1: starting virtlogd and libvirtd");
	if (run_command(virtlogd, NULL) != 0 || run_command(libvirtd, NULL) != 0)
		return agent_fail(a, -ESRCH, "virtlogd or libvirtd did not start");
	r = vm_connect("qemu:///system", 90, &conn, err, sizeof(err));
	if (r < 0)
		return agent_fail(a, r, "libvirtd in L1 did not answer within 90 s: %s", err);
	a->launcher_data = conn;
	if (virConnectGetLibVersion(conn, &lib_version) == 0) {
		_cleanup_free_ char *v = xasprintf("%lu.%lu.%lu", lib_version / 1000000,
						   lib_version / 1000 % 1000, lib_version % 1000);
		agent_add_str(a->l1, "libvirt_version", v);
	}
	agent_record_command(a->l1, "qemu_version", version);
	log_info("L1: libvirtd answers");
	return 0;
}

/* seed and root: L1's devices for them (bundle_l0_disk()). */
static int l2_xml(const struct agent *a, const char *seed, const char *root, char **ret_xml)
{
	_cleanup_free_ char *name = xasprintf("exitlab-l2-%s", a->params.run_id);
	_cleanup_free_ char *cmdline = xasprintf(L2_CMDLINE_FIXED " exitlab.sample_ms=%u",
						 a->params.sample_ms);
	struct dom_config cfg = {
		.name = name,
		.accel = DOM_ACCEL_KVM,
		.cpu = DOM_CPU_HOST,
		.memory_mib = a->params.memory_mib,
		.vcpus = a->params.vcpus,
		.vcpu_cpuset = agent_vm_cpuset(a),
		.kernel = EXITLAB_L2_KERNEL,
		.initrd = EXITLAB_L2_INITRAMFS,
		.cmdline = cmdline,
		.disks = {
			{ .path = root, .format = "raw", .target = "vda", .block = true },
			{ .path = seed, .format = "raw", .target = "vdb", .block = true,
			  .readonly = true },
		},
		.n_disks = 2,
		.channels = { { .name = EXITLAB_RESULTS_PORT, .path = a->paths->l2_results } },
		.n_channels = 1,
		.console_log = a->paths->l2_console,
		.firmware_rom = dom_qboot_rom(),
		.user_network = true,
		.reboot_in_place = true,
	};

	return dom_config_to_xml(&cfg, ret_xml);
}

/*
 * The end of libvirt's log of L2's QEMU, with its own UTC timestamps (start,
 * "shutting down", the signal that ended QEMU), and the UTC time now: where
 * the time between L2's power-off and libvirt's "stopped" went.
 */
static void record_libvirt_qemu_log(struct json_object *l2, const char *guest_match)
{
	/* guest_match is "guest=NAME,": the log is /var/log/libvirt/qemu/NAME.log. */
	_cleanup_free_ char *name = strndup(guest_match + strlen("guest="),
					    strlen(guest_match) - strlen("guest=") - 1);
	_cleanup_free_ char *path = xasprintf("/var/log/libvirt/qemu/%s.log", name);
	_cleanup_free_ char *tail = file_tail(path, 4);
	char now[64];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(now, sizeof(now), "%04d-%02d-%02d %02d:%02d:%02d.%03ld+0000", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	agent_add_str(l2, "libvirt_stopped_utc", now);
	agent_add_str(l2, "libvirt_qemu_log_tail", tail ? tail : "");
	log_info("L2: libvirt reported it stopped at %s; its QEMU log ends:\n%s", now,
		 tail ? tail : "(no log)");
}

static int libvirt_run_l2(struct agent *a, struct json_object *l2, double *ret_seconds)
{
	_cleanup_free_ char *xml = NULL;
	struct vm_run_opts opts = {
		.label = "L2",
		.timeout_s = a->params.timeout_s,
		.console_log = a->paths->l2_console,
		.progress_s = 20,
		.silence_s = a->params.sample_ms ? L2_SILENCE_S : L2_SILENCE_NO_SAMPLER_S,
		.progress_file = a->paths->l2_results,
		/* After libvirt's QEMU probing: t=0 is when L2's QEMU runs. */
		.ret_running_realtime = &a->l2_created,
	};
	struct net_sink sink = { .fd = -1 };
	/* L2's QEMU alone: libvirt names it on its command line (-name guest=NAME,...). */
	_cleanup_free_ char *match = xasprintf("guest=exitlab-l2-%s,", a->params.run_id);
	struct host_timeline timeline = {
		.interval_ms = a->params.timeline_ms,
		.match = match,
		.console_path = a->paths->l2_console,
		.results_path = a->paths->l2_results,
		.max_samples = host_timeline_max_samples(a->params.timeout_s, a->params.timeline_ms),
		/* exitlab.spare_cpu0 keeps the VMs off CPU 0: the reads go there. */
		.cpu = agent_vm_cpuset(a) ? 0 : -1,
	};
	_cleanup_free_ char *release = NULL;
	/* virtio under libvirt; IDE disks named by their model under Bochs. */
	_cleanup_free_ char *seed = bundle_l0_disk(a->paths, a->paths->seed_device,
						   EXITLAB_SEED_DISK_MODEL);
	_cleanup_free_ char *root = bundle_l0_disk(a->paths, a->paths->l2_root_device,
						   EXITLAB_L2_ROOT_DISK_MODEL);
	char err[1024];
	pid_t second_vm = 0;
	int r;

	if (access(seed, R_OK) < 0 || access(root, R_OK) < 0)
		return agent_fail(a, -ENODEV, "L1 lacks %s (seed) or %s (L2 root), and no disk of "
				  "model %s or %s: L0 attached the wrong disks", seed, root,
				  EXITLAB_SEED_DISK_MODEL, EXITLAB_L2_ROOT_DISK_MODEL);
	log_info("L1: L2's root is %s, its seed %s", root, seed);
	if (access(EXITLAB_L2_KERNEL, R_OK) < 0 || access(EXITLAB_L2_INITRAMFS, R_OK) < 0)
		return agent_fail(a, -ENOENT, "L1's image lacks L2's kernel or initramfs (%s): "
				  "rebuild the images with 'make images'", EXITLAB_L2_BOOT_DIR);
	r = l2_xml(a, seed, root, &xml);
	if (r < 0)
		return agent_fail(a, r, "cannot build the L2 domain XML: %s", strerror(-r));
	if (read_file(EXITLAB_L2_BOOT_DIR "/kernel-release", &release, NULL) == 0)
		release[strcspn(release, "\n")] = '\0';
	agent_add_str(l2, "kernel", release);
	agent_add_str(l2, "firmware", dom_qboot_rom() ? dom_qboot_rom() : "seabios");
	if (a->params.second_vm) {
		int sr = second_vm_start(a, &second_vm);

		if (sr < 0) {
			second_vm = 0;
			log_error("L1: the second VM did not start: %s", strerror(-sr));
		} else {
			log_info("L1: a second VM runs beside L2 (QEMU pid %d)", (int)second_vm);
		}
		json_object_object_add(l2, "second_vm_started", json_object_new_boolean(sr == 0));
	}
	if (net_sink_start(&sink) < 0)
		log_error("L1: cannot listen on 127.0.0.1:%d: L2's network I/O will fail",
			  EXITLAB_NET_SINK_PORT);
	log_info("L2: starting (kvm, %u vCPU, %u MiB, cloud-init NoCloud seed), timeout %u s",
		 a->params.vcpus, a->params.memory_mib, a->params.timeout_s);
	{
		struct timespec before;

		clock_gettime(CLOCK_REALTIME, &before);
		host_timeline_start(&timeline);
		r = vm_run(a->launcher_data, xml, &opts, ret_seconds, err, sizeof(err));
		/* samples.jsonl starts with the agent's "boot" mark when L2's start is known. */
		host_timeline_stop(&timeline, a->bundle, a->l2_created > 0 ? 1 : 0);
		/* libvirt's start of QEMU, with its probe of QEMU when not cached. */
		if (a->l2_created > 0)
			timings_add(a->step.steps, "L1", "L2 domain created (libvirt)",
				    a->l2_created - (before.tv_sec + before.tv_nsec / 1e9));
	}
	record_libvirt_qemu_log(l2, match);
	net_sink_stop(&sink);
	if (second_vm > 0)
		second_vm_stop(a, l2, second_vm);
	json_object_object_add(l2, "net_bytes_received", json_object_new_int64((int64_t)sink.bytes));
	if (r == -ETIME)
		return agent_fail(a, r, "L2 hung: no console output and no sample for %u s",
				  opts.silence_s);
	if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
		return agent_fail(a, r, "L2 did not start: %s", err);
	return r;
}

/* One L2 whose init is the probe's CPUID loop, from L2's disk, read-only. */
static int libvirt_run_bench_l2(struct agent *a, const char *config, const char *console_path)
{
	_cleanup_free_ char *name = xasprintf("exitlab-bench-%s", config);
	_cleanup_free_ char *kernel = NULL, *initrd = NULL, *xml = NULL;
	char err[1024];
	struct utsname u;
	int r;

	(void)uname(&u);
	kernel = xasprintf("/boot/vmlinuz-%s", u.release);
	initrd = xasprintf("/boot/initrd.img-%s", u.release);
	struct dom_config cfg = {
		.name = name,
		.accel = DOM_ACCEL_KVM,
		.cpu = DOM_CPU_HOST,
		.memory_mib = 512,
		.vcpus = 1,
		.vcpu_cpuset = agent_vm_cpuset(a),
		.kernel = kernel,
		.initrd = initrd,
		/* The probe is PID 1; when it exits the kernel panics and L2 stops. */
		.cmdline = "root=/dev/vda ro console=ttyS0 panic=-1 quiet "
			   "init=" EXITLAB_PROBE_PATH " -- bench --iterations " STRINGIFY(BENCH_ITERATIONS),
		.disks = { { .path = a->paths->l2_root_device, .format = "raw", .target = "vda",
			     .block = true, .readonly = true } },
		.n_disks = 1,
		.console_log = console_path,
	};
	struct vm_run_opts opts = { .label = "L2 bench", .timeout_s = 600,
				    .console_log = console_path, .progress_s = 30 };

	r = dom_config_to_xml(&cfg, &xml);
	if (r < 0)
		return agent_fail(a, r, "bench: cannot build the L2 domain XML");
	r = vm_run(a->launcher_data, xml, &opts, NULL, err, sizeof(err));
	if (r < 0)
		return agent_fail(a, r, "bench: L2 with KVM '%s' did not finish: %s", config,
				  r == -ETIMEDOUT ? "timed out" : err);
	return 0;
}

/* After L2 or the bench, whatever became of them: what L1 keeps for its next boot. */
static void libvirt_stop(struct agent *a)
{
	if (!a->launcher_data)
		return;
	save_libvirt_caps(a);
	virConnectClose(a->launcher_data);
	a->launcher_data = NULL;
}

/*
 * Each configuration twice, in mirrored order, keeping its best: drift in the
 * emulated machine's speed then falls on all of them alike.
 */
static const unsigned mirrored_order[] = { 0, 1, 2, 3, 4, 4, 3, 2, 1, 0 };

const struct l2_launcher l2_through_libvirt = {
	.name = "libvirt",
	.start_step = "libvirt start",
	.run_step = "L2 runs (boot, phases, power-off)",
	.start = libvirt_start,
	.run_l2 = libvirt_run_l2,
	.run_bench_l2 = libvirt_run_bench_l2,
	.bench_order = mirrored_order,
	.n_bench_order = ARRAY_SIZE(mirrored_order),
	.bench_iterations = BENCH_ITERATIONS,
	.bench_clock = "wall (nested TCG: noisy)",
	.stop = libvirt_stop,
};
