// SPDX-License-Identifier: GPL-2.0-only
#include "many.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "child.h"
#include "seed.h"
#include "util.h"
#include "vm.h"

#define MANY_MAX_RUNS 100
/* A line on how the runs stand this often, besides one when each ends. */
#define MANY_PROGRESS_S 30

static const char many_usage[] =
	"usage: exitlab runs --count N [--jobs J] [--run-id ID] [--results DIR] [run options]\n"
	"       exitlab soak --count N [--jobs J] [--run-id ID] [--results DIR] [run options]\n"
	"\n"
	"N runs of the chain, each an 'exitlab run' with its own domains and results\n"
	"(DIR/ID-1 ... DIR/ID-N), J at once; every other option goes to each run\n"
	"(exitlab run --help lists them). Each run's output goes to DIR/ID-i.log.\n"
	"  --count N      how many runs (1-100)\n"
	"  --jobs J       how many at once (default: as many as cores and memory hold,\n"
	"                 one core and L1's memory + its translation cache each)\n"
	"  --run-id ID    the runs' common name (default: UTC time; soak-<time> for soak)\n"
	"  --results DIR  (default: results)\n"
	"soak also writes DIR/ID.soak.json and DIR/ID.soak.md: first-attempt\n"
	"successes, every failure by kind, each step's median and maximum time.\n"
	"Exit status: 0 when every run succeeded, 1 when one failed, 2 for bad options.\n";

unsigned many_default_jobs(unsigned count, long cores, long mem_available_mib,
			   unsigned l1_memory_mib, unsigned tb_cache_mib)
{
	long by_memory = mem_available_mib / ((long)l1_memory_mib + (tb_cache_mib ? tb_cache_mib : 1024));
	long jobs = count;

	if (cores > 0 && jobs > cores)
		jobs = cores;
	if (by_memory >= 0 && jobs > by_memory)
		jobs = by_memory;
	return jobs < 1 ? 1 : (unsigned)jobs;
}

static long mem_available_mib(void)
{
	_cleanup_free_ char *meminfo = NULL;
	const char *p;

	if (read_file("/proc/meminfo", &meminfo, NULL) < 0 ||
	    !(p = strstr(meminfo, "MemAvailable:")))
		return -1;
	return strtol(p + strlen("MemAvailable:"), NULL, 10) / 1024;
}

static const char *string_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

const char *soak_failure_kind(struct json_object *failed_attempt)
{
	const char *fault = string_of(failed_attempt, "l1_fault");
	const char *error = string_of(failed_attempt, "error");

	if (fault && strcmp(fault, "other") != 0)
		return fault;
	if (!error)
		return "other";
	/* What the agent in L1 found wrong with L2 comes after L1's own word. */
	if (strstr(error, "L1 reported a failure"))
		return strstr(error, "L2 hung") ? "l2-hang"
		       : strstr(error, "L2 did not finish") ? "l2-timeout"
							   : "l2-failed";
	if (strstr(error, "hung") || strstr(error, "no sign of life"))
		return "hang";
	if (strstr(error, "stuck"))
		return "soft-lockup";
	if (strstr(error, "did not finish within"))
		return "timeout";
	if (strstr(error, "second VM"))
		return "second-vm";
	if (strstr(error, "without sending results"))
		return "l2-failed";
	return "other";
}

static void count_failures(struct json_object *kinds, struct json_object *failed_attempts)
{
	size_t i, n;

	if (!failed_attempts || !json_object_is_type(failed_attempts, json_type_array))
		return;
	n = json_object_array_length(failed_attempts);
	for (i = 0; i < n; i++) {
		const char *kind = soak_failure_kind(json_object_array_get_idx(failed_attempts, i));
		struct json_object *count;

		if (json_object_object_get_ex(kinds, kind, &count))
			json_object_int_inc(count, 1);
		else
			json_object_object_add(kinds, kind, json_object_new_int(1));
	}
}

