// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running one transient guest to its end through libvirt, the same at L0
 * (the L1 hypervisor) and inside L1 (the L2 guest).
 */
#include "vm.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool vm_interrupted(void)
{
	return interrupted != 0;
}

static void ignore_libvirt_error(void *opaque, virErrorPtr err)
{
	/* Errors are read with virGetLastErrorMessage() where they matter. */
	(void)opaque;
	(void)err;
}

int vm_init(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
		return -EIO;
	virSetErrorFunc(NULL, ignore_libvirt_error);
	return 0;
}

/*
 * Every libvirt call resets the thread's last error, the ones vm_run()
 * cleans up with included, so it keeps the message of the call that failed.
 */
static char vm_run_failure[1024];

static void remember_failure(void)
{
	snprintf(vm_run_failure, sizeof(vm_run_failure), "%s", virGetLastErrorMessage());
}

const char *vm_last_error(void)
{
	const char *m = virGetLastErrorMessage();

	if (virGetLastErrorCode() == VIR_ERR_OK && vm_run_failure[0])
		return vm_run_failure;
	return m ? m : "unknown libvirt error";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int vm_connect(const char *uri, unsigned wait_s, virConnectPtr *ret_conn)
{
	double deadline = now_s() + wait_s;
	virConnectPtr conn;

	for (;;) {
		conn = virConnectOpen(uri);
		if (conn)
			break;
		if (now_s() >= deadline || vm_interrupted())
			return -ECONNREFUSED;
		sleep(1);
	}
	*ret_conn = conn;
	return 0;
}

struct wait_state {
	char name[128];
	bool stopped;
	int detail;
};

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct wait_state *st = opaque;

	(void)conn;
	if (event == VIR_DOMAIN_EVENT_STOPPED && strcmp(virDomainGetName(dom), st->name) == 0) {
		st->stopped = true;
		st->detail = detail;
	}
	return 0;
}

static void on_tick(int timer, void *opaque)
{
	bool *ticked = opaque;

	(void)timer;
	*ticked = true;
}

/* The console's last line, passed over lines holding skip (NULL: none). */
static void last_console_line(const char *console_log, const char *skip, char *buf, size_t len)
{
	_cleanup_free_ char *tail = console_log ? file_tail(console_log, 8) : NULL;
	char *line = NULL, *p, *save = NULL;
	size_t i;

	for (p = tail ? strtok_r(tail, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save))
		if (!skip || !strstr(p, skip) || !line)
			line = p;
	snprintf(buf, len, "%s", line && *line ? line : "(nothing yet)");
	for (i = 0; buf[i]; i++) {
		if ((unsigned char)buf[i] < 0x20)
			buf[i] = ' ';
	}
}

