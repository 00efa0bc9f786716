// SPDX-License-Identifier: GPL-2.0-only
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "exitlab/contract.h"
#include "l1_fault.h"
#include "params.h"
#include "results.h"
#include "timings.h"
#include "timeline_file.h"
#include "util.h"

/* The backend of this run and its private state. */
struct l1_host {
	const struct l0_backend_ops *ops;
	void *data;
};

enum l0_outcome_kind l0_outcome_set(struct l0_outcome *out, enum l0_outcome_kind kind, int error,
				    const char *fmt, ...)
{
	va_list ap;

	out->kind = kind;
	out->error = error;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return kind;
}

double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The run's timings (timings.h): L0's steps before the attempts, each
 * attempt with its own and what L1 sent of L1's and L2's, L0's after them.
 */
struct run_timings {
	double started;
	struct json_object *all, *before, *attempts, *after;
};

static void run_timings_init(struct run_timings *t)
{
	t->started = monotonic_s();
	t->all = json_object_new_object();
	t->before = json_object_new_array();
	t->attempts = json_object_new_array();
	t->after = json_object_new_array();
	json_object_object_add(t->all, "before", t->before);
	json_object_object_add(t->all, "attempts", t->attempts);
	json_object_object_add(t->all, "after", t->after);
}

/* Closes the books: the total so far, into the object env.json and the table show. */
static struct json_object *run_timings_total(struct run_timings *t)
{
	json_object_object_add(t->all, "total_seconds",
			       json_object_new_double(monotonic_s() - t->started));
	return t->all;
}

static void run_paths_free(struct run_paths *p)
{
	char **fields[] = { &p->kernel, &p->initrd, &p->l1_image, &p->l2_image, &p->work,
			    &p->l1_overlay, &p->l2_overlay, &p->seed_dir, &p->seed_iso,
			    &p->bundle, &p->partial, &p->final, &p->console, &p->tool_log,
			    &p->l1_image_key, &p->l1_state, &p->l1_state_key };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

static char *absolute(const char *dir, const char *name)
{
	char buf[PATH_MAX];
	_cleanup_free_ char *joined = xasprintf("%s/%s", dir, name);

	if (!realpath(joined, buf))
		return NULL;
	return strdup(buf);
}

static int check_images(const struct run_opts *o, struct run_paths *p)
{
	static const char *const names[] = { "vmlinuz", "initrd.img", "l1.img", "l2.img" };
	char **slots[] = { &p->kernel, &p->initrd, &p->l1_image, &p->l2_image };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		*slots[i] = absolute(o->images_dir, names[i]);
		if (!*slots[i]) {
			log_error("%s/%s is missing: build the images first with 'make images' "
				  "(or run 'make lab')",
				  o->images_dir, names[i]);
			return -ENOENT;
		}
	}
	/* Beside the L1 image, and absolute: libvirt opens it from its own directory. */
	p->l1_image_key = xasprintf("%s.key", p->l1_image);
	{
		_cleanup_free_ char *dir = strdup(p->l1_image);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (!slash)
			return -ENOMEM;
		*slash = '\0';
		_cleanup_free_ char *variant = l1_state_variant(o->l1_cmdline_extra);

		if (!variant)
			return -ENOMEM;
		p->l1_state = xasprintf("%s/l1-state%s.tar", dir, variant);
		p->l1_state_key = xasprintf("%s/l1-state%s.key", dir, variant);
	}
	return 0;
}

