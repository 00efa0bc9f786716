// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workload catalogue: each kind makes L2 exit for one reason as directly
 * as userspace can. A test of which exits a guest operation costs, so each
 * loop does that operation and nothing else.
 */
#include "workloads.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024u * 1024u)
#define PAGE 4096u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(char *err, size_t errlen, int r, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(-r));
	return r;
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void run_cpuid(struct cpuid_source *src, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		cpuid_query(src, 0, 0);
}

/*
 * Userspace cannot execute HLT (it is privileged): a sleep with nothing
 * else runnable lets the guest's idle loop halt the vCPU instead, which is
 * as close as a process gets. Its timer interrupt adds exits of its own.
 */
static int run_hlt(uint64_t n, char *err, size_t errlen)
{
	const struct timespec nap = { .tv_nsec = 1000 * 1000 };
	uint64_t i;

	for (i = 0; i < n; i++)
		if (nanosleep(&nap, NULL) < 0 && errno != EINTR)
			return fail(err, errlen, -errno, "nanosleep");
	return 0;
}

/*
 * Port I/O from userspace is OUT after ioperm(), checked against the TSS's
 * I/O bitmap. In run w18-1 (L0's TCG emulating L1's SVM) an ioperm'd OUT
 * in L2 died of SIGSEGV, so a child tries one first; where it faults, the
 * writes go through /dev/port, whose driver executes the same OUT in the
 * kernel, one per write(): the same IOIO exit, plus a system call.
 * Returns the /dev/port descriptor, PIO_DIRECT for OUT here, or -errno.
 */
#define PIO_DIRECT (-1000)

static bool pio_direct_works(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (ioperm(WORKLOAD_PIO_PORT, 1, 1) < 0)
			_exit(1);
		outb(0, WORKLOAD_PIO_PORT);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int pio_open(char *err, size_t errlen)
{
	int fd;

	if (pio_direct_works() && ioperm(WORKLOAD_PIO_PORT, 1, 1) == 0)
		return PIO_DIRECT;
	fd = open("/dev/port", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno,
			    "neither OUT after ioperm(0x80) nor /dev/port works (CAP_SYS_RAWIO?)");
	return fd;
}

static bool pio_ok(int how)
{
	return how == PIO_DIRECT || how >= 0;
}

static const char *pio_method(int how)
{
	return how == PIO_DIRECT ? "outb after ioperm" : "/dev/port (outb in the kernel)";
}

static int run_pio(int how, uint64_t n, char *err, size_t errlen)
{
	const unsigned char zero = 0;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (how == PIO_DIRECT)
			outb(0, WORKLOAD_PIO_PORT);
		else if (pwrite(how, &zero, 1, WORKLOAD_PIO_PORT) != 1)
			return fail(err, errlen, -errno ? -errno : -EIO, "write to /dev/port");
	}
	return 0;
}

/*
 * The HPET through its own driver's read-only mapping (CONFIG_HPET_MMAP):
 * /dev/mem cannot reach it under CONFIG_IO_STRICT_DEVMEM, which Debian
 * sets, since the HPET's range is claimed. QEMU emulates the HPET in
 * userspace, so every read leaves L2 (a nested page fault on SVM, an EPT
 * misconfiguration on VMX) and goes through L1's KVM to L1's QEMU.
 */
