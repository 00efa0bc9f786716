// SPDX-License-Identifier: GPL-2.0-only
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "child.h"
#include "cpio.h"
#include "domxml.h"
#include "oracle.h"
#include "params.h"
#include "seed.h"
#include "timings.h"
#include "util.h"
#include "vm.h"

#define RUN_DIR "/run/exitlab"
#define L2_CONSOLE RUN_DIR "/l2-console.log"
#define L2_RESULTS RUN_DIR "/l2-results.jsonl"
#define L2_INITRAMFS RUN_DIR "/l2-probe.cpio"
#define PROBE_PATH "/usr/local/bin/exitlab-probe"
#define TRACE_INSTANCE "/sys/kernel/tracing/instances/exitlab"
/* L0 attaches the seed as the second disk and L2's root overlay as the third. */
#define SEED_DEVICE "/dev/vdb"
#define L2_ROOT_DEVICE "/dev/vdc"

/*
 * L2's kernel command line; its units and drivers are trimmed in its image
 * (images/l2-files). No watchdog panics here: a panic reboots L2 in place
 * (on_reboot restart), and a hung L2 is found by its silence (L2_SILENCE_S).
 */
#define L2_CMDLINE_FIXED "root=/dev/vda rw console=ttyS0 ds=nocloud panic=-1 quiet"

/*
 * The agent prints a line this often from a thread of its own, whatever its
 * main thread is blocked in: L0 takes silence on L1's console as a hung L1
 * (run.c, L1_SILENCE_S), so only a stopped kernel or a stopped L1 is silent.
 */
#define HEARTBEAT_S 5

/*
 * L2 neither printing on its console nor sending a sample (every sample_ms)
 * for this long hangs; its reboot, the longest quiet stretch, takes ~30 s.
 */
#define L2_SILENCE_S 60

/* From L1's qemu-system-data. */
#define L2_FIRMWARE "/usr/share/qemu/qboot.rom"

struct agent_step {
	pthread_mutex_t lock;
	char name[64];
	double started; /* log_elapsed() */
	struct json_object *steps; /* finished steps: timings_add() */
};

struct agent {
	struct l2_params params;
	struct agent_step step;
	double l2_created; /* CLOCK_REALTIME when libvirt had L2 running */
	struct json_object *bundle; /* sent to L0 whatever happens */
	struct json_object *l1;
	char vm_cpuset[32]; /* L1's CPUs its VMs run on; "" for any */
};

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static int fail(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct agent *a, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	log_error("%s", msg ? msg : "out of memory");
	if (!json_object_object_get_ex(a->bundle, "error", NULL))
		add_str(a->bundle, "error", msg);
	return -EIO;
}

/* Ends the step under way (its time goes into the bundle) and begins the next. */
static void agent_step(struct agent *a, const char *name)
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

static void *heartbeat_main(void *opaque)
{
	struct agent *a = opaque;

	for (;;) {
		char name[64];
		double for_s;

		sleep(HEARTBEAT_S);
		pthread_mutex_lock(&a->step.lock);
		snprintf(name, sizeof(name), "%s", a->step.name);
		for_s = log_elapsed() - a->step.started;
		pthread_mutex_unlock(&a->step.lock);
		log_info(L1_HEARTBEAT_MARK "%s for %.0f s", name[0] ? name : "finishing", for_s);
	}
	return NULL;
}

static void heartbeat_start(struct agent *a)
{
	pthread_attr_t attr;
	pthread_t thread;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, heartbeat_main, a) != 0)
		log_error("L1: no heartbeat thread: L0 may take a long quiet step for a hang");
	pthread_attr_destroy(&attr);
}

/* Seconds from L1's kernel start to now, from /proc/uptime; 0 if unknown. */
static double uptime_s(void)
{
	_cleanup_free_ char *text = NULL;

	return read_file("/proc/uptime", &text, NULL) == 0 ? strtod(text, NULL) : 0;
}

static char *cpu_vendor(void)
{
	_cleanup_free_ char *cpuinfo = NULL;
	char *p;

	if (read_file("/proc/cpuinfo", &cpuinfo, NULL) < 0)
		return NULL;
	p = strstr(cpuinfo, "vendor_id");
	if (!p || !(p = strchr(p, ':')))
		return NULL;
	p += 1 + strspn(p + 1, " \t");
	return strndup(p, strcspn(p, "\n"));
}

static void record_command(struct json_object *o, const char *key, char *const argv[])
{
	_cleanup_free_ char *out = NULL;

	/* The first line: versions come with copyright lines after them. */
	if (capture_command(argv, &out) >= 0) {
		out[strcspn(out, "\n")] = '\0';
		add_str(o, key, out);
	}
}

/* A module's parameters as L1 loaded it (npt, nested, avic...: what shapes the exits). */
static void record_module_parameters(struct json_object *o, const char *key, const char *module)
{
	_cleanup_free_ char *dir = xasprintf("/sys/module/%s/parameters", module);
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct json_object *params;
	struct dirent *e;

	if (!d)
		return;
	params = json_object_new_object();
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = NULL, *value = NULL;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (read_file(path, &value, NULL) < 0)
			continue;
		value[strcspn(value, "\n")] = '\0';
		add_str(params, e->d_name, value);
	}
	json_object_object_add(o, key, params);
}

/*
 * exitlab.spare_cpu0: every VM this agent starts (itself, so the probe VMs it
 * spawns inherit it; L2 and the bench L2s through their domain XML) runs on
 * L1's CPUs 1..n-1. See struct l2_params for why.
 */
