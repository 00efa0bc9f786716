// SPDX-License-Identifier: GPL-2.0-only
/*
 * Workloads: the catalogue's parser (probe and L0 share it), the probe's
 * workload and mark commands as the real binary runs them, L0's checks of
 * --workload and --workload-file, and the seed that carries them into L2.
 * EXITLAB_PROBE_BIN comes from the Makefile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lab/common/util.h"
#include "../../lab/l0/run_workloads.h"
#include "../../lab/l0/seed.h"
#include "../../probes/observer.h"
#include "../../probes/probe_args.h"
#include "../../probes/workload_spec.h"
#include "fake_kvm.h"
#include "probe_parse.h"

static void parses_catalogue_entries(void **state)
{
	static const struct {
		const char *text;
		enum workload_kind kind;
		uint64_t arg;
	} good[] = {
		{ "cpuid:100000", WORKLOAD_CPUID, 100000 },
		{ "cpuid", WORKLOAD_CPUID, 100000 }, /* the default */
		{ "hlt:1", WORKLOAD_HLT, 1 },
		{ "pio:10000", WORKLOAD_PIO, 10000 },
		{ "mmio:10000", WORKLOAD_MMIO, 10000 },
		{ "msr-read:5", WORKLOAD_MSR_READ, 5 },
		{ "msr-write:5", WORKLOAD_MSR_WRITE, 5 },
		{ "mem:64", WORKLOAD_MEM, 64 },
		{ "mem:16384", WORKLOAD_MEM, 16384 }, /* the limit itself */
		{ "disk:32", WORKLOAD_DISK, 32 },
		{ "net:16", WORKLOAD_NET, 16 },
		{ "mixed:10", WORKLOAD_MIXED, 10 },
		{ "cpuid:007", WORKLOAD_CPUID, 7 },
	};
	struct workload_spec w;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (workload_spec_parse(good[i].text, &w, err, sizeof(err)) != 0)
			fail_msg("'%s' refused: %s", good[i].text, err);
		assert_int_equal(w.kind, good[i].kind);
		assert_int_equal(w.arg, good[i].arg);
	}
	assert_string_equal(workload_name(WORKLOAD_MSR_WRITE), "msr-write");
	assert_string_equal(workload_unit(WORKLOAD_MEM), "MiB");
	assert_string_equal(workload_unit(WORKLOAD_MIXED), "seconds");
	assert_null(workload_name((enum workload_kind)99));
}

static void refuses_bad_entries(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "empty" },
		{ "cpuidx:5", "unknown workload 'cpuidx'" },
		{ "CPUID:5", "unknown workload 'CPUID'" },
		{ "msr:5", "unknown workload 'msr'" },
		{ ":5", "unknown workload ''" },
		{ "cpuid:", "no number" },
		{ "cpuid:x", "not a whole number of iterations" },
		{ "cpuid:-1", "not a whole number" },
		{ "cpuid:+1", "not a whole number" },
		{ "cpuid:0x10", "not a whole number" },
		{ "cpuid:1 ", "not a whole number" },
		{ "cpuid:1:2", "not a whole number" },
		{ "mem:1.5", "not a whole number of MiB" },
		{ "cpuid:0", "not 0" },
		{ "mixed:00", "not 0" },
		{ "mem:16385", "at most 16384 MiB" },
		{ "cpuid:100000001", "at most 100000000 iterations" },
		/* Far past 2^64: refused as too many, never wrapped round to a small count. */
		{ "cpuid:18446744073709551617", "at most" },
		{ "hlt:99999999999999999999999999", "at most 1000000" },
	};
	struct workload_spec w = { WORKLOAD_NET, 77 };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (workload_spec_parse(bad[i].text, &w, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].text);
		if (!strstr(err, bad[i].why) || strchr(err, '\n'))
			fail_msg("'%s': '%s' does not say '%s' in one line", bad[i].text, err,
				 bad[i].why);
	}
	/* A refused entry leaves the caller's spec alone. */
	assert_int_equal(w.kind, WORKLOAD_NET);
	assert_int_equal(w.arg, 77);
	assert_int_equal(workload_spec_parse(NULL, &w, err, sizeof(err)), -EINVAL);
}