static int hpet_map(volatile uint32_t **ret, char *err, size_t errlen)
{
	int fd = open(WORKLOAD_HPET_DEV, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return fail(err, errlen, -errno, "open " WORKLOAD_HPET_DEV);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(err, errlen, -errno, "mmap " WORKLOAD_HPET_DEV " (CONFIG_HPET_MMAP?)");
	*ret = p;
	return 0;
}

static uint32_t run_mmio(volatile uint32_t *hpet, uint64_t n)
{
	uint32_t v = 0;
	uint64_t i;

	for (i = 0; i < n; i++)
		v = hpet[WORKLOAD_HPET_COUNTER / 4];
	return v;
}

/*
 * The msr driver reads CPU 0's MSRs on CPU 0: from another CPU each access
 * would be an IPI too, so the process moves to CPU 0 first.
 */
static int msr_open(int flags, char *err, size_t errlen)
{
	cpu_set_t cpus;
	int fd;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		return fail(err, errlen, -errno, "sched_setaffinity(CPU 0)");
	fd = open(WORKLOAD_MSR_DEV, flags | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "open " WORKLOAD_MSR_DEV " (modprobe msr)");
	return fd;
}

static int run_msr(int fd, bool write, uint64_t n, uint64_t *ret_value, char *err, size_t errlen)
{
	uint64_t v, i;

	if (pread(fd, &v, sizeof(v), WORKLOAD_MSR) != sizeof(v))
		return fail(err, errlen, -errno, "rdmsr 0x1b");
	for (i = 0; i < n; i++) {
		/* Its own value back: IA32_APIC_BASE stays as it was. */
		ssize_t k = write ? pwrite(fd, &v, sizeof(v), WORKLOAD_MSR)
				  : pread(fd, &v, sizeof(v), WORKLOAD_MSR);

		if (k != sizeof(v))
			return fail(err, errlen, k < 0 ? -errno : -EIO,
				    write ? "wrmsr 0x1b" : "rdmsr 0x1b");
	}
	*ret_value = v;
	return 0;
}

/*
 * Fresh anonymous memory, one write per 4 KiB page: a page fault inside L2
 * each, and an exit only where L2's guest-physical page was never backed in
 * L1 (a nested page fault): memory L2 freed and reuses exits no more. Huge
 * pages would hide all but one fault in 512.
 */
static int run_mem(uint64_t mib, uint64_t *ret_pages, char *err, size_t errlen)
{
	size_t len = (size_t)mib * MIB, off;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return fail(err, errlen, -errno, "mmap");
	(void)madvise(p, len, MADV_NOHUGEPAGE);
	for (off = 0; off < len; off += PAGE)
		((volatile char *)p)[off] = 1;
	munmap(p, len);
	*ret_pages = len / PAGE;
	return 0;
}

/* O_DIRECT, 1 MiB at a time: every block goes to the virtio disk, none stays in L2's cache. */
static int run_disk(uint64_t mib, char *err, size_t errlen)
{
	void *buf = NULL;
	uint64_t i;
	int fd, r = 0;

	if (posix_memalign(&buf, PAGE, MIB) != 0)
		return fail(err, errlen, -ENOMEM, "posix_memalign");
	memset(buf, 0xa5, MIB);
	fd = open(WORKLOAD_DISK_FILE, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return fail(err, errlen, -errno, "open " WORKLOAD_DISK_FILE " with O_DIRECT");
	}
	for (i = 0; i < mib && r == 0; i++)
		if (pwrite(fd, buf, MIB, (off_t)(i * MIB)) != (ssize_t)MIB)
			r = fail(err, errlen, -errno ? -errno : -EIO, "O_DIRECT write");
	if (r == 0 && fsync(fd) < 0)
		r = fail(err, errlen, -errno, "fsync");
	for (i = 0; i < mib && r == 0; i++)
		if (pread(fd, buf, MIB, (off_t)(i * MIB)) != (ssize_t)MIB)
			r = fail(err, errlen, -errno ? -errno : -EIO, "O_DIRECT read");
	close(fd);
	unlink(WORKLOAD_DISK_FILE);
	free(buf);
	return r;
}

/* To L1's sink; L2's network is up from the io phase (exitlab-phases). */
static int run_net(uint64_t mib, char *err, size_t errlen)
{
	static char block[65536];
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(WORKLOAD_NET_PORT) };
	uint64_t left = mib * MIB;
	int fd, r = 0;

	inet_pton(AF_INET, WORKLOAD_NET_PEER, &addr.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = fail(err, errlen, -errno, "connect to " WORKLOAD_NET_PEER ":7777");
		close(fd);
		return r;
	}
	while (left > 0) {
		ssize_t n = send(fd, block, left < sizeof(block) ? left : sizeof(block), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = fail(err, errlen, n < 0 ? -errno : -EIO, "send");
			break;
		}
		left -= (uint64_t)n;
	}
	close(fd);
	return r;
}

/*
 * Rounds of a little of everything that needs no device set-up beyond
 * the probe's, until the time is up: what each round did is counted apart.
 * The HPET and the MSRs join only where they are there.
 */
