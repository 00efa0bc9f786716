// SPDX-License-Identifier: GPL-2.0-only
#include "seed.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "exitlab/contract.h"
#include "params.h"
#include "util.h"

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

static unsigned or_default(unsigned v, unsigned fallback)
{
	return v ? v : fallback;
}

int seed_user_data(const struct seed_config *cfg, char **ret_text)
{
	static const char *const cloud_init_mark[] = {
		EXITLAB_PROBE_PATH, "mark", "--phase", "cloud-init-runcmd", "--event", "end",
		"--out", "/dev/virtio-ports/" EXITLAB_RESULTS_PORT, NULL,
	};
	const struct seed_phases defaults = SEED_PHASES_DEFAULT;
	_cleanup_(json_putp) struct json_object *doc = NULL;
	struct json_object *runcmd, *files, *file;
	_cleanup_free_ char *body = NULL, *conf = NULL;
	_cleanup_free_ char *final_message = NULL;

	if (!run_id_valid(cfg->run_id))
		return -EINVAL;
	doc = json_object_new_object();
	/*
	 * The phases' parameters, read by exitlab-phases once cloud-init's final
	 * stage is over; it also powers L2 off at the end.
	 */
	conf = xasprintf("RUN_ID=%s\nCHECK_SECONDS=%u\nIDLE_SECONDS=%u\nIO_DISK_MIB=%u\n"
			 "IO_NET_MIB=%u\nNET_PORT=%u\n",
			 cfg->run_id, or_default(cfg->phases.check_s, defaults.check_s),
			 or_default(cfg->phases.idle_s, defaults.idle_s),
			 or_default(cfg->phases.io_disk_mib, defaults.io_disk_mib),
			 or_default(cfg->phases.io_net_mib, defaults.io_net_mib),
			 EXITLAB_NET_SINK_PORT);
	files = json_object_new_array();
	file = json_object_new_object();
	json_object_object_add(file, "path", json_object_new_string("/etc/exitlab/phases.conf"));
	json_object_object_add(file, "content", json_object_new_string(conf));
	json_object_object_add(file, "permissions", json_object_new_string("0644"));
	json_object_array_add(files, file);
	json_object_object_add(doc, "write_files", files);
	/* When cloud-init itself got to user commands: a point on the boot timeline. */
	runcmd = json_object_new_array();
	json_object_array_add(runcmd, argv_json(cloud_init_mark));
	json_object_object_add(doc, "runcmd", runcmd);

	/* The marker the L1 agent looks for on L2's console. */
	final_message = xasprintf("exitlab: cloud-init final run=%s uptime=$UPTIME", cfg->run_id);
	json_object_object_add(doc, "final_message", json_object_new_string(final_message));

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