/* steps_by_name["L1 libvirt start"] = [12.0, 11.5, ...] */
static void collect_steps(struct json_object *by_name, struct json_object *steps)
{
	size_t i, n = steps && json_object_is_type(steps, json_type_array)
			      ? json_object_array_length(steps)
			      : 0;

	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *seconds, *list;
		const char *where = string_of(s, "where"), *step = string_of(s, "step");
		_cleanup_free_ char *key = NULL;

		if (!where || !step || !json_object_object_get_ex(s, "seconds", &seconds))
			continue;
		key = xasprintf("%s\t%s", where, step);
		if (!json_object_object_get_ex(by_name, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(by_name, key, list);
		}
		json_object_array_add(list, json_object_new_double(json_object_get_double(seconds)));
	}
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void add_step_figures(struct json_object *out, const char *key, struct json_object *list)
{
	size_t i, n = json_object_array_length(list);
	_cleanup_free_ double *v = calloc(n, sizeof(*v));
	struct json_object *o;
	const char *tab = strchr(key, '\t');

	if (!v || !tab)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_object_get_double(json_object_array_get_idx(list, i));
	qsort(v, n, sizeof(*v), compare_doubles);
	o = json_object_new_object();
	json_object_object_add(o, "where", json_object_new_string_len(key, (int)(tab - key)));
	json_object_object_add(o, "step", json_object_new_string(tab + 1));
	json_object_object_add(o, "runs", json_object_new_int((int)n));
	json_object_object_add(o, "median_seconds",
			       json_object_new_double(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2));
	json_object_object_add(o, "max_seconds", json_object_new_double(v[n - 1]));
	json_object_array_add(out, o);
}

struct json_object *soak_summarize(struct json_object *runs)
{
	struct json_object *summary = json_object_new_object(), *kinds = json_object_new_object();
	struct json_object *by_name = json_object_new_object(), *steps = json_object_new_array();
	size_t i, n = json_object_array_length(runs);
	int succeeded = 0, first_attempt = 0;

	for (i = 0; i < n; i++) {
		struct json_object *run = json_object_array_get_idx(runs, i);
		struct json_object *env, *failed = NULL, *timings = NULL, *attempts, *last, *total;
		bool ok = json_object_object_get_ex(run, "env", &env) &&
			  json_object_is_type(env, json_type_object);

		if (ok) {
			succeeded++;
			json_object_object_get_ex(env, "failed_attempts", &failed);
			json_object_object_get_ex(env, "timings", &timings);
			if (!failed || json_object_array_length(failed) == 0)
				first_attempt++;
		} else {
			json_object_object_get_ex(run, "failed_attempts", &failed);
		}
		count_failures(kinds, failed);
		if (!ok || !timings)
			continue;
		/* The figures of the attempt that succeeded, and the run around it. */
		{
			struct json_object *before = NULL, *after = NULL;

			json_object_object_get_ex(timings, "before", &before);
			json_object_object_get_ex(timings, "after", &after);
			collect_steps(by_name, before);
			if (json_object_object_get_ex(timings, "attempts", &attempts) &&
			    json_object_array_length(attempts) > 0) {
				last = json_object_array_get_idx(attempts,
								 json_object_array_length(attempts) - 1);
				json_object_object_get_ex(last, "steps", &last);
				collect_steps(by_name, last);
			}
			collect_steps(by_name, after);
		}
		if (json_object_object_get_ex(timings, "total_seconds", &total)) {
			struct json_object *one = json_object_new_array(), *s = json_object_new_object();

			json_object_object_add(s, "where", json_object_new_string("L0"));
			json_object_object_add(s, "step", json_object_new_string("whole run"));
			json_object_object_add(s, "seconds",
					       json_object_new_double(json_object_get_double(total)));
			json_object_array_add(one, s);
			collect_steps(by_name, one);
			json_object_put(one);
		}
	}
	{
		json_object_object_foreach(by_name, key, list)
			add_step_figures(steps, key, list);
	}
	json_object_put(by_name);
	json_object_object_add(summary, "runs", json_object_new_int((int)n));
	json_object_object_add(summary, "succeeded", json_object_new_int(succeeded));
	json_object_object_add(summary, "first_attempt_successes", json_object_new_int(first_attempt));
	json_object_object_add(summary, "failures", kinds);
	json_object_object_add(summary, "steps", steps);
	return summary;
}

static int int_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : 0;
}

void soak_print_markdown(struct json_object *summary, FILE *f)
{
	struct json_object *kinds, *steps;
	size_t i, n;
	bool any = false;

	fprintf(f, "%d runs: %d succeeded, %d on their first attempt.\n\n", int_of(summary, "runs"),
		int_of(summary, "succeeded"), int_of(summary, "first_attempt_successes"));
	fprintf(f, "Failed attempts by kind:");
	if (json_object_object_get_ex(summary, "failures", &kinds)) {
		json_object_object_foreach(kinds, kind, count) {
			fprintf(f, "%s %s %d", any ? "," : "", kind, json_object_get_int(count));
			any = true;
		}
	}
	fprintf(f, "%s\n\n", any ? "." : " none.");
	fprintf(f, "| where | step | runs | median s | max s |\n| --- | --- | ---: | ---: | ---: |\n");
	if (!json_object_object_get_ex(summary, "steps", &steps))
		return;
	n = json_object_array_length(steps);
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *median, *max;

		json_object_object_get_ex(s, "median_seconds", &median);
		json_object_object_get_ex(s, "max_seconds", &max);
		fprintf(f, "| %s | %s | %d | %.1f | %.1f |\n", string_of(s, "where"),
			string_of(s, "step"), int_of(s, "runs"), json_object_get_double(median),
			json_object_get_double(max));
	}
}