static int prepare_dirs(const struct run_opts *o, struct run_paths *p)
{
	char cwd[PATH_MAX];
	int r;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	p->work = o->work_dir[0] == '/' ? xasprintf("%s/%s", o->work_dir, o->l2.run_id)
					: xasprintf("%s/%s/%s", cwd, o->work_dir, o->l2.run_id);
	p->partial = o->results_dir[0] == '/'
			     ? xasprintf("%s/.%s.partial", o->results_dir, o->l2.run_id)
			     : xasprintf("%s/%s/.%s.partial", cwd, o->results_dir, o->l2.run_id);
	p->final = o->results_dir[0] == '/' ? xasprintf("%s/%s", o->results_dir, o->l2.run_id)
					    : xasprintf("%s/%s/%s", cwd, o->results_dir, o->l2.run_id);
	if (file_exists(p->final)) {
		log_error("%s exists already: choose another --run-id", p->final);
		return -EEXIST;
	}
	r = mkdir_p(p->work, 0755);
	if (r == 0)
		r = mkdir_p(p->partial, 0755);
	if (r < 0) {
		log_error("cannot create %s or %s: %s", p->work, p->partial, strerror(-r));
		return r;
	}
	p->l1_overlay = xasprintf("%s/l1.qcow2", p->work);
	p->l2_overlay = xasprintf("%s/l2.qcow2", p->work);
	p->seed_dir = xasprintf("%s/seed", p->partial);
	p->seed_iso = xasprintf("%s/seed.iso", p->work);
	p->bundle = xasprintf("%s/bundle.jsonl", p->work);
	p->console = xasprintf("%s/l1-console.log", p->partial);
	p->tool_log = xasprintf("%s/tools.log", p->partial);
	return 0;
}

/*
 * Keeps what L1 sent for its next boot (exitlab/contract.h) as a tar archive,
 * and takes it out of the bundle: bundle.json is the run's record, not a
 * cache. Runs side by side may both write it: each replaces it whole (rename).
 */
static void keep_l1_state(const struct run_paths *p, struct json_object *bundle)
{
	_cleanup_free_ char *dir = xasprintf("%s/l1-state.d", p->work);
	_cleanup_free_ char *tmp = xasprintf("%s.%d.tmp", p->l1_state, (int)getpid());
	_cleanup_free_ char *key = NULL, *key_tmp = xasprintf("%s.%d.tmp", p->l1_state_key,
							      (int)getpid());
	char *tar[] = { "tar", "--sort=name", "--owner=0", "--group=0", "-cf", tmp, "-C", dir,
			".", NULL };
	struct json_object *state, *files;
	int kept = 0;

	if (!json_object_object_get_ex(bundle, "l1_state", &state))
		return;
	if (json_object_object_get_ex(state, "libvirt_qemu_caps", &files) &&
	    json_object_is_type(files, json_type_object) &&
	    read_file(p->l1_image_key, &key, NULL) == 0 && mkdir_p(dir, 0755) == 0) {
		json_object_object_foreach(files, name, text) {
			_cleanup_free_ char *path = NULL;

			if (strchr(name, '/') || name[0] == '.' || !json_object_is_type(text, json_type_string))
				continue;
			path = xasprintf("%s/%s", dir, name);
			if (write_file_atomic(path, json_object_get_string(text),
					      strlen(json_object_get_string(text))) == 0)
				kept++;
		}
	}
	if (kept > 0 && run_command(tar, p->tool_log) == 0 &&
	    write_file_atomic(key_tmp, key, strlen(key)) == 0 &&
	    rename(tmp, p->l1_state) == 0 && rename(key_tmp, p->l1_state_key) == 0)
		log_info("kept libvirt's QEMU capabilities from L1 for its next boot (%s)",
			 p->l1_state);
	(void)unlink(tmp);
	(void)unlink(key_tmp);
	{
		char *rm[] = { "rm", "-rf", dir, NULL };

		(void)run_command(rm, NULL);
	}
	json_object_object_del(bundle, "l1_state");
}

static void print_tail(const char *what, const char *text)
{
	if (!text || !*text)
		return;
	fprintf(stderr, "---- last lines of %s ----\n%s\n---- end of %s ----\n", what, text, what);
}

static int write_json(const char *dir, const char *name, struct json_object *o)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	return write_file_atomic(path, text, strlen(text));
}

/* One JSON object per line: the time series, as the report reads it. */
static int write_jsonl(const char *dir, const char *name, struct json_object *array)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name), *text = NULL;
	size_t i, n = json_object_array_length(array), len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", json_object_to_json_string_ext(json_object_array_get_idx(array, i),
								  JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	fclose(f);
	return write_file_atomic(path, text, len);
}

static struct json_object *environment(const struct run_opts *o, const struct l1_host *host,
				       struct json_object *l1)
{
	struct json_object *env = json_object_new_object();

