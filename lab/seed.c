// SPDX-License-Identifier: GPL-2.0-only
#include "seed.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

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

static void json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

static struct json_object *argv_json(const char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (; *argv; argv++)
		json_object_array_add(a, json_object_new_string(*argv));
	return a;
}

static char *json_dup(struct json_object *o)
{
	return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
}

int seed_user_data(const struct seed_config *cfg, char **ret_text)
{
	static const char *const interval[] = {
		EXITLAB_PROBE_PATH, "interval", "--seconds", "5",
		"--out", "/dev/virtio-ports/" EXITLAB_RESULTS_PORT, NULL,
	};
	static const char *const snapshot[] = {
		EXITLAB_PROBE_PATH, "snapshot", "--phase", "final",
		"--out", "/dev/virtio-ports/" EXITLAB_RESULTS_PORT, NULL,
	};
	_cleanup_(json_putp) struct json_object *doc = NULL;
	struct json_object *runcmd, *power;
	_cleanup_free_ char *body = NULL;
	_cleanup_free_ char *final_message = NULL;

	if (!run_id_valid(cfg->run_id))
		return -EINVAL;
	doc = json_object_new_object();
	runcmd = json_object_new_array();
	/* A controlled workload between two snapshots, checked against the trace in L1. */
	json_object_array_add(runcmd, argv_json(interval));
	json_object_array_add(runcmd, argv_json(snapshot));
	json_object_object_add(doc, "runcmd", runcmd);

	/* The marker the L1 agent looks for on L2's console. */
	final_message = xasprintf("exitlab: cloud-init final run=%s uptime=$UPTIME", cfg->run_id);
	json_object_object_add(doc, "final_message", json_object_new_string(final_message));

	power = json_object_new_object();
	json_object_object_add(power, "mode", json_object_new_string("poweroff"));
	json_object_object_add(power, "delay", json_object_new_string("now"));
	json_object_object_add(power, "condition", json_object_new_boolean(1));
	json_object_object_add(doc, "power_state", power);

	body = json_dup(doc);
	if (!body)
		return -ENOMEM;
	*ret_text = xasprintf("#cloud-config\n%s\n", body);
	return 0;
}

int seed_meta_data(const struct seed_config *cfg, char **ret_text)
{
	_cleanup_(json_putp) struct json_object *doc = NULL;
	_cleanup_free_ char *id = NULL;
	char *body;

	if (!run_id_valid(cfg->run_id))
		return -EINVAL;
	/* A new instance-id per run makes cloud-init run its per-instance modules again. */
	id = xasprintf("exitlab-%s", cfg->run_id);
	doc = json_object_new_object();
	json_object_object_add(doc, "instance-id", json_object_new_string(id));
	json_object_object_add(doc, "local-hostname", json_object_new_string("exitlab-l2"));
	body = json_dup(doc);
	if (!body)
		return -ENOMEM;
	*ret_text = xasprintf("%s\n", body);
	free(body);
	return 0;
}

int seed_build_iso(const struct seed_config *cfg, const char *dir, const char *iso_path,
		   const char *log_path)
{
	_cleanup_free_ char *user_data = NULL, *meta_data = NULL;
	_cleanup_free_ char *ud_path = xasprintf("%s/user-data", dir);
	_cleanup_free_ char *md_path = xasprintf("%s/meta-data", dir);
	char *argv[] = {
		"genisoimage", "-quiet", "-output", (char *)iso_path, "-volid", "cidata",
		"-joliet", "-rock", ud_path, md_path, NULL,
	};
	int r;

	r = seed_user_data(cfg, &user_data);
	if (r < 0)
		return r;
	r = seed_meta_data(cfg, &meta_data);
	if (r < 0)
		return r;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	r = write_file_atomic(ud_path, user_data, strlen(user_data));
	if (r < 0)
		return r;
	r = write_file_atomic(md_path, meta_data, strlen(meta_data));
	if (r < 0)
		return r;
	r = run_command(argv, log_path);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}