static long long file_size(const char *path)
{
	struct stat sb;

	return path && stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/*
 * A guest that timed out or fell silent: an NMI first, so that its kernel
 * says where its CPUs were, then it is destroyed by the caller.
 */
static void send_nmi_and_wait(virDomainPtr dom, const struct vm_run_opts *o,
			      struct wait_state *st)
{
	double until = now_s() + o->nmi_grace_s;

	if (virDomainInjectNMI(dom, 0) < 0) {
		log_error("%s: cannot send it an NMI: %s", o->label, vm_last_error());
		return;
	}
	log_info("%s: sent it an NMI; giving its kernel %u s to print where its CPUs are",
		 o->label, o->nmi_grace_s);
	while (!st->stopped && now_s() < until && !vm_interrupted()) {
		if (virEventRunDefaultImpl() < 0)
			break;
		if (virDomainIsActive(dom) == 0)
			st->stopped = true;
	}
}

int vm_run(virConnectPtr conn, const char *xml, const struct vm_run_opts *o, double *ret_seconds)
{
	struct wait_state st = { 0 };
	virDomainPtr dom;
	double started, next_progress, progressed, next_check;
	long long mark = -1;
	bool ticked = false;
	int cb, timer, r = 0;

	cb = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
					      VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), &st, NULL);
	if (cb < 0)
		return -EIO;
	timer = virEventAddTimeout(1000, on_tick, &ticked, NULL);

	vm_run_failure[0] = '\0';
	started = now_s();
	dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
	if (!dom) {
		remember_failure();
		r = -EIO;
		goto out;
	}
	if (o->ret_running_realtime) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		*o->ret_running_realtime = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	snprintf(st.name, sizeof(st.name), "%s", virDomainGetName(dom));
	next_progress = started + o->progress_s;
	progressed = started;
	next_check = started;

	while (!st.stopped) {
		double t = now_s();

		if (vm_interrupted()) {
			r = -EINTR;
			break;
		}
		if (t - started > o->timeout_s) {
			r = -ETIMEDOUT;
			break;
		}
		/* One read of the console serves both questions. */
		if (o->console_log && t >= next_check) {
			_cleanup_free_ char *console = NULL;

			next_check = t + VM_CHECK_S;
			/* console stays NULL when the file cannot be read (yet). */
			if ((o->silence_s && o->progress_mark) || o->cannot_finish)
				(void)read_file(o->console_log, &console, NULL);
			if (o->silence_s) {
				long long now_mark = !o->progress_mark ? file_size(o->console_log) :
						     console ? o->progress_mark(console) : -1;

				/*
				 * Before the guest's first progress line (a kernel
				 * still booting), any growth of its console counts.
				 */
				if (o->progress_mark && now_mark <= 0)
					now_mark = -2 - file_size(o->console_log);

				/* Growth of either counts: a sum that only grows. */
				if (o->progress_file)
					now_mark += file_size(o->progress_file) + 1;
				if (now_mark != mark) {
					mark = now_mark;
					progressed = t;
				} else if (t - progressed > o->silence_s) {
					log_error("%s: no sign of life for %u s: it hangs", o->label,
						  o->silence_s);
					r = -ETIME;
					break;
				}
			}
			if (o->cannot_finish && console && o->cannot_finish(console)) {
				r = -ENOTRECOVERABLE;
				break;
			}
		}
		if (o->progress_s && t >= next_progress) {
			char line[160];

			last_console_line(o->console_log, o->progress_skip, line, sizeof(line));
			log_info("%s: running for %.0f s; console: %s", o->label, t - started, line);
			next_progress = t + o->progress_s;
		}
		if (virEventRunDefaultImpl() < 0) {
			remember_failure();
			r = -EIO;
			break;
		}
		/*
		 * Events can be lost if the daemon restarts: ask as well, but once
		 * a second only: every call wakes the loop up again.
		 */
		if (ticked) {
			ticked = false;
			if (!st.stopped && virDomainIsActive(dom) == 0)
				st.stopped = true;
		}
	}
	if ((r == -ETIMEDOUT || r == -ETIME) && o->nmi_grace_s)
		send_nmi_and_wait(dom, o, &st);
	if (r < 0)
		virDomainDestroy(dom);
	virDomainFree(dom);
out:
	if (timer >= 0)
		virEventRemoveTimeout(timer);
	virConnectDomainEventDeregisterAny(conn, cb);
	if (ret_seconds)
		*ret_seconds = now_s() - started;
	return r;
}

int vm_trial(virConnectPtr conn, const char *xml, unsigned hold_ms, char **ret_error)
{
	struct timespec hold = { .tv_sec = hold_ms / 1000, .tv_nsec = (hold_ms % 1000) * 1000000L };
	virDomainPtr dom;
	int active;

	dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
	if (!dom) {
		char *p;

		*ret_error = strdup(vm_last_error());
		/* QEMU's stderr comes quoted over several lines: keep it one. */
		for (p = *ret_error; p && *p; p++) {
			if (*p == '\n')
				*p = ' ';
		}
		return -EIO;
	}
	nanosleep(&hold, NULL);
	active = virDomainIsActive(dom);
	if (active == 1)
		virDomainDestroy(dom);
	virDomainFree(dom);
	if (active != 1) {
		*ret_error = strdup("the guest stopped on its own right after it started");
		return -EIO;
	}
	*ret_error = NULL;
	return 0;
}