static void spare_cpu0(struct agent *a)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (!a->params.spare_cpu0)
		return;
	if (n < 2) {
		log_info("L1: one CPU only: its VMs share CPU 0 (exitlab.spare_cpu0 needs two)");
		add_str(a->l1, "vm_cpuset", NULL);
		return;
	}
	CPU_ZERO(&set);
	for (long cpu = 1; cpu < n && cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		log_info("L1: warning: cannot keep VMs off CPU 0: %s", strerror(errno));
		add_str(a->l1, "vm_cpuset", NULL);
		return;
	}
	if (n == 2)
		snprintf(a->vm_cpuset, sizeof(a->vm_cpuset), "1");
	else
		snprintf(a->vm_cpuset, sizeof(a->vm_cpuset), "1-%ld", n - 1);
	log_info("L1: VMs run on CPUs %s, never on CPU 0", a->vm_cpuset);
	add_str(a->l1, "vm_cpuset", a->vm_cpuset);
}

/* For a VM's <vcpu cpuset>: NULL when its vCPUs may run anywhere. */
static const char *vm_cpuset(const struct agent *a)
{
	return a->vm_cpuset[0] ? a->vm_cpuset : NULL;
}

static int load_kvm(struct agent *a)
{
	_cleanup_free_ char *vendor = cpu_vendor(), *param = NULL;
	const char *module;
	/* The bare name, as an admin would write it: KERNEL_PARAM_OPS_FL_NOARG (kvm-patch 0001). */
	char *kvm_argv[] = { "modprobe", "kvm", "exit_stats", NULL };
	char *vendor_argv[] = { "modprobe", NULL, NULL };
	char *modinfo_argv[] = { "modinfo", "-F", "vermagic", "kvm", NULL };
	char *path_argv[] = { "modinfo", "-n", NULL, NULL };
	int r;

	if (!vendor)
		return fail(a, "cannot read the CPU vendor from /proc/cpuinfo");
	add_str(a->l1, "cpu_vendor", vendor);
	if (strcmp(vendor, "GenuineIntel") == 0)
		module = "kvm_intel";
	else if (strcmp(vendor, "AuthenticAMD") == 0)
		module = "kvm_amd";
	else
		return fail(a, "CPU vendor %s has no KVM module", vendor);
	vendor_argv[1] = (char *)module;
	path_argv[2] = (char *)module;

	log_info("L1: loading the patched kvm (modprobe kvm exit_stats) and %s", module);
	r = run_command(kvm_argv, NULL);
	if (r != 0)
		return fail(a, "modprobe kvm exit_stats failed (status %d)", r);
	r = run_command(vendor_argv, NULL);
	if (r != 0)
		return fail(a, "modprobe %s failed (status %d): is virtualization offered to L1?",
			    module, r);
	if (read_file("/sys/module/kvm/parameters/exit_stats", &param, NULL) < 0)
		return fail(a, "the loaded kvm module has no exit_stats parameter: it is not the "
			       "patched one (rebuild the L1 image: make images)");
	if (param[0] != 'Y')
		return fail(a, "kvm exit_stats is %c, expected Y", param[0]);
	if (access("/dev/kvm", R_OK | W_OK) < 0)
		return fail(a, "/dev/kvm is missing after loading %s", module);
	add_str(a->l1, "kvm_vendor_module", module);
	record_command(a->l1, "kvm_vermagic", modinfo_argv);
	record_command(a->l1, "kvm_vendor_module_path", path_argv);
	record_module_parameters(a->l1, "kvm_vendor_module_parameters", module);
	json_object_object_add(a->l1, "exit_stats", json_object_new_boolean(1));
	return 0;
}

/* libvirt's capabilities of L1's QEMU from an earlier boot (seed.h), if L0 sent them. */
static void restore_libvirt_caps(struct agent *a)
{
	char *tar[] = { "tar", "-xf", EXITLAB_L1_STATE_DEVICE, "-C", EXITLAB_LIBVIRT_CAPS_DIR,
			NULL };
	const char *state = "none sent";

	if (access(EXITLAB_L1_STATE_DEVICE, R_OK) == 0) {
		(void)mkdir_p(EXITLAB_LIBVIRT_CAPS_DIR, 0755);
		state = run_command(tar, NULL) == 0 ? "restored" : "unreadable";
	}
	add_str(a->l1, "libvirt_caps_cache", state);
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
			add_str(files, e->d_name, text);
	}
	state = json_object_new_object();
	json_object_object_add(state, "libvirt_qemu_caps", files);
	json_object_object_add(a->bundle, "l1_state", state);
}

static int start_libvirt(struct agent *a, virConnectPtr *ret_conn)
{
	char *virtlogd[] = { "virtlogd", "-d", NULL };
	char *libvirtd[] = { "libvirtd", "-d", NULL };
	char *version[] = { "qemu-system-x86_64", "--version", NULL };
	unsigned long lib_version = 0;

	restore_libvirt_caps(a);
	log_info("L1: starting virtlogd and libvirtd");
	if (run_command(virtlogd, NULL) != 0 || run_command(libvirtd, NULL) != 0)
		return fail(a, "virtlogd or libvirtd did not start");
	if (vm_connect("qemu:///system", 90, ret_conn) < 0)
		return fail(a, "libvirtd in L1 did not answer within 90 s: %s", vm_last_error());
	if (virConnectGetLibVersion(*ret_conn, &lib_version) == 0) {
		_cleanup_free_ char *v = xasprintf("%lu.%lu.%lu", lib_version / 1000000,
						   lib_version / 1000 % 1000, lib_version % 1000);
		add_str(a->l1, "libvirt_version", v);
	}
	record_command(a->l1, "qemu_version", version);
	log_info("L1: libvirtd answers");
	return 0;
}

static int l2_xml(const struct agent *a, char **ret_xml)
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
		.vcpu_cpuset = vm_cpuset(a),
		/*
		 * qboot: a BIOS that does nothing but load the kernel QEMU hands
		 * it, where SeaBIOS spends seconds of emulated time on each boot.
		 */
		.firmware = access(L2_FIRMWARE, R_OK) == 0 ? L2_FIRMWARE : NULL,
		.kernel = EXITLAB_L2_KERNEL,
		.initrd = EXITLAB_L2_INITRAMFS,
		.cmdline = cmdline,
		.disks = {
			{ .path = L2_ROOT_DEVICE, .format = "raw", .target = "vda", .block = true },
			{ .path = SEED_DEVICE, .format = "raw", .target = "vdb", .block = true,
			  .readonly = true },
		},
		.n_disks = 2,
		.channels = { { .name = EXITLAB_RESULTS_PORT, .path = L2_RESULTS } },
		.n_channels = 1,
		.console_log = L2_CONSOLE,
		.user_network = true,
		.reboot_in_place = true,
	};

	return dom_config_to_xml(&cfg, ret_xml);
}

