// SPDX-License-Identifier: GPL-2.0-only
#include "params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "util.h"

char *l2_params_to_cmdline(const struct l2_params *p)
{
	return xasprintf("exitlab.run_id=%s exitlab.l2_timeout=%u exitlab.l2_vcpus=%u "
			 "exitlab.l2_memory=%u exitlab.mode=%s",
			 p->run_id, p->timeout_s, p->vcpus, p->memory_mib, p->bench ? "bench" : "run");
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
	};
	struct l2_params p = L2_PARAMS_DEFAULT;
	_cleanup_free_ char *id = cmdline_get(cmdline, "exitlab.run_id");
	_cleanup_free_ char *mode = cmdline_get(cmdline, "exitlab.mode");
	size_t i;

	if (mode && strcmp(mode, "run") != 0 && strcmp(mode, "bench") != 0) {
		snprintf(err, errlen, "exitlab.mode=%s: expected run or bench", mode);
		return -EINVAL;
	}
	p.bench = mode && strcmp(mode, "bench") == 0;
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