static void probe_arguments(void **state)
{
	struct probe_args a;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&a, err, "workload", "mmio:10"), 0);
	assert_int_equal(a.command, PROBE_WORKLOAD);
	assert_int_equal(a.spec.kind, WORKLOAD_MMIO);
	assert_int_equal(a.spec.arg, 10);
	assert_null(a.file);
	assert_int_equal(PARSE(&a, err, "workload", "--file", "/x/my.sh"), 0);
	assert_string_equal(a.file, "/x/my.sh");
	assert_int_equal(PARSE(&a, err, "workload", "nope:1"), -EINVAL);
	assert_non_null(strstr(err, "unknown workload 'nope'"));
	assert_int_equal(PARSE(&a, err, "workload"), -EINVAL);
	assert_int_equal(PARSE(&a, err, "workload", "cpuid:1", "mem:1"), -EINVAL);
	assert_int_equal(PARSE(&a, err, "workload", "--file", ""), -EINVAL);
	assert_int_equal(PARSE(&a, err, "mark", "--phase", "workload-1-cpuid", "--event", "end",
			       "--workload", "{\"spec\":\"cpuid:1\"}", "--result",
			       "{\"status\":\"ok\"}"), 0);
	assert_string_equal(a.result, "{\"status\":\"ok\"}");
	assert_int_equal(PARSE(&a, err, "mark", "--phase", "w", "--event", "end", "--result", "ok"),
			 -EINVAL);
	assert_non_null(strstr(err, "--result takes a JSON object"));
}