/*
 * Samples and phase marks: t, seconds since L2's creation, from L2's wall
 * clock (kvmclock follows L1's) minus L1's at creation.
 */
static bool add_timeline_line(struct agent *a, struct json_object *timeline, struct json_object *o)
{
	struct json_object *type, *realtime;

	if (!json_object_object_get_ex(o, "type", &type))
		return false;
	if (a->l2_created > 0 && json_object_object_get_ex(o, "realtime", &realtime))
		json_object_object_add(o, "t",
				       json_object_new_double(json_object_get_double(realtime) -
							      a->l2_created));
	json_object_array_add(timeline, o);
	return true;
}

static int collect_probe_output(struct agent *a)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *snapshots = json_object_new_array();
	struct json_object *timeline = json_object_new_array(), *boot;
	char *line, *save = NULL;

	json_object_object_add(a->bundle, "snapshots", snapshots);
	json_object_object_add(a->bundle, "samples", timeline);
	if (a->l2_created > 0) {
		/* The VM's counters start at creation: the boot phase starts there too. */
		boot = json_object_new_object();
		json_object_object_add(boot, "type", json_object_new_string("phase"));
		json_object_object_add(boot, "phase", json_object_new_string("boot"));
		json_object_object_add(boot, "event", json_object_new_string("begin"));
		json_object_object_add(boot, "t", json_object_new_double(0));
		json_object_object_add(boot, "realtime", json_object_new_double(a->l2_created));
		json_object_array_add(timeline, boot);
	}
	if (read_file(L2_RESULTS, &text, NULL) < 0)
		return fail(a, "L2 wrote no probe output (%s missing)", L2_RESULTS);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o;

		/* A tty (the minimal L2's serial port) ends lines with CR LF. */
		line[strcspn(line, "\r")] = '\0';
		if (!*line)
			continue;
		o = json_tokener_parse(line);
		if (!o) {
			/* A line cut by the guest's shutdown: keep the rest, say so. */
			log_error("L2 probe output: skipping a line that is not JSON (%.40s...)", line);
			continue;
		}
		if (!add_timeline_line(a, timeline, o))
			json_object_array_add(snapshots, o);
	}
	if (json_object_array_length(snapshots) == 0)
		return fail(a, "L2 probe output is empty: the probe did not run in L2");
	return 0;
}

static struct json_object *find_phase(struct json_object *snapshots, const char *phase)
{
	size_t i, n = json_object_array_length(snapshots);

	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(snapshots, i), *p;

		if (json_object_object_get_ex(s, "phase", &p) &&
		    strcmp(json_object_get_string(p), phase) == 0)
			return s;
	}
	return NULL;
}

/*
 * The recorded events, consumed through trace_pipe once tracing is off:
 * reading "trace" instead walks the ring buffer again and again, minutes
 * for tens of thousands of events under emulation.
 */
static int read_trace_pipe(const char *path, char **ret_text)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < (1 << 20) + 1) {
			size_t ncap = cap ? cap * 2 : (4 << 20);
			char *nbuf = realloc(buf, ncap);

			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		break; /* drained */
	}
	buf[len] = '\0';
	*ret_text = TAKE_PTR(buf);
	return 0;
}

/* Checks the leaves against kvm:kvm_exit over the probe's interval. */
static void run_oracle(struct agent *a, const char *trace_error)
{
	_cleanup_free_ char *trace = NULL, *format = NULL, *vendor = cpu_vendor();
	struct json_object *oracle = NULL, *snapshots, *sa, *sb;
	struct reason_names names = { 0 };
	char err[256] = "";

	oracle_trace_stop(TRACE_INSTANCE);
	log_info("oracle: reading L1's trace");
	if (trace_error) {
		snprintf(err, sizeof(err), "%s", trace_error);
	} else if (!json_object_object_get_ex(a->bundle, "snapshots", &snapshots) ||
		   !(sa = find_phase(snapshots, "interval-a")) ||
		   !(sb = find_phase(snapshots, "interval-b"))) {
		snprintf(err, sizeof(err), "the probe wrote no interval-a/interval-b snapshots");
	} else if (read_trace_pipe(TRACE_INSTANCE "/trace_pipe", &trace) < 0 ||
		   read_file("/sys/kernel/tracing/events/kvm/kvm_exit/format", &format, NULL) < 0) {
		snprintf(err, sizeof(err), "cannot read the trace or kvm_exit's format");
	} else if (reason_names_from_format(format, exit_arch_from_vendor(vendor ? vendor : ""),
					    &names) < 0) {
		snprintf(err, sizeof(err), "no exit reason names in kvm_exit's format");
	} else {
		oracle = oracle_compare(trace, &names, sa, sb, a->params.vcpus, err, sizeof(err));
	}
	reason_names_free(&names);
	if (!oracle) {
		oracle = json_object_new_object();
		json_object_object_add(oracle, "error", json_object_new_string(err));
		log_error("oracle: %s", err);
	} else {
		struct json_object *m;

		json_object_object_get_ex(oracle, "mismatches", &m);
		log_info("oracle: kvm:kvm_exit against the leaves over the probe's interval: "
			 "%d mismatches", json_object_get_int(m));
	}
	json_object_object_add(a->bundle, "oracle", oracle);
}