struct many_run {
	char id[80];
	pid_t pid;
	double started, seconds;
	int status; /* exit status once done; -1 before */
};

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int start_run(struct many_run *run, const char *self, char **pass, int n_pass,
		     const char *results)
{
	_cleanup_free_ char *log_path = xasprintf("%s/%s.log", results, run->id);
	_cleanup_free_ char **argv = calloc((size_t)n_pass + 7, sizeof(*argv));
	int i, k = 0, r;

	if (!argv)
		return -ENOMEM;
	argv[k++] = (char *)self;
	argv[k++] = "run";
	for (i = 0; i < n_pass; i++)
		argv[k++] = pass[i];
	argv[k++] = "--run-id";
	argv[k++] = run->id;
	argv[k++] = "--results";
	argv[k++] = (char *)results;
	argv[k] = NULL;
	(void)unlink(log_path);
	r = child_spawn(argv, log_path, &run->pid);
	if (r < 0)
		return log_error("run %s: cannot start it: %s", run->id, strerror(-r)), r;
	run->started = monotonic_s();
	log_info("run %s: started (its output: %s)", run->id, log_path);
	return 0;
}

/* What a run left: env.json when it succeeded, else its partial directory's record. */
static struct json_object *run_record(const struct many_run *run, const char *results)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *env = xasprintf("%s/%s/env.json", results, run->id);
	_cleanup_free_ char *failed = xasprintf("%s/.%s.partial/failed_attempts.json", results, run->id);
	_cleanup_free_ char *timings = xasprintf("%s/.%s.partial/timings.json", results, run->id);

	json_object_object_add(o, "run_id", json_object_new_string(run->id));
	json_object_object_add(o, "exit_status", json_object_new_int(run->status));
	json_object_object_add(o, "seconds", json_object_new_double(run->seconds));
	json_object_object_add(o, "env", json_object_from_file(env));
	json_object_object_add(o, "failed_attempts", json_object_from_file(failed));
	json_object_object_add(o, "timings", json_object_from_file(timings));
	return o;
}

static int write_soak(struct json_object *runs, const char *results, const char *base)
{
	_cleanup_free_ char *json_path = xasprintf("%s/%s.soak.json", results, base);
	_cleanup_free_ char *md_path = xasprintf("%s/%s.soak.md", results, base);
	struct json_object *summary = soak_summarize(runs);
	FILE *f;
	int r;

	json_object_object_add(summary, "run_ids", json_object_new_array());
	{
		struct json_object *ids;
		size_t i;

		json_object_object_get_ex(summary, "run_ids", &ids);
		for (i = 0; i < json_object_array_length(runs); i++) {
			struct json_object *id;

			json_object_object_get_ex(json_object_array_get_idx(runs, i), "run_id", &id);
			json_object_array_add(ids, json_object_get(id));
		}
	}
	r = json_object_to_file_ext(json_path, summary, JSON_C_TO_STRING_PRETTY) < 0 ? -EIO : 0;
	f = fopen(md_path, "w");
	if (f) {
		soak_print_markdown(summary, f);
		fclose(f);
	} else {
		r = -errno;
	}
	printf("\nsoak %s:\n", base);
	soak_print_markdown(summary, stdout);
	if (r < 0)
		log_error("cannot write %s or %s: %s", json_path, md_path, strerror(-r));
	else
		log_info("soak figures in %s and %s", json_path, md_path);
	json_object_put(summary);
	return r;
}