/* Runs the probe; returns its exit status and its stdout's first line as JSON. */
static int probe_run(const char *args, struct json_object **ret)
{
	char cmd[1024], line[16384] = "";
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", EXITLAB_PROBE_BIN, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	status = pclose(p);
	assert_true(WIFEXITED(status));
	*ret = json_tokener_parse(line);
	return WEXITSTATUS(status);
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* The real binary: catalogue entries that run anywhere, and a user's program. */
static void probe_runs_workloads(void **state)
{
	char script[] = "/tmp/exitlab-test-workload-XXXXXX", args[128];
	struct json_object *o;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(probe_run("workload cpuid:1000", &o), 0);
	assert_non_null(o);
	assert_string_equal(str(o, "status"), "ok");
	assert_string_equal(str(o, "workload"), "cpuid");
	assert_int_equal(num(o, "done"), 1000);
	assert_true(json_object_object_get_ex(o, "seconds", NULL));
	json_object_put(o);
	assert_int_equal(probe_run("workload mem:2", &o), 0);
	assert_int_equal(num(o, "pages_touched"), 512);
	json_object_put(o);
	assert_int_equal(probe_run("workload cpuid:0", &o), 2);
	assert_null(o);

	/* A program that fails: status 1, its exit status and its output in the result. */
	fd = mkstemp(script);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "#!/bin/sh\necho to stdout\necho to stderr >&2\nexit 3\n");
	fclose(f);
	chmod(script, 0700);
	snprintf(args, sizeof(args), "workload --file %s", script);
	assert_int_equal(probe_run(args, &o), 1);
	assert_non_null(o);
	assert_string_equal(str(o, "status"), "failed");
	assert_int_equal(num(o, "exit_status"), 3);
	assert_string_equal(str(o, "output"), "to stdout\nto stderr\n");
	assert_non_null(strstr(str(o, "error"), "exited with status 3"));
	json_object_put(o);

	/* Only the tail of a long output: the last 4096 bytes. */
	f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\ni=0\nwhile [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done\n");
	fclose(f);
	assert_int_equal(probe_run(args, &o), 0);
	assert_string_equal(str(o, "status"), "ok");
	assert_int_equal(strlen(str(o, "output")), 4096);
	assert_non_null(strstr(str(o, "output"), "line 1999\n"));
	assert_null(strstr(str(o, "output"), "line 1\n"));
	assert_true(num(o, "output_bytes") > 4096);
	json_object_put(o);
	unlink(script);

	/* A program that is not there fails as a workload (status 1), not as an argument. */
	assert_int_equal(probe_run("workload --file /nonexistent/x", &o), 1);
	assert_int_equal(num(o, "exit_status"), 127);
	json_object_put(o);
}

static void l0_checks_workloads(void **state)
{
	struct run_workloads w = { 0 };
	char err[256], name[32], path[] = "/tmp/exitlab-test-wl-XXXXXX";
	size_t i;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(run_workloads_add_spec(&w, "cpuid", err, sizeof(err)), 0);
	assert_string_equal(w.items[0].spec, "cpuid:100000");
	assert_int_equal(run_workloads_add_spec(&w, "mmio:10000", err, sizeof(err)), 0);
	assert_int_equal(run_workloads_add_spec(&w, "mmio:-5", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a whole number"));
	assert_int_equal(w.n, 2);
	assert_int_equal(run_workloads_add_file(&w, "/nonexistent/my.sh", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/my.sh: No such file"));
	assert_int_equal(run_workloads_add_file(&w, "/tmp", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "#!/bin/sh\necho hi\n");
	fclose(f);
	assert_int_equal(run_workloads_add_file(&w, path, err, sizeof(err)), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.items[2].size, 18);
	assert_null(w.items[2].spec);
	assert_string_equal(w.items[2].path, path);
	/* One byte over the limit is refused, with the limit in the message. */
	f = fopen(path, "w");
	for (i = 0; i <= SEED_WORKLOAD_FILE_MAX; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(run_workloads_add_file(&w, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 1048576"));
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(run_workloads_add_file(&w, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	unlink(path);
	while (w.n < SEED_WORKLOADS_MAX)
		assert_int_equal(run_workloads_add_spec(&w, "hlt:1", err, sizeof(err)), 0);
	assert_int_equal(run_workloads_add_spec(&w, "hlt:1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 32"));

	run_workload_file_name("/home/u/my script!.sh", name, sizeof(name));
	assert_string_equal(name, "my_script_.sh");
	run_workload_file_name("a-very-long-name-of-a-workload.sh", name, sizeof(name));
	assert_string_equal(name, "a-very-long-name");
	run_workload_file_name(".hidden", name, sizeof(name));
	assert_string_equal(name, "_hidden");
	run_workload_file_name("dir/", name, sizeof(name));
	assert_string_equal(name, "_");
}

static struct json_object *user_data(const struct seed_config *cfg)
{
	char *text = NULL;
	struct json_object *doc;

	assert_int_equal(seed_user_data(cfg, &text), 0);
	assert_memory_equal(text, "#cloud-config\n", 14);
	doc = json_tokener_parse(text + 14);
	assert_non_null(doc);
	free(text);
	return doc;
}

static void seed_carries_workloads(void **state)
{
	char script[] = "#!/bin/sh\necho hi\n", one[] = "a", two[] = "ab";
	struct seed_workload w[] = {
		{ .spec = "cpuid:100" },
		{ .name = "my.sh", .path = "/x/my.sh", .data = script, .size = strlen(script) },
		{ .spec = "mem:64" },
		{ .name = "a", .data = one, .size = 1 },
		{ .name = "ab", .data = two, .size = 2 },
	};
	struct seed_config cfg = { .run_id = "r1", .workloads = w, .n_workloads = 5 };
	struct json_object *doc = user_data(&cfg), *files, *file, *o, *v;
	const char *conf;
	char *phase;

	(void)state;
	assert_true(json_object_object_get_ex(doc, "write_files", &files));
	assert_int_equal(json_object_array_length(files), 4);
	conf = str(json_object_array_get_idx(files, 0), "content");
	assert_non_null(strstr(conf, "\nWORKLOAD_COUNT=5\nWORKLOAD_DIR=/usr/local/lib/exitlab/"
				     "workloads\nWORKLOAD_1=cpuid:100\nWORKLOAD_2=file:my.sh\n"
				     "WORKLOAD_3=mem:64\nWORKLOAD_4=file:a\nWORKLOAD_5=file:ab\n"));
	file = json_object_array_get_idx(files, 1);
	assert_string_equal(str(file, "path"), "/usr/local/lib/exitlab/workloads/2-my.sh");
	assert_string_equal(str(file, "encoding"), "b64");
	assert_string_equal(str(file, "permissions"), "0755");
	assert_string_equal(str(file, "content"), "IyEvYmluL3NoCmVjaG8gaGkK");
	/* base64's padding, both kinds. */
	assert_string_equal(str(json_object_array_get_idx(files, 2), "content"), "YQ==");
	assert_string_equal(str(json_object_array_get_idx(files, 3), "path"),
			    "/usr/local/lib/exitlab/workloads/5-ab");
	assert_string_equal(str(json_object_array_get_idx(files, 3), "content"), "YWI=");
	/* The runcmd mark reads the counters with the observer state, as the phases' do. */
	assert_true(json_object_object_get_ex(doc, "runcmd", &v));
	o = json_object_array_get_idx(v, 0);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(o, 1)),
			    "EXITLAB_PROBE_STATE=/var/lib/exitlab/observer");
	json_object_put(doc);

	phase = seed_workload_phase(&w[0], 0);
	assert_string_equal(phase, "workload-1-cpuid");
	free(phase);
	phase = seed_workload_phase(&w[1], 1);
	assert_string_equal(phase, "workload-2-my.sh");
	free(phase);
	o = run_workloads_json(w, 2);
	assert_string_equal(str(json_object_array_get_idx(o, 0), "spec"), "cpuid:100");
	assert_string_equal(str(json_object_array_get_idx(o, 0), "phase"), "workload-1-cpuid");
	assert_string_equal(str(json_object_array_get_idx(o, 1), "file"), "my.sh");
	assert_int_equal(num(json_object_array_get_idx(o, 1), "bytes"), 18);
	json_object_put(o);

	/* Without workloads: a count of none, no files. */
	cfg.n_workloads = 0;
	doc = user_data(&cfg);
	json_object_object_get_ex(doc, "write_files", &files);
	assert_int_equal(json_object_array_length(files), 1);
	assert_non_null(strstr(str(json_object_array_get_idx(files, 0), "content"),
			       "WORKLOAD_COUNT=0\n"));
	json_object_put(doc);
}

static void seed_refuses_oversized(void **state)
{
	static char big[SEED_WORKLOAD_FILE_MAX + 1];
	struct seed_workload w[] = { { .name = "big", .data = big, .size = sizeof(big) } };
	struct seed_config cfg = { .run_id = "r1", .workloads = w, .n_workloads = 1 };
	char *text = NULL;

	(void)state;
	assert_int_equal(seed_user_data(&cfg, &text), -EFBIG);
	assert_null(text);
	cfg.n_workloads = SEED_WORKLOADS_MAX + 1;
	assert_int_equal(seed_user_data(&cfg, &text), -E2BIG);
}

/* The fake patched KVM, answering the discovery leaf too. */
static void fake_with_discovery(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	fake_cpuid(ctx, leaf, sub, r);
	if (leaf == EXITLAB_LEAF_DISCOVERY) {
		r->eax = EXITLAB_INTERFACE_VERSION;
		memcpy(&r->ebx, EXITLAB_SIGNATURE, 4);
		memcpy(&r->ecx, EXITLAB_SIGNATURE + 4, 4);
		memcpy(&r->edx, EXITLAB_SIGNATURE + 8, 4);
	}
}

static uint64_t state_value(const char *path)
{
	_cleanup_free_ char *text = NULL;

	assert_int_equal(read_file(path, &text, NULL), 0);
	return strtoull(text, NULL, 10);
}

static int64_t corrected_cpuid(struct json_object *counters)
{
	struct json_object *reasons, *cpuid;

	assert_true(json_object_object_get_ex(counters, "reasons", &reasons));
	assert_true(json_object_object_get_ex(reasons, "114", &cpuid));
	return num(cpuid, "count") - num(cpuid, "observer");
}

/*
 * A mark's counters are corrected for every probe read in the VM, its own
 * included, and it adds its reads to the state: with no CPUID in the VM
 * but the probe's, CPUID's corrected count is exactly 0, mark after mark.
 */
static void marks_read_exact_counters(void **state)
{
	static struct fake_kvm k;
	char path[] = "/tmp/exitlab-test-observer-XXXXXX";
	struct cpuid_source a = { .cpuid = fake_with_discovery, .ctx = &k };
	struct cpuid_source b = a;
	struct json_object *o;
	int fd, i;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.arch = EXIT_ARCH_SVM;
	k.background_every = 7;
	/* The sampler's 100 reads so far, in the VM's count and in the state. */
	for (i = 0; i < 100; i++)
		fake_exit(&k, 0x72, 1200);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "100\n", 4), 4);
	close(fd);
	setenv("EXITLAB_PROBE_STATE", path, 1);

	o = observer_mark_counters(&a, "workload-1-cpuid");
	assert_non_null(o);
	assert_false(json_object_object_get_ex(o, "type", NULL));
	assert_false(json_object_object_get_ex(o, "realtime", NULL));
	assert_string_equal(str(o, "arch"), "svm");
	assert_int_equal(corrected_cpuid(o), 0);
	assert_int_equal(num(o, "total") - num(o, "observer_cpuid"), num(o, "total_corrected"));
	assert_true(a.executed > 10);
	assert_int_equal(state_value(path), 100 + a.executed);
	json_object_put(o);

	/* The next mark (another process) starts from there. */
	o = observer_mark_counters(&b, "workload-1-cpuid");
	assert_non_null(o);
	assert_int_equal(corrected_cpuid(o), 0);
	assert_int_equal(state_value(path), 100 + a.executed + b.executed);
	json_object_put(o);

	/* Without the state: no counters, and nothing written. */
	unsetenv("EXITLAB_PROBE_STATE");
	assert_null(observer_mark_counters(&b, "x"));
	setenv("EXITLAB_PROBE_STATE", path, 1);
	/* Without the leaves (no signature): no counters, but its discovery read is counted. */
	{
		struct cpuid_source c = { .cpuid = fake_cpuid, .ctx = &k };

		assert_null(observer_mark_counters(&c, "x"));
		assert_int_equal(c.executed, 1);
		assert_int_equal(state_value(path), 100 + a.executed + b.executed + 1);
	}
	unsetenv("EXITLAB_PROBE_STATE");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_catalogue_entries),
		cmocka_unit_test(refuses_bad_entries),
		cmocka_unit_test(probe_arguments),
		cmocka_unit_test(probe_runs_workloads),
		cmocka_unit_test(l0_checks_workloads),
		cmocka_unit_test(seed_carries_workloads),
		cmocka_unit_test(seed_refuses_oversized),
		cmocka_unit_test(marks_read_exact_counters),
	};

	return cmocka_run_group_tests_name("workloads", tests, NULL, NULL);
}