/* What either way of running L2 records when it is over: time and console. */
static int l2_ended(struct agent *a, struct json_object *l2, int r, double seconds)
{
	_cleanup_free_ char *tail = file_tail(L2_CONSOLE, 40), *console = NULL;
	size_t len = 0;

	json_object_object_add(l2, "seconds", json_object_new_double(seconds));
	add_str(l2, "console_tail", tail);
	/* The whole console too (L0 keeps it as l2-console.log), up to its last MiB. */
	if (read_file(L2_CONSOLE, &console, &len) == 0)
		add_str(a->bundle, "l2_console", len > (1u << 20) ? console + len - (1u << 20)
								  : console);
	if (r == -ETIMEDOUT)
		return fail(a, "L2 did not finish within %u s", a->params.timeout_s);
	if (r == -EINTR)
		return fail(a, "interrupted while L2 ran");
	return 0;
}

/* L2 stopped by itself: its probe output, then the oracle over it. */
static int l2_results(struct agent *a, double seconds, const char *trace_err)
{
	int r;

	struct json_object *samples;

	log_info("L2: stopped after %.1f s", seconds);
	agent_step(a, "probe output and oracle");
	r = collect_probe_output(a);
	if (r == 0)
		run_oracle(a, trace_err[0] ? trace_err : NULL);
	if (json_object_object_get_ex(a->bundle, "samples", &samples))
		timings_add_phases(a->step.steps, samples);
	return r;
}

/*
 * Where L2's network I/O ends: QEMU's user network delivers L2's connection
 * to 10.0.2.2 here, on L1's loopback. Counts and discards.
 */
struct net_sink {
	int fd;
	pthread_t thread;
	unsigned long long bytes;
};

static void *net_sink_main(void *opaque)
{
	struct net_sink *s = opaque;
	static char buf[65536];

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		ssize_t n;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return NULL; /* closed by net_sink_stop */
		}
		while ((n = read(c, buf, sizeof(buf))) > 0)
			__atomic_add_fetch(&s->bytes, (unsigned long long)n, __ATOMIC_RELAXED);
		close(c);
	}
}

static int net_sink_start(struct net_sink *s)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(EXITLAB_NET_SINK_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;

	s->bytes = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s->fd, 4) < 0 ||
	    pthread_create(&s->thread, NULL, net_sink_main, s) != 0) {
		int r = -errno;

		close(s->fd);
		s->fd = -1;
		return r ? r : -EIO;
	}
	return 0;
}

static void net_sink_stop(struct net_sink *s)
{
	if (s->fd < 0)
		return;
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
	s->fd = -1;
}

/*
 * KVM's per-VM debugfs view of the counters (kvm-patch 0005): read every
 * 2 s while L2 runs, the last read of each VM's exit_stats kept, since the
 * file goes with the VM. Reading it costs the VMs no exit.
 */
#define KVM_DEBUGFS "/sys/kernel/debug/kvm"

struct debugfs_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	struct json_object *last; /* { "<pid>-<fd>": "file text" } */
	volatile bool stop, started;
};

static void debugfs_watch_once(struct debugfs_watch *w)
{
	DIR *d = opendir(KVM_DEBUGFS);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *text = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf(KVM_DEBUGFS "/%s/exit_stats", de->d_name);
		if (read_file(path, &text, NULL) < 0)
			continue;
		pthread_mutex_lock(&w->lock);
		json_object_object_add(w->last, de->d_name, json_object_new_string(text));
		pthread_mutex_unlock(&w->lock);
	}
	closedir(d);
}

static void *debugfs_watch_main(void *opaque)
{
	struct debugfs_watch *w = opaque;
	unsigned tick = 0;

	while (!w->stop) {
		if (tick++ % 20 == 0)
			debugfs_watch_once(w);
		usleep(100 * 1000);
	}
	return NULL;
}

static void debugfs_watch_start(struct debugfs_watch *w)
{
	if (access(KVM_DEBUGFS, F_OK) < 0)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	pthread_mutex_init(&w->lock, NULL);
	w->last = json_object_new_object();
	w->stop = false;
	w->started = pthread_create(&w->thread, NULL, debugfs_watch_main, w) == 0;
}

static void debugfs_watch_stop(struct debugfs_watch *w, struct json_object *l2)
{
	w->stop = true;
	if (w->started)
		pthread_join(w->thread, NULL);
	json_object_object_add(l2, "kvm_debugfs_exit_stats", w->last);
	pthread_mutex_destroy(&w->lock);
}

/*
 * A guest whose whole userspace is the probe, started by QEMU directly (the
 * Bochs tier's L2, its bench, the second VM): L1's kernel, an initramfs
 * holding the probe as init, and probe_args as the probe's command line.
 */
struct probe_vm {
	unsigned memory_mib, vcpus;
	const char *probe_args;   /* "guest-init --seconds 2 --out /dev/ttyS1" */
	const char *console_path; /* its ttyS0 */
	const char *results_path; /* its ttyS1, or NULL for none */
	const char *qemu_log;     /* QEMU's own output */
	/*
	 * The kernel's whole log on its console, from its first line: for a
	 * guest that must tell why it ended. Not under Bochs, where every
	 * console byte costs emulated time.
	 */
	bool verbose;
};

static int probe_vm_spawn(const struct probe_vm *vm, pid_t *ret_pid)
{
	_cleanup_free_ char *kernel = NULL, *append = NULL, *console = NULL, *results = NULL;
	_cleanup_free_ char *memory = xasprintf("%u", vm->memory_mib);
	_cleanup_free_ char *smp = xasprintf("%u", vm->vcpus);
	struct utsname u;
	int r;

	uname(&u);
	kernel = xasprintf("/boot/vmlinuz-%s", u.release);
	append = xasprintf("console=ttyS0 %s panic=-1 rdinit=/init -- %s",
			   vm->verbose ? "earlyprintk=ttyS0" : "quiet", vm->probe_args);
	console = xasprintf("file:%s", vm->console_path);
	if (vm->results_path)
		results = xasprintf("file:%s", vm->results_path);
	r = cpio_write_single(L2_INITRAMFS, "init", PROBE_PATH);
	if (r < 0)
		return r;
	{
		char *argv[] = {
			"qemu-system-x86_64", "-enable-kvm", "-cpu", "host", "-m", memory, "-smp", smp,
			"-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
			"-no-reboot", "-kernel", kernel, "-initrd", L2_INITRAMFS, "-append", append,
			"-serial", console, results ? "-serial" : NULL, results, NULL
		};

		return child_spawn(argv, vm->qemu_log, ret_pid);
	}
}

