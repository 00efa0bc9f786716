// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lab/l0/results.h"
#include "../../probes/leaves.h"
#include "fake_kvm.h"

static struct snapshot snapshot_of(struct fake_kvm *k)
{
	struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = k };
	struct json_object *obj = NULL;
	struct snapshot s;
	char err[128] = "";

	assert_int_equal(leaves_snapshot(&src, "test", &obj), 0);
	if (snapshot_parse(json_object_to_json_string(obj), &s, err, sizeof(err)) < 0)
		fail_msg("parse failed: %s", err);
	json_object_put(obj);
	return s;
}

static void check_arch(enum exit_arch arch, uint32_t cpuid_reason, uint32_t undefined,
		       uint32_t unhandled)
{
	static struct fake_kvm k;
	struct snapshot s;
	const struct reason_row *row;
	uint64_t sum;

	memset(&k, 0, sizeof(k));
	k.arch = arch;
	k.background_every = 7;
	fake_exit(&k, arch == EXIT_ARCH_VMX ? 48 : 0x400, 90000); /* boot-time faults */
	s = snapshot_of(&k);

	assert_int_equal(s.arch, arch);
	row = snapshot_find(&s, cpuid_reason);
	assert_non_null(row);
	assert_string_equal(row->cls, "counted");
	assert_true(row->count > 0);
	assert_string_equal(row->name, "CPUID");

	row = snapshot_find(&s, undefined);
	assert_non_null(row);
	assert_string_equal(row->cls, "undefined");
	assert_int_equal(row->count_regs[3], 0xFFFFFFFFu);
	assert_int_equal(row->count_regs[0] | row->count_regs[1] | row->count_regs[2], 0);
	assert_int_equal(row->cycles_regs[3], 0xFFFFFFFFu);

	row = snapshot_find(&s, unhandled);
	assert_non_null(row);
	assert_string_equal(row->cls, "zero");
	assert_int_equal(row->count_regs[0] | row->count_regs[1] | row->count_regs[2] |
				 row->count_regs[3], 0);

	/* Far beyond every table: the kernel must bound its lookup. */
	row = snapshot_find(&s, 0x7FFFFFFFu);
	assert_non_null(row);
	assert_string_equal(row->cls, "undefined");

	/* Each reason is read between the two totals, so its sum lies between them. */
	sum = snapshot_sum_counts(&s);
	assert_true(s.total_before <= sum);
	assert_true(sum <= s.total_exits);
	assert_true(s.total_cycles >= snapshot_sum_cycles(&s));
	assert_int_equal(s.self_after - s.self_before, s.self_expected_delta);
	assert_int_equal(s.self_expected_delta, SNAPSHOT_CPUID_BURST + 1);
	snapshot_free(&s);
}

/*
 * A process starting on another vCPU runs CPUIDs inside the self-check's
 * burst: the probe tries again and keeps the undisturbed window.
 */
static void self_check_skips_a_disturbed_burst(void **state)
{
	struct fake_kvm k = { .arch = EXIT_ARCH_SVM, .foreign_cpuids = 62 };
	struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = &k };
	struct json_object *o = NULL, *check, *v;

	(void)state;
	/* The scan reads CPUID's count once; the self-check's first burst begins at the 2nd. */
	k.foreign_at = 2;
	assert_int_equal(leaves_snapshot(&src, "final", &o), 0);
	assert_true(json_object_object_get_ex(o, "cpuid_self_check", &check));
	assert_true(json_object_object_get_ex(check, "tries", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(check, "after")) -
				 json_object_get_int64(json_object_object_get(check, "before")),
			 SNAPSHOT_CPUID_BURST + 1);
	json_object_put(o);
}

static void vmx_snapshot(void **state)
{
	(void)state;
	check_arch(EXIT_ARCH_VMX, 10, 35, 16);
}

static void svm_snapshot(void **state)
{
	(void)state;
	check_arch(EXIT_ARCH_SVM, 0x72, 0x3FF, 0x6E);
}

static void rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{\"schema\":\"other/1\"}",
		"{\"schema\":\"exitlab-snapshot/1\",\"arch\":\"arm\"}",
		"{\"schema\":\"exitlab-snapshot/1\",\"arch\":\"svm\",\"vendor\":\"AuthenticAMD\","
		"\"phase\":\"p\",\"total_exits\":-1,\"total_cycles\":0,"
		"\"total_exits_regs\":[0,0,0,0],\"total_cycles_regs\":[0,0,0,0]}",
		"{\"schema\":\"exitlab-snapshot/1\",\"arch\":\"svm\",\"vendor\":\"AuthenticAMD\","
		"\"phase\":\"p\",\"total_exits\":1,\"total_cycles\":0,\"scan_total_before\":0,"
		"\"total_exits_regs\":[1,0,0,0],\"total_cycles_regs\":[0,0,0,0],"
		"\"cpuid_self_check\":{\"before\":1,\"after\":2,\"expected_delta\":1},"
		"\"reasons\":[{\"reason\":1,\"class\":\"zero\",\"count\":0,\"cycles\":0,"
		"\"count_regs\":[0,0,0,4294967296],\"cycles_regs\":[0,0,0,0]}]}",
		"{\"schema\":\"exitlab-snapshot/1\",\"arch\":\"svm\",\"vendor\":\"AuthenticAMD\","
		"\"phase\":\"p\",\"total_exits\":1,\"total_cycles\":0,\"scan_total_before\":0,"
		"\"total_exits_regs\":[1,0,0,0],\"total_cycles_regs\":[0,0,0,0],"
		"\"cpuid_self_check\":{\"before\":1,\"after\":2,\"expected_delta\":1},"
		"\"reasons\":[]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot s;
		char err[128] = "";

		if (snapshot_parse(bad[i], &s, err, sizeof(err)) != -EINVAL)
			fail_msg("input %zu was accepted", i);
		assert_true(err[0] != '\0');
	}
}

