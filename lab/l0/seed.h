/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_SEED_H
#define EXITLAB_SEED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What L2 does after boot (images/l2-files/usr/local/sbin/exitlab-phases):
 * a checked interval, idle, I/O, a reboot. Zero means the default.
 */
struct seed_phases {
	unsigned check_s;     /* the interval L1's trace checks (default 5) */
	unsigned idle_s;      /* default 15 */
	unsigned io_disk_mib; /* written and read back with O_DIRECT (default 32) */
	unsigned io_net_mib;  /* sent to L1 over TCP (default 16) */
};

#define SEED_PHASES_DEFAULT { .check_s = 5, .idle_s = 15, .io_disk_mib = 32, .io_net_mib = 16 }

/*
 * One workload phase of L2 (after io, before the reboot): a catalogue entry
 * of the probe's, or a program of the user's that the seed writes into L2.
 */
struct seed_workload {
	char *spec;        /* "cpuid:100000"; NULL for a file */
	char *name;        /* a file's name in L2 and its phase's: [A-Za-z0-9._-] */
	char *path;        /* a file's path on L0 */
	char *data;        /* a file's content */
	size_t size;
};

#define SEED_WORKLOADS_MAX 32
/* cloud-init decodes user-data in Python, at emulated speed: files stay small. */
#define SEED_WORKLOAD_FILE_MAX (1024 * 1024)
#define SEED_WORKLOAD_FILES_MAX (2 * 1024 * 1024)
/* Where L2 finds file number i (from 1): <dir>/<i>-<name>. */
#define SEED_WORKLOAD_DIR "/usr/local/lib/exitlab/workloads"

struct seed_config {
	const char *run_id;
	struct seed_phases phases;
	const struct seed_workload *workloads;
	size_t n_workloads;
};

/* The phase's name in L2: workload-<index from 1>-<catalogue name or file name>. */
char *seed_workload_phase(const struct seed_workload *w, size_t index);

/*
 * cloud-init NoCloud documents. user-data is "#cloud-config" followed by JSON,
 * which is YAML too, so every string is escaped by a JSON library.
 */
int seed_user_data(const struct seed_config *cfg, char **ret_text);
int seed_meta_data(const struct seed_config *cfg, char **ret_text);

/* Writes user-data and meta-data into dir (made if missing). */
int seed_write_documents(const struct seed_config *cfg, const char *dir);

/* Writes user-data and meta-data into dir and packs them into iso_path (volume "cidata"). */
int seed_build_iso(const struct seed_config *cfg, const char *dir, const char *iso_path,
		   const char *log_path);

#endif
