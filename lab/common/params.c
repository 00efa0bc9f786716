// SPDX-License-Identifier: GPL-2.0-only
#include "params.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitlab/contract.h"
#include "util.h"

bool run_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	size_t i;

	if (n == 0 || n > 64 || id[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static const char *const mode_names[] = {
	[L2_MODE_RUN] = "run",
	[L2_MODE_BENCH] = "bench",
	[L2_MODE_MINIMAL] = "minimal",
	[L2_MODE_MINIMAL_BENCH] = "minimal-bench",
};

const char *l2_mode_name(enum l2_mode mode)
{
	return (size_t)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

char *l2_params_to_cmdline(const struct l2_params *p)
{
	return xasprintf("exitlab.contract=%d exitlab.run_id=%s exitlab.l2_timeout=%u "
			 "exitlab.l2_vcpus=%u exitlab.l2_memory=%u exitlab.sample_ms=%u "
			 "exitlab.timeline_ms=%u exitlab.second_vm=%d exitlab.spare_cpu0=%d "
			 "exitlab.mode=%s",
			 EXITLAB_CONTRACT_VERSION, p->run_id, p->timeout_s, p->vcpus, p->memory_mib, p->sample_ms,
			 p->timeline_ms, p->second_vm ? 1 : 0, p->spare_cpu0 ? 1 : 0, l2_mode_name(p->mode));
}

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* key=0 or key=1; value NULL (absent) leaves *ret alone. */
static int parse_flag(const char *key, const char *value, bool *ret, char *err, size_t errlen)
{
	if (!value)
		return 0;
	if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
		snprintf(err, errlen, "%s=%s: expected 0 or 1", key, value);
		return -EINVAL;
	}
	*ret = value[0] == '1';
	return 0;
}

int contract_check_cmdline(const char *cmdline, char *err, size_t errlen)
{
	_cleanup_free_ char *version = cmdline_get(cmdline, "exitlab.contract");
	unsigned v;

	if (!version || parse_unsigned(version, 0, 1u << 30, &v) < 0) {
		snprintf(err, errlen, "no exitlab.contract=%d: L0's exitlab is older than this agent",
			 EXITLAB_CONTRACT_VERSION);
		return -EPROTO;
	}
	if (v != EXITLAB_CONTRACT_VERSION) {
		snprintf(err, errlen, "L0 speaks contract %u, this agent %d: rebuild the L1 image",
			 v, EXITLAB_CONTRACT_VERSION);
		return -EPROTO;
	}
	return 0;
}

int l2_params_from_cmdline(const char *cmdline, struct l2_params *ret, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t offset;
		unsigned min, max;
	} numbers[] = {
		{ "exitlab.l2_timeout", offsetof(struct l2_params, timeout_s), 10, 86400 },
		{ "exitlab.l2_vcpus", offsetof(struct l2_params, vcpus), 1, 64 },
		{ "exitlab.l2_memory", offsetof(struct l2_params, memory_mib), 128, 65536 },
		{ "exitlab.sample_ms", offsetof(struct l2_params, sample_ms), 0, 3600000 },
		{ "exitlab.timeline_ms", offsetof(struct l2_params, timeline_ms), 0, 60000 },
	};
	struct l2_params p = L2_PARAMS_DEFAULT;
	_cleanup_free_ char *id = cmdline_get(cmdline, "exitlab.run_id");
	_cleanup_free_ char *mode = cmdline_get(cmdline, "exitlab.mode");
	_cleanup_free_ char *second_vm = cmdline_get(cmdline, "exitlab.second_vm");
	_cleanup_free_ char *spare_cpu0 = cmdline_get(cmdline, "exitlab.spare_cpu0");
	size_t i;

	if (mode) {
		for (i = 0; i < ARRAY_SIZE(mode_names); i++)
			if (strcmp(mode, mode_names[i]) == 0)
				break;
		if (i == ARRAY_SIZE(mode_names)) {
			snprintf(err, errlen,
				 "exitlab.mode=%s: expected run, bench, minimal or minimal-bench", mode);
			return -EINVAL;
		}
		p.mode = (enum l2_mode)i;
	}
	if (parse_flag("exitlab.second_vm", second_vm, &p.second_vm, err, errlen) < 0 ||
	    parse_flag("exitlab.spare_cpu0", spare_cpu0, &p.spare_cpu0, err, errlen) < 0)
		return -EINVAL;
	if (id) {
		if (!run_id_valid(id)) {
			snprintf(err, errlen, "exitlab.run_id '%s' is not a valid run id", id);
			return -EINVAL;
		}
		snprintf(p.run_id, sizeof(p.run_id), "%s", id);
	}
	for (i = 0; i < ARRAY_SIZE(numbers); i++) {
		_cleanup_free_ char *v = cmdline_get(cmdline, numbers[i].key);

		if (!v)
			continue;
		if (parse_unsigned(v, numbers[i].min, numbers[i].max,
				   (unsigned *)((char *)&p + numbers[i].offset)) < 0) {
			snprintf(err, errlen, "%s=%s: expected %u..%u", numbers[i].key, v,
				 numbers[i].min, numbers[i].max);
			return -EINVAL;
		}
	}
	*ret = p;
	return 0;
}

int l1_cmdline_extra_check(const char *extra, char *err, size_t errlen)
{
	static const char *const reserved[] = { "root=", "init=", "console=", "exitlab." };
	const char *word = extra;

	if (strlen(extra) > 1024) {
		snprintf(err, errlen, "longer than 1024 characters");
		return -EINVAL;
	}
	for (const char *c = extra; *c; c++) {
		if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\'') {
			snprintf(err, errlen, "character %zu is not printable ASCII without quotes",
				 (size_t)(c - extra) + 1);
			return -EINVAL;
		}
	}
	while (*word) {
		size_t len = strcspn(word, " ");

		for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
			if (!strncmp(word, reserved[i], strlen(reserved[i]))) {
				snprintf(err, errlen, "'%.*s': the lab sets %s itself", (int)len, word,
					 reserved[i]);
				return -EINVAL;
			}
		}
		word += len;
		word += strspn(word, " ");
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *l1_state_variant(const char *extra)
{
	_cleanup_free_ char *copy = strdup(extra ? extra : "");
	_cleanup_free_ char **words = NULL;
	uint64_t hash = 0xcbf29ce484222325ull; /* FNV-1a: stable across builds and hosts */
	size_t n = 0, cap = 0;
	char *save = NULL;

	if (!copy)
		return NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strncmp(w, "kvm.", 4) && strncmp(w, "kvm_amd.", 8) && strncmp(w, "kvm_intel.", 10))
			continue;
		if (n == cap) {
			char **grown = realloc(words, (cap = cap ? 2 * cap : 8) * sizeof(*words));

			if (!grown)
				return NULL;
			words = grown;
		}
		words[n++] = w;
	}
	if (n == 0)
		return strdup("");
	qsort(words, n, sizeof(*words), cmp_str);
	for (size_t i = 0; i < n; i++)
		for (const char *c = words[i]; ; c++) {
			hash = (hash ^ (unsigned char)(*c ? *c : ' ')) * 0x100000001b3ull;
			if (!*c)
				break;
		}
	return xasprintf("-%016llx", (unsigned long long)hash);
}
