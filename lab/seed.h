/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_SEED_H
#define EXITLAB_SEED_H

#include <stdbool.h>

/* Where the L2 guest sends its probe output: a virtio-serial port name. */
#define EXITLAB_RESULTS_PORT "org.exitlab.results"
#define EXITLAB_PROBE_PATH "/usr/local/bin/exitlab-probe"

struct seed_config {
	const char *run_id;
};

/* A run id names files and domains: [A-Za-z0-9._-], 1..64 chars, not starting with '.'. */
bool run_id_valid(const char *id);

/*
 * cloud-init NoCloud documents. user-data is "#cloud-config" followed by JSON,
 * which is YAML too, so every string is escaped by a JSON library.
 */
int seed_user_data(const struct seed_config *cfg, char **ret_text);
int seed_meta_data(const struct seed_config *cfg, char **ret_text);

/* Writes user-data and meta-data into dir and packs them into iso_path (volume "cidata"). */
int seed_build_iso(const struct seed_config *cfg, const char *dir, const char *iso_path,
		   const char *log_path);

#endif