/*
 * The second VM: the probe as its init sampling its own leaves ten times a
 * second, so that it exits steadily while L2 runs. Verbose: it has been seen
 * to end early, QEMU exiting 0 with nothing on a quiet console.
 */
static int start_second_vm(pid_t *ret_pid)
{
	const struct probe_vm vm = {
		.memory_mib = 256,
		.vcpus = 1,
		.probe_args = "sample --interval 100 --out /dev/null",
		.console_path = RUN_DIR "/second-vm.log",
		.qemu_log = RUN_DIR "/second-vm-qemu.log",
		.verbose = true,
	};

	return probe_vm_spawn(&vm, ret_pid);
}

/*
 * Stops the second VM and records whether it was still running when L2
 * ended, with the ends of its console and of QEMU's output: a second VM that
 * stopped early is why an interval can hold none of its exits.
 */
static void stop_second_vm(struct json_object *l2, pid_t pid)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *console = file_tail(RUN_DIR "/second-vm.log", 20);
	_cleanup_free_ char *qemu = file_tail(RUN_DIR "/second-vm-qemu.log", 20);
	int status;
	pid_t w = waitpid(pid, &status, WNOHANG);
	int waitpid_errno = w < 0 ? errno : 0;

	/* Not knowing (waitpid failed) is recorded as such, not as "stopped". */
	json_object_object_add(o, "running_at_end",
			       w < 0 ? NULL : json_object_new_boolean(w == 0));
	if (w == pid)
		json_object_object_add(o, "exit_status", json_object_new_int(exit_code(status)));
	else
		child_stop(pid);
	add_str(o, "console_tail", console);
	add_str(o, "qemu_log_tail", qemu);
	json_object_object_add(l2, "second_vm", o);
	if (w < 0)
		log_error("L1: cannot tell whether the second VM was still running: %s",
			  strerror(waitpid_errno));
	else if (w == pid)
		log_error("L1: the second VM had stopped before L2 ended");
}