static void table_and_csv(void **state)
{
	static struct fake_kvm k;
	struct snapshot s;
	char *buf = NULL, *csv;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.arch = EXIT_ARCH_SVM;
	fake_exit(&k, 0x7C, 7000); /* MSR */
	fake_exit(&k, 0x7C, 3000);
	s = snapshot_of(&k);

	f = open_memstream(&buf, &len);
	snapshot_print_table(&s, f);
	fclose(f);
	assert_non_null(strstr(buf, "MSR"));
	assert_non_null(strstr(buf, "CPUID"));
	assert_non_null(strstr(buf, "total"));
	/* RDTSC had no exits: only reasons with exits are listed. */
	assert_null(strstr(buf, "RDTSC"));
	/* Most frequent first: CPUID (thousands of probe reads) before MSR. */
	assert_true(strstr(buf, "CPUID") < strstr(buf, "MSR"));
	free(buf);

	csv = snapshot_to_csv(&s);
	assert_non_null(csv);
	assert_memory_equal(csv, "reason,name,class,count,cycles,cycles_per_exit\n", 47);
	assert_non_null(strstr(csv, "\n124,MSR,counted,2,10000,5000\n"));
	assert_non_null(strstr(csv, "\n110,RDTSC,zero,0,0,0\n"));
	free(csv);
	snapshot_free(&s);
}

static uint64_t get_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return (uint64_t)json_object_get_int64(v);
}

/*
 * The observer correction is exact: what is left after subtracting the
 * probe's own CPUIDs is what the rest of the guest caused.
 */
static void sample_observer_correction(void **state)
{
	enum exit_arch arches[] = { EXIT_ARCH_VMX, EXIT_ARCH_SVM };
	size_t a;

	(void)state;
	for (a = 0; a < 2; a++) {
		struct fake_kvm *k = calloc(1, sizeof(*k));
		struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = k };
		uint32_t cpuid_reason = arches[a] == EXIT_ARCH_VMX ? 10 : 0x72;
		uint32_t hlt = arches[a] == EXIT_ARCH_VMX ? 12 : 0x78;
		struct json_object *s1, *s2, *reasons, *entry;
		char key[16];
		int i;

		k->arch = arches[a];
		/* The guest's own exits before the probe starts, and 20 earlier probe CPUIDs. */
		for (i = 0; i < 7; i++)
			fake_exit(k, hlt, 300);
		for (i = 0; i < 20; i++)
			fake_exit(k, cpuid_reason, 1200);
		s1 = leaves_sample(&src, arches[a], "boot", 20);
		assert_int_equal(get_u64(s1, "total") - get_u64(s1, "observer_cpuid"), 7);
		assert_int_equal(get_u64(s1, "total_corrected"), 7);
		for (i = 0; i < 5; i++)
			fake_exit(k, hlt, 300);
		s2 = leaves_sample(&src, arches[a], "idle", 20);
		assert_int_equal(get_u64(s2, "total_corrected"), 12);
		assert_true(json_object_object_get_ex(s2, "reasons", &reasons));
		snprintf(key, sizeof(key), "%u", cpuid_reason);
		assert_true(json_object_object_get_ex(reasons, key, &entry));
		/* CPUID's count holds only probe CPUIDs here: all of them the observer's. */
		assert_int_equal(get_u64(entry, "count"), get_u64(entry, "observer"));
		snprintf(key, sizeof(key), "%u", hlt);
		assert_true(json_object_object_get_ex(reasons, key, &entry));
		assert_int_equal(get_u64(entry, "count"), 12);
		assert_int_equal(get_u64(entry, "cycles"), 12 * 300);
		/* Reasons without exits are left out; undefined ones are never read. */
		assert_false(json_object_object_get_ex(reasons, "35", NULL));
		json_object_put(s1);
		json_object_put(s2);
		free(k);
	}
}

/*
 * A snapshot's self-check waits while the sampler holds the probe's lock, so
 * that the sampler's CPUIDs on another vCPU never land in its count.
 */
static void self_check_waits_for_the_sampler(void **state)
{
	struct timespec nap = { .tv_nsec = 300 * 1000 * 1000 };
	int fd = open("/run/exitlab-probe.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int status;
	pid_t pid;

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(flock(fd, LOCK_EX), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static struct fake_kvm k;
		struct cpuid_source src = { .cpuid = fake_cpuid, .ctx = &k };
		struct json_object *obj = NULL;

		/* Its copy of the parent's descriptor would keep the lock held. */
		close(fd);
		k.arch = EXIT_ARCH_SVM;
		_exit(leaves_snapshot(&src, "locked", &obj) == 0 ? 0 : 1);
	}
	nanosleep(&nap, NULL);
	/* Still waiting for the lock this process holds. */
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmx_snapshot),
		cmocka_unit_test(self_check_skips_a_disturbed_burst),
		cmocka_unit_test(svm_snapshot),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(table_and_csv),
		cmocka_unit_test(sample_observer_correction),
		cmocka_unit_test(self_check_waits_for_the_sampler),
	};

	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