	json_object_object_add(env, "run_id", json_object_new_string(o->l2.run_id));
	host->ops->record_environment(host->data, env);
	json_object_object_add(env, "l1_vcpus", json_object_new_int((int)o->l1_vcpus));
	json_object_object_add(env, "l1_memory_mib", json_object_new_int((int)o->l1_memory_mib));
	json_object_object_add(env, "tb_cache_mib", json_object_new_int((int)o->tb_cache_mib));
	json_object_object_add(env, "l1_cmdline_extra", json_object_new_string(o->l1_cmdline_extra));
	json_object_object_add(env, "l2_mode", json_object_new_string(l2_mode_name(o->l2.mode)));
	json_object_object_add(env, "workloads",
			       run_workloads_json(o->workloads.items, o->workloads.n));
	if (l1)
		json_object_object_add(env, "l1", json_object_get(l1));
	return env;
}

/* Says on L0 what the check against kvm:kvm_exit found; oracle.json has the detail. */
static void report_oracle(struct json_object *oracle)
{
	struct json_object *v;
	int64_t compared = 0, mismatches = 0;

	if (json_object_object_get_ex(oracle, "error", &v)) {
		log_error("warning: the leaves were not checked against kvm:kvm_exit: %s",
			  json_object_get_string(v));
		return;
	}
	if (json_object_object_get_ex(oracle, "reasons_compared", &v))
		compared = json_object_get_int64(v);
	if (json_object_object_get_ex(oracle, "mismatches", &v))
		mismatches = json_object_get_int64(v);
	if (compared == 0)
		/* As with Debian's stock modules: the leaves answer nothing to compare. */
		log_error("warning: no reason had counts from the leaves to compare with "
			  "kvm:kvm_exit (oracle.json)");
	else if (mismatches)
		log_error("warning: the leaves disagree with kvm:kvm_exit on %lld of %lld reasons "
			  "over the probe's interval (oracle.json)",
			  (long long)mismatches, (long long)compared);
	else
		log_info("oracle: all %lld reasons equal to kvm:kvm_exit over the probe's interval",
			 (long long)compared);
}

/* Reads L1's bundle; returns the last snapshot's text or NULL after saying why. */
static int read_bundle(const struct run_paths *p, struct json_object **ret_bundle)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *bundle, *schema = NULL, *ok, *error;

	if (read_file(p->bundle, &text, NULL) < 0 || !*text) {
		log_error("L1 sent no results (the agent in L1 did not finish)");
		return -ENODATA;
	}
	bundle = json_tokener_parse(text);
	if (!bundle || !json_object_is_type(bundle, json_type_object)) {
		size_t len = strlen(text);

		log_error("L1's results are not a JSON object (%zu bytes, ending \"%.40s\"): cut "
			  "short? kept as bundle.attemptN.jsonl", len, len > 40 ? text + len - 40 : text);
		json_object_put(bundle);
		return -EBADMSG;
	}
	*ret_bundle = bundle;
	if (!json_object_object_get_ex(bundle, "schema", &schema) ||
	    strcmp(json_object_get_string(schema), EXITLAB_BUNDLE_SCHEMA) != 0) {
		log_error("L1's results are not %s but '%s': the L1 image's agent is not this "
			  "exitlab's", EXITLAB_BUNDLE_SCHEMA,
			  schema ? json_object_get_string(schema) : "");
		return -EPROTO;
	}
	if (json_object_object_get_ex(bundle, "ok", &ok) && json_object_get_boolean(ok))
		return 0;
	if (json_object_object_get_ex(bundle, "error", &error))
		log_error("L1: %s", json_object_get_string(error));
	else
		log_error("L1 reported a failure without a reason");
	return -EIO;
}

/* env.json, written last: its timings then cover the saving of the rest. */
static int save_environment(const struct run_opts *o, const struct run_paths *p,
			    const struct l1_host *host, struct json_object *bundle,
			    double l1_seconds, struct json_object *failures,
			    struct run_timings *timings, double save_started)
{
	struct json_object *l1 = NULL, *l2 = NULL, *env;
	int r;

