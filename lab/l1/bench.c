// SPDX-License-Identifier: GPL-2.0-only
#include "bench.h"

#include <errno.h>
#include <string.h>

#include "agent.h"
#include "bench_peers.h"
#include "l2_launcher.h"
#include "util.h"

/* What the probe's bench prints on L2's console before its figure. */
#define BENCH_LINE_PREFIX "exitlab-bench: "

/* One L2 whose init is the probe's CPUID loop; the figure comes from its console. */
static int bench_one(struct agent *a, int (*load_kvm_as)(struct agent *a, const char *config),
		     const char *config, struct json_object *run, double *ret_ns)
{
	_cleanup_free_ char *console = xasprintf("%s/bench-%s.log", a->paths->run_dir, config);
	_cleanup_free_ char *text = NULL;
	struct json_object *o, *v;
	const char *line;
	int r;

	/* A peer counts exits with what stock KVM has. */
	r = load_kvm_as(a, bench_peer_is(config) ? "stock" : config);
	if (r < 0)
		return r;
	r = bench_peer_begin(a, config);
	if (r < 0)
		return r;
	log_info("bench: L2 with KVM '%s'", config);
	r = a->launcher->run_bench_l2(a, config, console);
	if (r == 0)
		r = bench_peer_end(a, config, run, true);
	else
		(void)bench_peer_end(a, config, run, false);
	if (r < 0)
		return r;
	if (read_file(console, &text, NULL) < 0 || !(line = strstr(text, BENCH_LINE_PREFIX)))
		return agent_fail(a, -ENODATA, "bench: L2 with KVM '%s' printed no figure", config);
	o = json_tokener_parse(line + strlen(BENCH_LINE_PREFIX));
	if (!o || !json_object_object_get_ex(o, "best_ns_per_cpuid", &v)) {
		json_object_put(o);
		return agent_fail(a, -EBADMSG, "bench: L2 with KVM '%s' printed a malformed figure",
				  config);
	}
	*ret_ns = json_object_get_double(v);
	json_object_put(o);
	log_info("bench: KVM '%s': %.1f ns per CPUID round trip", config, *ret_ns);
	return 0;
}

int bench_run(struct agent *a, int (*load_kvm_as)(struct agent *a, const char *config))
{
	static const char *const configs[] = { "stock", "off", "on", "hist", "perf" };
	const struct l2_launcher *l = a->launcher;
	struct json_object *bench = json_object_new_object(), *runs = json_object_new_array();
	double best[ARRAY_SIZE(configs)] = { 0 };
	size_t i;
	int r;

	json_object_object_add(a->bundle, "bench", bench);
	json_object_object_add(bench, "runs", runs);
	for (i = 0; i < l->n_bench_order; i++) {
		unsigned c = l->bench_order[i];
		struct json_object *run = json_object_new_object();
		double ns = 0;

		r = bench_one(a, load_kvm_as, configs[c], run, &ns);
		if (r < 0) {
			json_object_put(run);
			return r;
		}
		json_object_object_add(run, "kvm", json_object_new_string(configs[c]));
		json_object_object_add(run, "ns", json_object_new_double(ns));
		json_object_array_add(runs, run);
		if (best[c] == 0 || ns < best[c])
			best[c] = ns;
	}
	for (i = 0; i < ARRAY_SIZE(configs); i++)
		json_object_object_add(bench, configs[i], json_object_new_double(best[i]));
	json_object_object_add(bench, "iterations", json_object_new_int((int)l->bench_iterations));
	json_object_object_add(bench, "clock", json_object_new_string(l->bench_clock));
	json_object_object_add(bench, "on_over_off", json_object_new_double(best[2] / best[1]));
	json_object_object_add(bench, "off_over_stock", json_object_new_double(best[1] / best[0]));
	json_object_object_add(bench, "on_over_stock", json_object_new_double(best[2] / best[0]));
	/* The peers (issue 17): their cost over stock, and over ours (exit_stats=1). */
	if (best[3] > 0) {
		json_object_object_add(bench, "hist_over_stock",
				       json_object_new_double(best[3] / best[0]));
		json_object_object_add(bench, "hist_over_on", json_object_new_double(best[3] / best[2]));
	}
	if (best[4] > 0) {
		json_object_object_add(bench, "perf_over_stock",
				       json_object_new_double(best[4] / best[0]));
		json_object_object_add(bench, "perf_over_on", json_object_new_double(best[4] / best[2]));
	}
	return 0;
}