static int run_mixed(struct cpuid_source *src, uint64_t seconds, struct json_object *result,
		     char *err, size_t errlen)
{
	const struct timespec nap = { .tv_nsec = 1000 * 1000 };
	uint64_t rounds = 0, pages = 0;
	volatile uint32_t *hpet = NULL;
	char ignored[128];
	int pio = pio_open(ignored, sizeof(ignored));
	int msr = msr_open(O_RDONLY, ignored, sizeof(ignored));
	double end;

	if (hpet_map(&hpet, ignored, sizeof(ignored)) < 0)
		hpet = NULL;
	end = now_s() + (double)seconds;
	while (now_s() < end) {
		uint64_t v, got;

		run_cpuid(src, 100);
		if (pio_ok(pio) && run_pio(pio, 100, ignored, sizeof(ignored)) < 0) {
			if (pio >= 0)
				close(pio);
			pio = -EIO;
		}
		if (hpet)
			run_mmio(hpet, 100);
		if (msr >= 0 && run_msr(msr, false, 10, &v, err, errlen) < 0) {
			close(msr);
			return -EIO;
		}
		nanosleep(&nap, NULL);
		if (run_mem(1, &got, err, errlen) < 0)
			break;
		pages += got;
		rounds++;
	}
	if (msr >= 0)
		close(msr);
	if (hpet)
		munmap((void *)hpet, PAGE);
	add_u64(result, "rounds", rounds);
	add_u64(result, "cpuid", rounds * 100);
	add_u64(result, "pio", pio_ok(pio) ? rounds * 100 : 0);
	if (pio >= 0)
		close(pio);
	add_u64(result, "mmio", hpet ? rounds * 100 : 0);
	add_u64(result, "msr_read", msr >= 0 ? rounds * 10 : 0);
	add_u64(result, "sleeps", rounds);
	add_u64(result, "pages_touched", pages);
	return 0;
}

int workload_run(const struct workload_spec *w, struct cpuid_source *src,
		 struct json_object *result, char *err, size_t errlen)
{
	double t0 = now_s();
	volatile uint32_t *hpet;
	uint64_t v = 0;
	int r = 0, fd;

	switch (w->kind) {
	case WORKLOAD_CPUID:
		json_object_object_add(result, "leaf", json_object_new_int(0));
		t0 = now_s();
		run_cpuid(src, w->arg);
		break;
	case WORKLOAD_HLT:
		json_object_object_add(result, "sleep_us", json_object_new_int(1000));
		r = run_hlt(w->arg, err, errlen);
		break;
	case WORKLOAD_PIO:
		fd = pio_open(err, errlen);
		json_object_object_add(result, "port", json_object_new_string("0x80"));
		t0 = now_s();
		r = pio_ok(fd) ? 0 : fd;
		if (r == 0) {
			json_object_object_add(result, "method", json_object_new_string(pio_method(fd)));
			r = run_pio(fd, w->arg, err, errlen);
			if (fd >= 0)
				close(fd);
		}
		break;
	case WORKLOAD_MMIO:
		r = hpet_map(&hpet, err, errlen);
		json_object_object_add(result, "device", json_object_new_string("hpet"));
		json_object_object_add(result, "register", json_object_new_string("0xf0"));
		t0 = now_s();
		if (r == 0) {
			add_u64(result, "last_value", run_mmio(hpet, w->arg));
			munmap((void *)hpet, PAGE);
		}
		break;
	case WORKLOAD_MSR_READ:
	case WORKLOAD_MSR_WRITE: {
		bool write = w->kind == WORKLOAD_MSR_WRITE;

		fd = msr_open(write ? O_RDWR : O_RDONLY, err, errlen);
		json_object_object_add(result, "msr", json_object_new_string("0x1b"));
		t0 = now_s();
		r = fd < 0 ? fd : run_msr(fd, write, w->arg, &v, err, errlen);
		if (fd >= 0) {
			close(fd);
			if (r == 0) {
				char hex[24];

				snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)v);
				json_object_object_add(result, "value", json_object_new_string(hex));
			}
		}
		break;
	}
	case WORKLOAD_MEM:
		r = run_mem(w->arg, &v, err, errlen);
		add_u64(result, "pages_touched", v);
		break;
	case WORKLOAD_DISK:
		json_object_object_add(result, "file", json_object_new_string(WORKLOAD_DISK_FILE));
		json_object_object_add(result, "block", json_object_new_string("1M"));
		r = run_disk(w->arg, err, errlen);
		break;
	case WORKLOAD_NET:
		json_object_object_add(result, "peer", json_object_new_string("10.0.2.2:7777"));
		r = run_net(w->arg, err, errlen);
		break;
	case WORKLOAD_MIXED:
		r = run_mixed(src, w->arg, result, err, errlen);
		break;
	}
	json_object_object_add(result, "seconds", json_object_new_double(now_s() - t0));
	if (r == 0)
		add_u64(result, "done", w->arg);
	return r < 0 ? r : 0;
}