	json_object_object_get_ex(bundle, "l1", &l1);
	json_object_object_get_ex(bundle, "l2", &l2);
	env = environment(o, host, l1);
	if (l1_seconds > 0)
		json_object_object_add(env, "l1_seconds", json_object_new_double(l1_seconds));
	if (failures)
		json_object_object_add(env, "failed_attempts", json_object_get(failures));
	if (l2)
		json_object_object_add(env, "l2", json_object_get(l2));
	timings_add(timings->after, "L0", "results written", monotonic_s() - save_started);
	json_object_object_add(env, "timings", json_object_get(run_timings_total(timings)));
	r = write_json(p->partial, "env.json", env);
	json_object_put(env);
	return r;
}

static int save_results(const struct run_opts *o, const struct run_paths *p,
			const struct l1_host *host, struct json_object *bundle, double l1_seconds,
			struct json_object *failures, struct run_timings *timings)
{
	double save_started = monotonic_s();
	struct json_object *snapshots, *last;
	struct snapshot snap;
	_cleanup_free_ char *csv = NULL, *csv_path = NULL;
	char err[256];
	size_t n;
	int r;

	{
		struct json_object *console;

		/* Its own file, not inside bundle.json. */
		if (json_object_object_get_ex(bundle, "l2_console", &console)) {
			_cleanup_free_ char *path = xasprintf("%s/l2-console.log", p->partial);
			const char *text = json_object_get_string(console);

			r = write_file_atomic(path, text, strlen(text));
			json_object_object_del(bundle, "l2_console");
			if (r < 0)
				return r;
		}
	}
	{
		struct json_object *timeline;

		/* timeline.jsonl and exit_stats.txt, not inside bundle.json. */
		if (json_object_object_get_ex(bundle, "host_timeline", &timeline)) {
			r = timeline_file_write(p->partial, timeline);
			json_object_object_del(bundle, "host_timeline");
			if (r < 0)
				return r;
		}
	}
	r = write_json(p->partial, "bundle.json", bundle);
	if (r < 0)
		return r;
	{
		struct json_object *oracle;

		if (json_object_object_get_ex(bundle, "oracle", &oracle)) {
			r = write_json(p->partial, "oracle.json", oracle);
			if (r < 0)
				return r;
			report_oracle(oracle);
		}
	}

	{
		struct json_object *samples;

		if (json_object_object_get_ex(bundle, "samples", &samples) &&
		    json_object_array_length(samples) > 0) {
			r = write_jsonl(p->partial, "samples.jsonl", samples);
			if (r < 0)
				return r;
		}
	}
	if (!json_object_object_get_ex(bundle, "snapshots", &snapshots) ||
	    !json_object_is_type(snapshots, json_type_array) ||
	    (n = json_object_array_length(snapshots)) == 0) {
		log_error("L1's results hold no probe snapshot");
		return -ENODATA;
	}
	last = json_object_array_get_idx(snapshots, n - 1);
	r = snapshot_parse(json_object_to_json_string(last), &snap, err, sizeof(err));
	if (r < 0) {
		log_error("the probe's snapshot is malformed: %s", err);
		return r;
	}
	r = write_json(p->partial, "snapshot.json", last);
	csv = snapshot_to_csv(&snap);
	csv_path = xasprintf("%s/summary.csv", p->partial);
	if (r == 0)
		r = csv ? write_file_atomic(csv_path, csv, strlen(csv)) : -ENOMEM;
	if (r == 0) {
		printf("\nexits seen by L1's KVM for the L2 guest (%s, %s), at the end of its run:\n",
		       snap.vendor, snap.arch == EXIT_ARCH_VMX ? "VMX basic exit reasons"
							       : "SVM exit codes");
		snapshot_print_table(&snap, stdout);
	}
	/* Any running guest exits: 0 means the leaves are not there at all. */
	if (r == 0 && snap.total_exits == 0) {
		log_error("the probe in L2 read 0 exits from CPUID 0x4FFFFFFF: L1's KVM answers "
			  "no exit statistics (is the patched kvm loaded with exit_stats=1?)");
		r = -ENODATA;
	}
	snapshot_free(&snap);
	if (r == 0)
		r = save_environment(o, p, host, bundle, l1_seconds, failures, timings,
				     save_started);
	return r;
}

