// SPDX-License-Identifier: GPL-2.0-only
#include "units.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lab/common/util.h"

void cycle_unit_of(const struct run *r, struct cycle_unit *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/env.json", r->dir), *text = NULL;
	struct json_object *env = NULL, *v, *l1;

	memset(ret, 0, sizeof(*ret));
	ret->name = "cycles";
	if (read_file(path, &text, NULL) < 0 || !(env = json_tokener_parse(text)))
		return;
	if (json_object_object_get_ex(env, "accelerator", &v))
		snprintf(ret->accelerator, sizeof(ret->accelerator), "%s", json_object_get_string(v));
	ret->emulated = !strcmp(ret->accelerator, "tcg") || !strcmp(ret->accelerator, "bochs");
	if (ret->emulated)
		ret->name = "emulated cycles";
	if (json_object_object_get_ex(env, "l1", &l1) &&
	    json_object_object_get_ex(l1, "tsc_khz", &v))
		ret->tsc_khz = json_object_get_double(v);
	json_object_put(env);
}

const char *cycle_unit_note(const struct cycle_unit *u, char *buf, size_t len)
{
	if (!strcmp(u->accelerator, "bochs"))
		snprintf(buf, len, "L1 runs in Bochs, whose TSC counts emulated instructions: these "
				   "are emulated cycles, not time and not what hardware would spend");
	else if (u->emulated)
		snprintf(buf, len, "L1 runs under QEMU's TCG: L1's TSC is the emulator's, so these "
				   "are emulated cycles, not what hardware would spend on the same exit; "
				   "compare them with each other, not with hardware");
	else if (u->tsc_khz > 0)
		snprintf(buf, len, "L1 runs on KVM with a TSC of %.0f kHz: µs = cycles / %.3f",
			 u->tsc_khz, u->tsc_khz / 1000);
	else if (u->accelerator[0])
		snprintf(buf, len, "L1 runs on %s; its TSC frequency is not in env.json (l1.tsc_khz), "
				   "so cycles are not converted to time", u->accelerator);
	else
		snprintf(buf, len, "no env.json says what ran L1: the cycles' unit is unknown");
	return buf;
}