static int run_l2(struct agent *a, virConnectPtr conn)
{
	_cleanup_free_ char *xml = NULL;
	struct json_object *l2 = json_object_new_object();
	struct vm_run_opts opts = {
		.label = "L2",
		.timeout_s = a->params.timeout_s,
		.console_log = L2_CONSOLE,
		.progress_s = 20,
		.silence_s = L2_SILENCE_S,
		.progress_file = L2_RESULTS,
		/* After libvirt's QEMU probing: t=0 is when L2's QEMU runs. */
		.ret_running_realtime = &a->l2_created,
	};
	double seconds = 0;
	char trace_err[256] = "tracing was not set up";
	struct net_sink sink = { .fd = -1 };
	pid_t second_vm = 0;
	int r;

	json_object_object_add(a->bundle, "l2", l2);
	if (access(SEED_DEVICE, R_OK) < 0 || access(L2_ROOT_DEVICE, R_OK) < 0)
		return fail(a, "L1 lacks %s (seed) or %s (L2 root): L0 attached the wrong disks",
			    SEED_DEVICE, L2_ROOT_DEVICE);
	if (access(EXITLAB_L2_KERNEL, R_OK) < 0 || access(EXITLAB_L2_INITRAMFS, R_OK) < 0)
		return fail(a, "L1's image lacks L2's kernel or initramfs (%s): rebuild the "
			    "images with 'make images'", EXITLAB_L2_BOOT_DIR);
	r = l2_xml(a, &xml);
	if (r < 0)
		return fail(a, "cannot build the L2 domain XML: %s", strerror(-r));
	json_object_object_add(l2, "vcpus", json_object_new_int((int)a->params.vcpus));
	json_object_object_add(l2, "memory_mib", json_object_new_int((int)a->params.memory_mib));
	{
		_cleanup_free_ char *release = NULL;

		if (read_file(EXITLAB_L2_BOOT_DIR "/kernel-release", &release, NULL) == 0)
			release[strcspn(release, "\n")] = '\0';
		add_str(l2, "kernel", release);
	}

	if (oracle_trace_start(TRACE_INSTANCE, trace_err, sizeof(trace_err)) < 0)
		log_error("oracle: %s", trace_err);
	else
		trace_err[0] = '\0';
	if (a->params.second_vm) {
		int sr = start_second_vm(&second_vm);

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
	agent_step(a, "L2 runs (boot, phases, power-off)");
	log_info("L2: starting (kvm, %u vCPU, %u MiB, cloud-init NoCloud seed), timeout %u s",
		 a->params.vcpus, a->params.memory_mib, a->params.timeout_s);
	r = vm_run(conn, xml, &opts, &seconds);
	net_sink_stop(&sink);
	if (second_vm > 0)
		stop_second_vm(l2, second_vm);
	json_object_object_add(l2, "net_bytes_received", json_object_new_int64((int64_t)sink.bytes));
	if (r < 0 && r != -ETIMEDOUT && r != -EINTR) {
		l2_ended(a, l2, 0, seconds);
		return fail(a, "L2 did not start: %s", vm_last_error());
	}
	return l2_ended(a, l2, r, seconds) ?: l2_results(a, seconds, trace_err);
}

/*
 * The Bochs tier's L2: nothing but the probe as init in an initramfs, QEMU
 * started directly (libvirt's start-up alone would take minutes under Bochs).
 * Results leave on L2's second serial port; the first is its console.
 */
static int run_minimal_l2(struct agent *a)
{
	const struct probe_vm vm = {
		.memory_mib = a->params.memory_mib,
		.vcpus = a->params.vcpus,
		.probe_args = "guest-init --seconds 2 --out /dev/ttyS1",
		.console_path = L2_CONSOLE,
		.results_path = L2_RESULTS,
		.qemu_log = RUN_DIR "/qemu.log",
	};
	struct json_object *l2 = json_object_new_object();
	char *version[] = { "qemu-system-x86_64", "--version", NULL };
	struct child_wait_opts wo = {
		.label = "L2",
		.timeout_s = a->params.timeout_s,
		.progress_s = 30,
		.progress_log = L2_CONSOLE,
		.interrupted = vm_interrupted,
	};
	char trace_err[256] = "tracing was not set up";
	struct debugfs_watch watch;
	struct utsname u;
	double seconds = 0;
	pid_t pid;
	int r;

	json_object_object_add(a->bundle, "l2", l2);
	uname(&u);
	record_command(a->l1, "qemu_version", version);
	json_object_object_add(l2, "vcpus", json_object_new_int((int)a->params.vcpus));
	json_object_object_add(l2, "memory_mib", json_object_new_int((int)a->params.memory_mib));
	add_str(l2, "kernel", u.release);
	add_str(l2, "userspace", "the probe as init (guest-init), no systemd or cloud-init");

	if (oracle_trace_start(TRACE_INSTANCE, trace_err, sizeof(trace_err)) < 0)
		log_error("oracle: %s", trace_err);
	else
		trace_err[0] = '\0';
	log_info("L2: starting a minimal guest with QEMU (kvm, %u vCPU, %u MiB), timeout %u s",
		 a->params.vcpus, a->params.memory_mib, a->params.timeout_s);
	r = probe_vm_spawn(&vm, &pid);
	if (r < 0)
		return fail(a, "cannot start QEMU with the probe (%s) as L2: %s", PROBE_PATH,
			    strerror(-r));
	debugfs_watch_start(&watch);
	r = child_wait(pid, &wo, &seconds);
	debugfs_watch_stop(&watch, l2);
	if (l2_ended(a, l2, r < 0 ? r : 0, seconds) < 0)
		return -EIO;
	if (r != 0) {
		_cleanup_free_ char *qemu_tail = file_tail(RUN_DIR "/qemu.log", 5);

		return fail(a, "QEMU for L2 exited with status %d: %s", r,
			    qemu_tail ? qemu_tail : "(no output)");
	}
	return l2_results(a, seconds, trace_err);
}

#define BENCH_ITERATIONS "100000"
/* Under Bochs a round trip is thousands of emulated instructions, and costs no noise. */
#define BENCH_MINIMAL_ITERATIONS 10000

/*
 * insmod of a module file outside the module tree's index: its dependencies
 * (irqbypass for kvm, ccp for kvm_amd) are loaded first with modprobe.
 */
static int insmod_with_dependencies(const char *path)
{
	char *depends_argv[] = { "modinfo", "-F", "depends", (char *)path, NULL };
	char *insmod_argv[] = { "insmod", (char *)path, NULL };
	_cleanup_free_ char *depends = NULL;
	char *dep, *save = NULL;
	int r;

	r = capture_command(depends_argv, &depends);
	if (r != 0)
		return r < 0 ? r : -ENOENT;
	for (dep = strtok_r(depends, ",\n", &save); dep; dep = strtok_r(NULL, ",\n", &save)) {
		char *modprobe_argv[] = { "modprobe", dep, NULL };

		r = run_command(modprobe_argv, NULL);
		if (r != 0)
			return r < 0 ? r : -ENOENT;
	}
	r = run_command(insmod_argv, NULL);
	return r == 0 ? 0 : r < 0 ? r : -EIO;
}

/*
 * (Re)loads KVM as configured: "stock" (Debian's own modules), "off" or
 * "on" (the patched ones with exit_stats=0/1), and checks that it took.
 */
static int load_kvm_as(struct agent *a, const char *config, const char *release)
{
	_cleanup_free_ char *vendor = cpu_vendor(), *param = NULL;
	bool intel = vendor && strcmp(vendor, "GenuineIntel") == 0;
	const char *module = intel ? "kvm_intel" : "kvm_amd";
	_cleanup_free_ char *stock_kvm =
		xasprintf("/lib/modules/%s/kernel/arch/x86/kvm/kvm.ko", release);
	_cleanup_free_ char *stock_vendor = xasprintf("/lib/modules/%s/kernel/arch/x86/kvm/%s.ko",
						      release, intel ? "kvm-intel" : "kvm-amd");
	char *rmmod[] = { "rmmod", (char *)module, "kvm", NULL };
	char *modprobe_kvm[] = { "modprobe", "kvm", NULL, NULL };
	char *modprobe_vendor[] = { "modprobe", (char *)module, NULL };
	bool stock = strcmp(config, "stock") == 0;
	int r;

	run_command(rmmod, "/dev/null");
	if (stock) {
		r = insmod_with_dependencies(stock_kvm);
		if (r == 0)
			r = insmod_with_dependencies(stock_vendor);
	} else {
		modprobe_kvm[2] = strcmp(config, "on") == 0 ? "exit_stats=1" : "exit_stats=0";
		r = run_command(modprobe_kvm, NULL);
		if (r == 0)
			r = run_command(modprobe_vendor, NULL);
	}
	if (r != 0)
		return fail(a, "bench: loading KVM as '%s' failed (status %d)", config, r);
	r = read_file("/sys/module/kvm/parameters/exit_stats", &param, NULL);
	if (stock ? r == 0 : (r < 0 || param[0] != (strcmp(config, "on") == 0 ? 'Y' : 'N')))
		return fail(a, "bench: KVM is not loaded as '%s'", config);
	return 0;
}

/*
 * The minimal L2 of the Bochs tier as a bench: QEMU directly, the probe's
 * CPUID loop as init, its console in console_path.
 */
static int bench_minimal_l2(struct agent *a, unsigned iterations, const char *console_path)
{
	_cleanup_free_ char *args = xasprintf("bench --iterations %u", iterations);
	const struct probe_vm vm = {
		.memory_mib = 256,
		.vcpus = 1,
		.probe_args = args,
		.console_path = console_path,
		.qemu_log = RUN_DIR "/qemu.log",
	};
	struct child_wait_opts wo = { .label = "L2 bench", .timeout_s = 1200, .progress_s = 60,
				      .progress_log = console_path, .interrupted = vm_interrupted };
	pid_t pid;
	int r;

	r = probe_vm_spawn(&vm, &pid);
	if (r < 0)
		return fail(a, "bench: cannot start QEMU for L2: %s", strerror(-r));
	r = child_wait(pid, &wo, NULL);
	return r < 0 ? fail(a, "bench: L2 %s", r == -ETIMEDOUT ? "timed out" : "was interrupted")
		     : 0;
}

/* One L2 whose init is the probe's CPUID loop; the figure comes from its console. */
static int bench_one(struct agent *a, virConnectPtr conn, const char *config, const char *release,
		     double *ret_ns)
{
	_cleanup_free_ char *name = xasprintf("exitlab-bench-%s", config);
	_cleanup_free_ char *kernel = xasprintf("/boot/vmlinuz-%s", release);
	_cleanup_free_ char *initrd = xasprintf("/boot/initrd.img-%s", release);
	_cleanup_free_ char *console = xasprintf(RUN_DIR "/bench-%s.log", config);
	_cleanup_free_ char *xml = NULL, *text = NULL;
	struct dom_config cfg = {
		.name = name,
		.accel = DOM_ACCEL_KVM,
		.cpu = DOM_CPU_HOST,
		.memory_mib = 512,
		.vcpus = 1,
		.vcpu_cpuset = vm_cpuset(a),
		.kernel = kernel,
		.initrd = initrd,
		/* The probe is PID 1; when it exits the kernel panics and L2 stops. */
		.cmdline = "root=/dev/vda ro console=ttyS0 panic=-1 quiet "
			   "init=" EXITLAB_PROBE_PATH " -- bench --iterations " BENCH_ITERATIONS,
		.disks = { { .path = L2_ROOT_DEVICE, .format = "raw", .target = "vda", .block = true,
			     .readonly = true } },
		.n_disks = 1,
		.console_log = console,
	};
	struct vm_run_opts opts = { .label = "L2 bench", .timeout_s = 600, .console_log = console,
				    .progress_s = 30 };
	struct json_object *o, *v;
	const char *line;
	int r;

	r = load_kvm_as(a, config, release);
	if (r < 0)
		return r;
	r = dom_config_to_xml(&cfg, &xml);
	if (r < 0)
		return fail(a, "bench: cannot build the L2 domain XML");
	log_info("bench: L2 with KVM '%s'", config);
	if (!conn) {
		r = bench_minimal_l2(a, BENCH_MINIMAL_ITERATIONS, console);
		if (r < 0)
			return r;
	} else {
		r = vm_run(conn, xml, &opts, NULL);
		if (r < 0)
			return fail(a, "bench: L2 with KVM '%s' did not finish: %s", config,
				    r == -ETIMEDOUT ? "timed out" : vm_last_error());
	}
	if (read_file(console, &text, NULL) < 0 || !(line = strstr(text, "exitlab-bench: ")))
		return fail(a, "bench: L2 with KVM '%s' printed no figure", config);
	o = json_tokener_parse(line + 15);
	if (!o || !json_object_object_get_ex(o, "best_ns_per_cpuid", &v)) {
		json_object_put(o);
		return fail(a, "bench: L2 with KVM '%s' printed a malformed figure", config);
	}
	*ret_ns = json_object_get_double(v);
	json_object_put(o);
	log_info("bench: KVM '%s': %.1f ns per CPUID round trip", config, *ret_ns);
	return 0;
}

static int run_bench(struct agent *a, virConnectPtr conn)
{
	static const char *const configs[] = { "stock", "off", "on" };
	/*
	 * Each configuration twice, in mirrored order, keeping its best: drift
	 * in the emulated machine's speed then falls on all three alike.
	 */
	static const unsigned order[] = { 0, 1, 2, 2, 1, 0 };
	/* Under Bochs time counts instructions: one L2 per configuration says it all. */
	static const unsigned order_counted[] = { 0, 1, 2 };
	const unsigned *runs_order = conn ? order : order_counted;
	size_t n_runs = conn ? ARRAY_SIZE(order) : ARRAY_SIZE(order_counted);
	struct json_object *bench = json_object_new_object(), *runs = json_object_new_array();
	double best[ARRAY_SIZE(configs)] = { 0 };
	struct utsname u;
	size_t i;
	int r;

	json_object_object_add(a->bundle, "bench", bench);
	json_object_object_add(bench, "runs", runs);
	uname(&u);
	for (i = 0; i < n_runs; i++) {
		unsigned c = runs_order[i];
		struct json_object *run = json_object_new_object();
		double ns = 0;

		r = bench_one(a, conn, configs[c], u.release, &ns);
		if (r < 0)
			return r;
		json_object_object_add(run, "kvm", json_object_new_string(configs[c]));
		json_object_object_add(run, "ns", json_object_new_double(ns));
		json_object_array_add(runs, run);
		if (best[c] == 0 || ns < best[c])
			best[c] = ns;
	}
	for (i = 0; i < ARRAY_SIZE(configs); i++)
		json_object_object_add(bench, configs[i], json_object_new_double(best[i]));
	json_object_object_add(bench, "iterations",
			       json_object_new_int(conn ? atoi(BENCH_ITERATIONS)
							: BENCH_MINIMAL_ITERATIONS));
	json_object_object_add(bench, "clock",
			       json_object_new_string(conn ? "wall (nested TCG: noisy)"
							   : "Bochs: instruction-counted"));
	json_object_object_add(bench, "on_over_off", json_object_new_double(best[2] / best[1]));
	json_object_object_add(bench, "off_over_stock", json_object_new_double(best[1] / best[0]));
	json_object_object_add(bench, "on_over_stock", json_object_new_double(best[2] / best[0]));
	return 0;
}

/* /dev/vportNpM of a named virtio-serial port: L1 runs without udev's symlinks. */
static char *find_port(const char *name)
{
	_cleanup_(closedirp) DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *value = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("/sys/class/virtio-ports/%s/name", de->d_name);
		if (read_file(path, &value, NULL) < 0)
			continue;
		value[strcspn(value, "\n")] = '\0';
		if (strcmp(value, name) == 0)
			return xasprintf("/dev/%s", de->d_name);
	}
	return NULL;
}