/*
 * Whether the second VM asked for ended before L2 did: then the run cannot
 * show that another VM's exits stay out of L2's counts, and the attempt is
 * tried again. Under nested TCG that VM sometimes ends at once, status 0
 * and not a line on its console (a guest reset: -no-reboot).
 */
static bool second_vm_died(const struct run_opts *o, struct json_object *bundle, char *why,
			   size_t whylen)
{
	struct json_object *l2, *vm, *running, *status;

	if (!o->l2.second_vm || !json_object_object_get_ex(bundle, "l2", &l2) ||
	    !json_object_object_get_ex(l2, "second_vm", &vm) ||
	    !json_object_object_get_ex(vm, "running_at_end", &running) ||
	    !json_object_is_type(running, json_type_boolean) || json_object_get_boolean(running))
		return false;
	snprintf(why, whylen, "the second VM ended before L2 did (exit status %d): L2's counts "
		 "cannot show its exits kept out", json_object_object_get_ex(vm, "exit_status", &status)
		 ? json_object_get_int(status) : -1);
	return true;
}

/*
 * One boot of L1 that ran L2 to its end: L0_OK with the bundle, or why not.
 * Whatever the backend, a boot whose agent sent no good bundle, or whose
 * second VM died early, may go better another time.
 */
/* L1's and L2's steps as the agent timed them, into this attempt's. */
static void add_l1_timings(struct json_object *bundle, struct json_object *steps)
{
	struct json_object *l1_steps;
	size_t i;

	if (!bundle || !json_object_object_get_ex(bundle, "timings", &l1_steps) ||
	    !json_object_is_type(l1_steps, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(l1_steps); i++)
		json_object_array_add(steps, json_object_get(json_object_array_get_idx(l1_steps, i)));
}

static enum l0_outcome_kind attempt(const struct run_opts *o, const struct run_paths *p,
				    const struct l1_host *host, struct json_object *steps,
				    struct json_object **ret_bundle, struct l0_outcome *out)
{
	int r;

	(void)unlink(p->bundle);
	if (host->ops->boot(host->data, o, p, steps, out) != L0_OK)
		return out->kind;
	log_info("L1: stopped after %.1f s", out->l1_seconds);
	timings_add(steps, "L0", "L1, boot to power-off", out->l1_seconds);
	r = read_bundle(p, ret_bundle);
	if (r == 0 && host->ops->keeps_l1_state)
		keep_l1_state(p, *ret_bundle);
	else if (*ret_bundle && !host->ops->keeps_l1_state)
		json_object_object_del(*ret_bundle, "l1_state");
	add_l1_timings(*ret_bundle, steps);
	if (r == -EPROTO) /* the L1 image's agent is another version's: so is every boot's */
		return l0_outcome_set(out, L0_FATAL, r, "L1's agent speaks another contract: "
				      "rebuild the images ('make images')");
	if (r == -ENODATA)
		return l0_outcome_set(out, L0_RETRY, r, "L1 stopped without sending results");
	if (r < 0) {
		struct json_object *error = NULL;

		if (*ret_bundle && json_object_object_get_ex(*ret_bundle, "error", &error))
			return l0_outcome_set(out, L0_RETRY, r, "L1 reported a failure: %s",
					      json_object_get_string(error));
		return l0_outcome_set(out, L0_RETRY, r, "L1 reported a failure");
	}
	{
		char why[sizeof(out->reason)];

		if (second_vm_died(o, *ret_bundle, why, sizeof(why)))
			return l0_outcome_set(out, L0_RETRY, -ECHILD, "%s", why);
	}
	return L0_OK;
}

/* Names what L1's kernel reported in a failed attempt, in the log and in env.json. */
static void note_l1_fault(const char *console_path, struct json_object *failure)
{
	_cleanup_free_ char *console = NULL;
	struct l1_fault_report f;

	if (read_file(console_path, &console, NULL) < 0)
		return;
	l1_fault_scan(console, &f);
	if (f.kind == L1_FAULT_NONE)
		return;
	log_error("L1's kernel: %s%s%s", f.line, f.where[0] ? "; " : "", f.where);
	log_error("%s%s", l1_fault_explanation(f.kind),
		  f.after_vmrun ? "; here the interrupted instruction was the one after VMRUN" : "");
	json_object_object_add(failure, "l1_fault", json_object_new_string(l1_fault_name(f.kind)));
	json_object_object_add(failure, "l1_fault_line", json_object_new_string(f.line));
	if (f.where[0])
		json_object_object_add(failure, "l1_fault_where", json_object_new_string(f.where));
	if (f.kind == L1_FAULT_GUEST_GS)
		json_object_object_add(failure, "after_vmrun", json_object_new_boolean(f.after_vmrun));
}

static void report_failure(const struct run_paths *p, struct json_object *bundle)
{
	_cleanup_free_ char *tail = file_tail(p->console, 25);

	if (bundle) {
		struct json_object *l2, *console;

		(void)write_json(p->partial, "bundle.json", bundle);
		if (json_object_object_get_ex(bundle, "l2", &l2) &&
		    json_object_object_get_ex(l2, "console_tail", &console))
			print_tail("L2's console", json_object_get_string(console));
	}
	print_tail("L1's console", tail);
}

static int save_bench(const struct run_paths *p, const struct l1_host *host,
		      const struct run_opts *o, struct json_object *bundle,
		      struct run_timings *timings)
{
	double save_started = monotonic_s();
	struct json_object *bench, *v;
	double figures[3];
	static const char *const keys[] = { "stock", "off", "on" };
	size_t i;
	int r;

	if (!json_object_object_get_ex(bundle, "bench", &bench)) {
		log_error("L1's results hold no bench figures");
		return -ENODATA;
	}
	for (i = 0; i < 3; i++) {
		if (!json_object_object_get_ex(bench, keys[i], &v)) {
			log_error("L1's bench results lack '%s'", keys[i]);
			return -ENODATA;
		}
		figures[i] = json_object_get_double(v);
	}
	r = write_json(p->partial, "bench.json", bench);
	if (r == 0)
		r = save_environment(o, p, host, bundle, 0, NULL, timings, save_started);
	if (r < 0)
		return r;
	printf("\nCPUID round trip in L2 (leaf 0, best of 5 rounds, %s), by L1's KVM:\n"
	       "  stock Debian modules   %10.1f ns\n"
	       "  patched, exit_stats=0  %10.1f ns\n"
	       "  patched, exit_stats=1  %10.1f ns\n"
	       "  on/off    %.4f (goal <= 1.02)\n"
	       "  off/stock %.4f\n",
	       host->ops->bench_method,
	       figures[0], figures[1], figures[2], figures[2] / figures[1], figures[1] / figures[0]);
	/*
	 * The peers (issue 17), on stock KVM: a kvm_exit hist trigger keyed by
	 * exit_reason, and perf kvm stat record; each over stock and over ours.
	 */
	if (json_object_object_get_ex(bench, "hist", &v) && json_object_get_double(v) > 0)
		printf("  stock + kvm_exit hist  %10.1f ns (hist/stock %.4f, hist/on %.4f)\n",
		       json_object_get_double(v), json_object_get_double(v) / figures[0],
		       json_object_get_double(v) / figures[2]);
	if (json_object_object_get_ex(bench, "perf", &v) && json_object_get_double(v) > 0)
		printf("  stock + perf kvm stat  %10.1f ns (perf/stock %.4f, perf/on %.4f)\n",
		       json_object_get_double(v), json_object_get_double(v) / figures[0],
		       json_object_get_double(v) / figures[2]);
	return 0;
}

/* Keeps a failed attempt's console and says in failures why it failed. */
/* Where a failed attempt's L1 was: the last step its agent printed, and when. */
static void note_last_step(const char *console_path, struct json_object *record)
{
	_cleanup_free_ char *console = NULL;
	char step[96];
	double at;

	if (read_file(console_path, &console, NULL) < 0 ||
	    timings_l1_last_step(console, step, sizeof(step), &at) < 0)
		return;
	json_object_object_add(record, "last_step", json_object_new_string(step));
	json_object_object_add(record, "last_step_at", json_object_new_double(at));
}

static void record_failure(const struct run_paths *p, unsigned n, const struct l0_outcome *out,
			   struct json_object *failures)
{
	_cleanup_free_ char *kept = xasprintf("%s/l1-console.attempt%u.log", p->partial, n);
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "attempt", json_object_new_int((int)n));
	json_object_object_add(f, "error", json_object_new_string(out->reason));
	note_l1_fault(p->console, f);
	(void)rename(p->console, kept);
	{
		_cleanup_free_ char *bundle = NULL;
		_cleanup_free_ char *kept_bundle = xasprintf("%s/bundle.attempt%u.jsonl", p->partial, n);
		size_t len = 0;

		/* What L1 sent, if anything, for the failure's diagnosis. */
		if (read_file(p->bundle, &bundle, &len) == 0 && len > 0)
			(void)write_file_atomic(kept_bundle, bundle, len);
	}
	json_object_object_add(f, "console", json_object_new_string(kept));
	json_object_array_add(failures, f);
}