int many_main(int argc, char **argv, bool soak,
	      int (*parse)(int argc, char **argv, struct run_opts *ret))
{
	_cleanup_free_ char **pass = calloc((size_t)argc + 4, sizeof(*pass));
	_cleanup_free_ struct many_run *runs = NULL;
	const char *results = "results", *base = NULL;
	unsigned count = 0, jobs = 0, next = 0, running = 0, done = 0, failed = 0, i;
	struct run_opts o;
	char self[PATH_MAX], base_buf[64];
	double started, next_progress;
	ssize_t len;
	int n_pass = 0, a, r, status = 0;

	if (!pass)
		return 1;
	pass[n_pass++] = "run";
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a];
		bool takes_value = !strcmp(arg, "--count") || !strcmp(arg, "--jobs") ||
				   !strcmp(arg, "--run-id") || !strcmp(arg, "--results");

		if (!strcmp(arg, "--help")) {
			fputs(many_usage, stdout);
			return 0;
		}
		if (takes_value && a + 1 >= argc) {
			fprintf(stderr, "exitlab %s: %s needs a value\n", argv[0], arg);
			return 2;
		}
		if (!strcmp(arg, "--count") || !strcmp(arg, "--jobs")) {
			char *end;
			unsigned long v = strtoul(argv[a + 1], &end, 10);

			if (*argv[a + 1] == '-' || *end || v < 1 || v > MANY_MAX_RUNS) {
				fprintf(stderr, "exitlab %s: %s takes a whole number from 1 to %d, "
						"not '%s'\n", argv[0], arg, MANY_MAX_RUNS, argv[a + 1]);
				return 2;
			}
			*(arg[2] == 'c' ? &count : &jobs) = (unsigned)v;
			a++;
		} else if (!strcmp(arg, "--run-id")) {
			base = argv[++a];
		} else if (!strcmp(arg, "--results")) {
			results = argv[++a];
		} else {
			pass[n_pass++] = argv[a];
		}
	}
	if (!count) {
		fprintf(stderr, "exitlab %s: --count N is needed\n%s", argv[0], many_usage);
		return 2;
	}
	if (!base) {
		time_t now = time(NULL);
		char stamp[32];

		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
		snprintf(base_buf, sizeof(base_buf), "%s%s", soak ? "soak-" : "", stamp);
		base = base_buf;
	}
	/* The run ids the runs get must be valid ones: check with the longest. */
	{
		char longest[80];

		snprintf(longest, sizeof(longest), "%s-%u", base, count);
		if (strlen(base) > 60 || !run_id_valid(longest)) {
			fprintf(stderr, "exitlab %s: --run-id '%s': use 1-60 of [A-Za-z0-9._-], not "
					"starting with '.'\n", argv[0], base);
			return 2;
		}
	}
	/* Each run's options, checked once here rather than failing N times. */
	r = parse(n_pass, pass, &o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!jobs)
		jobs = many_default_jobs(count, sysconf(_SC_NPROCESSORS_ONLN), mem_available_mib(),
					 o.l1_memory_mib, o.tb_cache_mib);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return log_error("cannot find my own executable: %s", strerror(errno)), 1;
	self[len] = '\0';
	r = mkdir_p(results, 0755);
	if (r < 0)
		return log_error("cannot create %s: %s", results, strerror(-r)), 1;
	runs = calloc(count, sizeof(*runs));
	if (!runs)
		return 1;
	for (i = 0; i < count; i++) {
		snprintf(runs[i].id, sizeof(runs[i].id), "%s-%u", base, i + 1);
		runs[i].status = -1;
	}
	log_init();
	if (vm_init() < 0)
		return log_error("cannot set up signal handling"), 1;
	log_info("%s: %u runs, %u at once, ids %s-1 to %s-%u", argv[0], count, jobs, base, base,
		 count);
	started = monotonic_s();
	next_progress = started + MANY_PROGRESS_S;
	while (done < count) {
		while (running < jobs && next < count && !vm_interrupted()) {
			if (start_run(&runs[next], self, pass + 1, n_pass - 1, results) < 0) {
				runs[next].status = 1;
				done++;
				failed++;
			} else {
				running++;
			}
			next++;
		}
		if (vm_interrupted()) {
			for (i = 0; i < count; i++)
				if (runs[i].pid > 0 && runs[i].status < 0)
					child_stop(runs[i].pid);
			log_error("interrupted: the runs under way were stopped; what they produced is "
				  "in %s/.<run-id>.partial/", results);
			return 130;
		}
		for (i = 0; i < count; i++) {
			int wstatus;

			if (runs[i].pid <= 0 || runs[i].status >= 0 ||
			    waitpid(runs[i].pid, &wstatus, WNOHANG) != runs[i].pid)
				continue;
			runs[i].status = exit_code(wstatus);
			runs[i].seconds = monotonic_s() - runs[i].started;
			running--;
			done++;
			if (runs[i].status != 0)
				failed++;
			log_info("run %s: %s after %.0f s (%u of %u done)", runs[i].id,
				 runs[i].status == 0 ? "succeeded" : "FAILED", runs[i].seconds, done,
				 count);
		}
		if (monotonic_s() >= next_progress) {
			log_info("%s: %u running, %u done (%u failed), %.0f s so far", argv[0], running,
				 done, failed, monotonic_s() - started);
			next_progress = monotonic_s() + MANY_PROGRESS_S;
		}
		if (done < count)
			sleep(1);
	}
	log_info("%s: %u of %u runs succeeded in %.0f s", argv[0], count - failed, count,
		 monotonic_s() - started);
	if (soak) {
		struct json_object *records = json_object_new_array();

		for (i = 0; i < count; i++)
			json_object_array_add(records, run_record(&runs[i], results));
		if (write_soak(records, results, base) < 0)
			status = 1;
		json_object_put(records);
	}
	return failed || status ? 1 : 0;
}