/*
 * /dev/sdX of the results disk an L0 without virtio-serial (Bochs) attaches:
 * the one whose first sector starts with the magic L0 wrote there.
 */
static char *find_results_disk(void)
{
	_cleanup_(closedirp) DIR *d = opendir("/sys/block");
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		char head[sizeof(EXITLAB_RESULTS_DISK_MAGIC)];

		if (strncmp(de->d_name, "sd", 2) != 0)
			continue;
		path = xasprintf("/dev/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, head, sizeof(head) - 1) == (ssize_t)sizeof(head) - 1 &&
		    memcmp(head, EXITLAB_RESULTS_DISK_MAGIC, sizeof(head) - 1) == 0)
			return TAKE_PTR(path);
	}
	return NULL;
}

static int send_bundle(struct agent *a)
{
	const char *text = json_object_to_json_string_ext(a->bundle, JSON_C_TO_STRING_PLAIN);
	_cleanup_free_ char *port = find_port(EXITLAB_BUNDLE_PORT);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);
	int r;

	if (!port) {
		_cleanup_free_ char *disk = find_results_disk();

		if (!disk) {
			log_error("neither a virtio-serial port %s nor a results disk: cannot send "
				  "results to L0", EXITLAB_BUNDLE_PORT);
			return -ENOENT;
		}
		if (len + 1 > EXITLAB_RESULTS_DISK_SIZE - EXITLAB_RESULTS_DISK_OFFSET) {
			log_error("results (%zu bytes) do not fit the results disk", len);
			return -E2BIG;
		}
		fd = open(disk, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || lseek(fd, EXITLAB_RESULTS_DISK_OFFSET, SEEK_SET) < 0) {
			log_error("cannot write %s: %s", disk, strerror(errno));
			return -errno;
		}
		/* NUL-terminated: L0 reads up to it. */
		r = write_all(fd, text, len + 1);
		if (r == 0 && fsync(fd) < 0)
			r = -errno;
		if (r < 0)
			log_error("writing the results disk failed: %s", strerror(-r));
		else
			log_info("L1: wrote %zu bytes of results to %s", len + 1, disk);
		return r;
	}
	fd = open(port, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open %s: %s", port, strerror(errno));
		return -errno;
	}
	r = write_all(fd, text, len);
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r < 0) {
		log_error("writing the bundle failed: %s", strerror(-r));
		return r;
	}
	fsync(fd);
	log_info("L1: sent %zu bytes of results to L0", len + 1);
	return 0;
}

