// SPDX-License-Identifier: GPL-2.0-only
#include "seed.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
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

static char *base64(const char *data, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = (const unsigned char *)data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = tab[in[i] >> 2];
		*p++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*p++ = tab[in[i + 2] & 63];
	}
	if (i < len) {
		*p++ = tab[in[i] >> 2];
		*p++ = tab[((in[i] & 3) << 4) | (i + 1 < len ? in[i + 1] >> 4 : 0)];
		*p++ = i + 1 < len ? tab[(in[i + 1] & 15) << 2] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

char *seed_workload_phase(const struct seed_workload *w, size_t index)
{
	if (w->spec)
		return xasprintf("workload-%zu-%.*s", index + 1, (int)strcspn(w->spec, ":"), w->spec);
	return xasprintf("workload-%zu-%s", index + 1, w->name);
}

/*
 * The workloads for exitlab-phases, one shell variable each: catalogue
 * entries as given (checked on L0: no character to quote), files by name.
 */
static char *workloads_conf(const struct seed_config *cfg)
{
	char *conf = xasprintf("WORKLOAD_COUNT=%zu\nWORKLOAD_DIR=%s\n", cfg->n_workloads,
			       SEED_WORKLOAD_DIR);
	size_t i;

	for (i = 0; i < cfg->n_workloads; i++) {
		const struct seed_workload *w = &cfg->workloads[i];
		char *more = w->spec ? xasprintf("%sWORKLOAD_%zu=%s\n", conf, i + 1, w->spec)
				     : xasprintf("%sWORKLOAD_%zu=file:%s\n", conf, i + 1, w->name);

		free(conf);
		conf = more;
	}
	return conf;
}

/* Each file as cloud-init's write_files writes it: base64, executable, root's. */
static int add_workload_files(const struct seed_config *cfg, struct json_object *files)
{
	size_t i, total = 0;

	for (i = 0; i < cfg->n_workloads; i++) {
		const struct seed_workload *w = &cfg->workloads[i];
		_cleanup_free_ char *path = NULL, *b64 = NULL;
		struct json_object *file;

		if (w->spec)
			continue;
		total += w->size;
		if (w->size > SEED_WORKLOAD_FILE_MAX || total > SEED_WORKLOAD_FILES_MAX)
			return -EFBIG;
		b64 = base64(w->data, w->size);
		if (!b64)
			return -ENOMEM;
		path = xasprintf("%s/%zu-%s", SEED_WORKLOAD_DIR, i + 1, w->name);
		file = json_object_new_object();
		json_object_object_add(file, "path", json_object_new_string(path));
		json_object_object_add(file, "encoding", json_object_new_string("b64"));
		json_object_object_add(file, "content", json_object_new_string(b64));
		json_object_object_add(file, "permissions", json_object_new_string("0755"));
		json_object_array_add(files, file);
	}
	return 0;
}

static unsigned or_default(unsigned v, unsigned fallback)
{
	return v ? v : fallback;
}

int seed_user_data(const struct seed_config *cfg, char **ret_text)
{
	/* With the observer state, as every mark in L2: it then reads the counters too. */
	static const char *const cloud_init_mark[] = {
		"env", "EXITLAB_PROBE_STATE=/var/lib/exitlab/observer", EXITLAB_PROBE_PATH, "mark", "--phase", "cloud-init-runcmd", "--event", "end",
		"--out", "/dev/virtio-ports/" EXITLAB_RESULTS_PORT, NULL,
	};
	const struct seed_phases defaults = SEED_PHASES_DEFAULT;
	_cleanup_(json_putp) struct json_object *doc = NULL;
	struct json_object *runcmd, *files, *file;
	_cleanup_free_ char *body = NULL, *conf = NULL;
	_cleanup_free_ char *final_message = NULL, *workloads = NULL;
	int r;

	if (!run_id_valid(cfg->run_id))
		return -EINVAL;
	if (cfg->n_workloads > SEED_WORKLOADS_MAX)
		return -E2BIG;
	workloads = workloads_conf(cfg);
	doc = json_object_new_object();
	/*
	 * The phases' parameters, read by exitlab-phases once cloud-init's final
	 * stage is over; it also powers L2 off at the end.
	 */
	conf = xasprintf("RUN_ID=%s\nCHECK_SECONDS=%u\nIDLE_SECONDS=%u\nIO_DISK_MIB=%u\n"
			 "IO_NET_MIB=%u\nNET_PORT=%u\n%s",
			 cfg->run_id, or_default(cfg->phases.check_s, defaults.check_s),
			 or_default(cfg->phases.idle_s, defaults.idle_s),
			 or_default(cfg->phases.io_disk_mib, defaults.io_disk_mib),
			 or_default(cfg->phases.io_net_mib, defaults.io_net_mib),
			 EXITLAB_NET_SINK_PORT, workloads);
	files = json_object_new_array();
	file = json_object_new_object();
	json_object_object_add(file, "path", json_object_new_string("/etc/exitlab/phases.conf"));
	json_object_object_add(file, "content", json_object_new_string(conf));
	json_object_object_add(file, "permissions", json_object_new_string("0644"));
	json_object_array_add(files, file);
	json_object_object_add(doc, "write_files", files);
	r = add_workload_files(cfg, files);
	if (r < 0)
		return r;
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

int seed_write_documents(const struct seed_config *cfg, const char *dir)
{
	_cleanup_free_ char *user_data = NULL, *meta_data = NULL;
	_cleanup_free_ char *ud_path = xasprintf("%s/user-data", dir);
	_cleanup_free_ char *md_path = xasprintf("%s/meta-data", dir);
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
	return write_file_atomic(md_path, meta_data, strlen(meta_data));
}

int seed_build_iso(const struct seed_config *cfg, const char *dir, const char *iso_path,
		   const char *log_path)
{
	_cleanup_free_ char *ud_path = xasprintf("%s/user-data", dir);
	_cleanup_free_ char *md_path = xasprintf("%s/meta-data", dir);
	char *argv[] = {
		"genisoimage", "-quiet", "-output", (char *)iso_path, "-volid", "cidata",
		"-joliet", "-rock", ud_path, md_path, NULL,
	};
	int r;

	r = seed_write_documents(cfg, dir);
	if (r < 0)
		return r;
	r = run_command(argv, log_path);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}