int run_lab(const struct run_opts *o)
{
	struct run_paths p = { 0 };
	struct l1_host host = { .ops = o->l0 };
	struct json_object *bundle = NULL, *failures = json_object_new_array();
	struct l0_outcome out = { .kind = L0_FATAL };
	struct run_timings timings;
	unsigned n;
	int status = 1;

	run_timings_init(&timings);
	host.data = calloc(1, host.ops->data_size ? host.ops->data_size : 1);
	if (!host.data || check_images(o, &p) < 0)
		goto out;
	if (host.ops->prepare(host.data, o, &p, timings.before) < 0)
		goto out;
	if (prepare_dirs(o, &p) < 0)
		goto out;

	for (n = 1; n <= o->attempts; n++) {
		struct json_object *record = json_object_new_object(), *steps = json_object_new_array();
		double started = monotonic_s();

		log_info("run %s, attempt %u of %u", o->l2.run_id, n, o->attempts);
		json_object_put(bundle);
		bundle = NULL;
		memset(&out, 0, sizeof(out));
		json_object_object_add(record, "steps", steps);
		json_object_array_add(timings.attempts, record);
		(void)attempt(o, &p, &host, steps, &bundle, &out);
		json_object_object_add(record, "seconds", json_object_new_double(monotonic_s() - started));
		if (out.kind == L0_OK)
			break;
		json_object_object_add(record, "failure", json_object_new_string(out.reason));
		note_last_step(p.console, record);
		log_error("attempt %u: %s", n, out.reason);
		if (out.kind == L0_INTERRUPTED) {
			/* What the attempts so far found is kept, as for a failed run. */
			log_error("interrupted: L1 destroyed, partial output kept in %s", p.partial);
			status = 130;
			break;
		}
		report_failure(&p, bundle);
		record_failure(&p, n, &out, failures);
		if (out.kind != L0_RETRY)
			break;
		if (n < o->attempts)
			log_info("retrying: nested virtualization under emulation stalls or crashes "
				 "now and then");
	}
	if (out.kind == L0_OK &&
	    (o->l2.mode == L2_MODE_BENCH || o->l2.mode == L2_MODE_MINIMAL_BENCH
		     ? save_bench(&p, &host, o, bundle, &timings)
		     : save_results(o, &p, &host, bundle, out.l1_seconds, failures, &timings)) == 0) {
		timings_print(timings.all, stdout);
		if (rename(p.partial, p.final) < 0) {
			log_error("cannot rename %s to %s: %s", p.partial, p.final, strerror(errno));
			goto out;
		}
		log_info("results written to %s", p.final);
		status = 0;
		goto out;
	}
	if (out.kind == L0_OK)
		report_failure(&p, bundle);
	/* What env.json would have listed, kept for a run that never succeeded. */
	if (json_object_array_length(failures) > 0)
		(void)write_json(p.partial, "failed_attempts.json", failures);
	(void)write_json(p.partial, "timings.json", run_timings_total(&timings));
	timings_print(timings.all, stderr);
	if (status != 130)
		log_error("run %s failed; what it produced is in %s", o->l2.run_id, p.partial);
out:
	if (p.work && status == 0) {
		host.ops->cleanup(host.data, &p);
		(void)unlink(p.bundle);
		(void)rmdir(p.work);
	}
	json_object_put(failures);
	json_object_put(bundle);
	json_object_put(timings.all);
	if (host.ops->close)
		host.ops->close(host.data);
	free(host.data);
	run_paths_free(&p);
	return status;
}