int agent_main(int argc, char **argv)
{
	_cleanup_free_ char *cmdline = NULL;
	struct agent a = { .params = L2_PARAMS_DEFAULT, .step.lock = PTHREAD_MUTEX_INITIALIZER };
	virConnectPtr conn = NULL;
	struct utsname u;
	char err[256];
	int r;

	(void)argc;
	(void)argv;
	log_init();
	a.bundle = json_object_new_object();
	a.l1 = json_object_new_object();
	add_str(a.bundle, "schema", "exitlab-l1/1");
	json_object_object_add(a.bundle, "l1", a.l1);
	a.step.steps = json_object_new_array();
	json_object_object_add(a.bundle, "timings", a.step.steps);
	timings_add(a.step.steps, "L1", "kernel and init to the agent", uptime_s());
	heartbeat_start(&a);
	uname(&u);
	add_str(a.l1, "kernel", u.release);

	if (read_file("/proc/cmdline", &cmdline, NULL) < 0 ||
	    l2_params_from_cmdline(cmdline, &a.params, err, sizeof(err)) < 0) {
		r = fail(&a, "bad L1 kernel command line: %s", err);
		goto out;
	}
	add_str(a.bundle, "run_id", a.params.run_id);
	mkdir_p(RUN_DIR, 0755);
	r = vm_init();
	if (r < 0) {
		r = fail(&a, "cannot initialize libvirt");
		goto out;
	}
	agent_step(&a, "kvm modules");
	r = load_kvm(&a);
	if (r < 0)
		goto out;
	spare_cpu0(&a);
	if (a.params.mode == L2_MODE_MINIMAL) {
		agent_step(&a, "L2 runs (the probe as init)");
		r = run_minimal_l2(&a);
		goto out;
	}
	if (a.params.mode == L2_MODE_MINIMAL_BENCH) {
		agent_step(&a, "bench");
		r = run_bench(&a, NULL);
		goto out;
	}
	agent_step(&a, "libvirt start");
	r = start_libvirt(&a, &conn);
	if (r < 0)
		goto out;
	if (a.params.mode == L2_MODE_BENCH)
		agent_step(&a, "bench");
	r = a.params.mode == L2_MODE_BENCH ? run_bench(&a, conn) : run_l2(&a, conn);
	save_libvirt_caps(&a);
out:
	agent_step(&a, NULL);
	json_object_object_add(a.bundle, "ok", json_object_new_boolean(r == 0));
	if (conn)
		virConnectClose(conn);
	send_bundle(&a);
	json_object_put(a.bundle);
	sync();
	if (getpid() == 1) {
		log_info("L1: powering off");
		reboot(RB_POWER_OFF);
	}
	return r == 0 ? 0 : 1;
}
