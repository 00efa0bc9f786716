// SPDX-License-Identifier: GPL-2.0-only
/*
 * Both ends of the L0-L1 bundle transport (exitlab/contract.h) against each
 * other: the agent's bundle_send() on a fake sysfs and /dev, and L0's side
 * of the results disk (bochs.c) that creates the disk and reads it back;
 * the disks L0 names by model for an L1 without virtio, found by the agent.
 */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lab/common/util.h"
#include "../../lab/include/exitlab/contract.h"
#include "../../lab/l0/bochs.h"
#include "../../lab/l1/agent.h"
#include "../../lab/l1/bundle.h"
#include "scratch.h"

static char top[] = "/tmp/exitlab-test-contract-XXXXXX";

static char *in_top(const char *name)
{
	return xasprintf("%s/%s", top, name);
}

static int setup(void **state)
{
	static const char *const dirs[] = { "ports", "block/sda", "block/sdb", "dev" };

	(void)state;
	return scratch_make(top, dirs, ARRAY_SIZE(dirs));
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(top);
}

/* The agent, as far as the transport sees it: its bundle and where L1's devices are. */
struct fake_l1 {
	struct agent_paths paths;
	struct agent a;
	char *ports, *block, *dev;
};

static void fake_l1_init(struct fake_l1 *f, const char *payload)
{
	memset(f, 0, sizeof(*f));
	f->ports = in_top("ports");
	f->block = in_top("block");
	f->dev = in_top("dev");
	f->paths.virtio_ports = f->ports;
	f->paths.block_devices = f->block;
	f->paths.dev = f->dev;
	f->a.paths = &f->paths;
	f->a.bundle = json_object_new_object();
	json_object_object_add(f->a.bundle, "schema", json_object_new_string(EXITLAB_BUNDLE_SCHEMA));
	json_object_object_add(f->a.bundle, "payload", json_object_new_string(payload));
}

static void fake_l1_free(struct fake_l1 *f)
{
	json_object_put(f->a.bundle);
	free(f->ports);
	free(f->block);
	free(f->dev);
}

static void assert_bundle_text(const char *text, const char *payload)
{
	struct json_object *o = json_tokener_parse(text), *v;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "schema", &v));
	assert_string_equal(json_object_get_string(v), EXITLAB_BUNDLE_SCHEMA);
	assert_true(json_object_object_get_ex(o, "payload", &v));
	assert_string_equal(json_object_get_string(v), payload);
	json_object_put(o);
}

/* Bochs' L1: no virtio-serial; the disk with L0's magic is found among others. */
static void results_disk_round_trip(void **state)
{
	_cleanup_free_ char *other = in_top("dev/sda"), *disk = in_top("dev/sdb");
	_cleanup_free_ char *bundle = in_top("bundle.json"), *text = NULL;
	struct fake_l1 f;

	(void)state;
	assert_int_equal(write_file_atomic(other, "not ours, no magic here", 23), 0);
	assert_int_equal(bochs_results_disk_create(disk), 0);
	/* An agent that never wrote: L0 says there is nothing, not an empty bundle. */
	assert_int_equal(bochs_results_disk_read(disk, bundle), -ENODATA);

	fake_l1_init(&f, "through the disk");
	assert_int_equal(bundle_send(&f.a), 0);
	assert_int_equal(bochs_results_disk_read(disk, bundle), 0);
	assert_int_equal(read_file(bundle, &text, NULL), 0);
	assert_bundle_text(text, "through the disk");
	fake_l1_free(&f);
	(void)unlink(disk);
	(void)unlink(other);
}

/* libvirt's L1: the named virtio-serial port, found by its sysfs name. */
static void virtio_port_by_name(void **state)
{
	_cleanup_free_ char *other_dir = in_top("ports/vport0p1"), *port_dir = in_top("ports/vport0p2");
	_cleanup_free_ char *other_name = in_top("ports/vport0p1/name");
	_cleanup_free_ char *port_name = in_top("ports/vport0p2/name");
	_cleanup_free_ char *port = in_top("dev/vport0p2"), *text = NULL;
	struct fake_l1 f;
	size_t len;

	(void)state;
	assert_int_equal(mkdir_p(other_dir, 0755), 0);
	assert_int_equal(mkdir_p(port_dir, 0755), 0);
	assert_int_equal(write_file_atomic(other_name, "org.qemu.guest_agent.0\n", 23), 0);
	assert_int_equal(write_file_atomic(port_name, EXITLAB_BUNDLE_PORT "\n",
					   strlen(EXITLAB_BUNDLE_PORT) + 1), 0);
	assert_int_equal(write_file_atomic(port, "", 0), 0);

	fake_l1_init(&f, "through the port");
	assert_int_equal(bundle_send(&f.a), 0);
	assert_int_equal(read_file(port, &text, &len), 0);
	/* One line: L0 reads the port's file as it comes. */
	assert_true(len > 0 && text[len - 1] == '\n');
	assert_null(memchr(text, '\n', len - 1));
	assert_bundle_text(text, "through the port");
	fake_l1_free(&f);
	(void)unlink(port_name);
	(void)unlink(other_name);
}

static void write_model(const char *disk, const char *model)
{
	_cleanup_free_ char *dir = xasprintf("%s/block/%s/device", top, disk);
	_cleanup_free_ char *path = xasprintf("%s/model", dir);

	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(write_file_atomic(path, model, strlen(model)), 0);
}

/*
 * Bochs' L1: IDE disks in whatever order, the seed and L2's root known by
 * their ATA model as sysfs shows it (INQUIRY's 16 blank-padded characters).
 */
static void l0_disks_by_model(void **state)
{
	_cleanup_free_ char *seed = NULL, *root = NULL, *none = NULL, *want_seed = in_top("dev/sdc");
	_cleanup_free_ char *want_root = in_top("dev/sde"), *vdb = in_top("dev/vdb");
	_cleanup_free_ char *fixed = NULL, *fallback = NULL, *missing = NULL;
	struct fake_l1 f;

	(void)state;
	/* sysfs' model is SCSI's product field: the contract's names must fit it. */
	assert_true(strlen(EXITLAB_SEED_DISK_MODEL) <= 16);
	assert_true(strlen(EXITLAB_L2_ROOT_DISK_MODEL) <= 16);
	write_model("sda", "Generic 1234    \n");
	write_model("sdb", "EXITLAB-SEED-X  \n"); /* a longer name is another disk */
	write_model("sdc", "EXITLAB-SEED    \n");
	write_model("sde", EXITLAB_L2_ROOT_DISK_MODEL " \n");
	fake_l1_init(&f, "unused");
	seed = bundle_disk_by_model(&f.paths, EXITLAB_SEED_DISK_MODEL);
	root = bundle_disk_by_model(&f.paths, EXITLAB_L2_ROOT_DISK_MODEL);
	none = bundle_disk_by_model(&f.paths, "EXITLAB-NONE");
	assert_non_null(seed);
	assert_string_equal(seed, want_seed);
	assert_non_null(root);
	assert_string_equal(root, want_root);
	assert_null(none);

	/* libvirt's virtio disk first, where it exists; the model's disk otherwise. */
	assert_int_equal(write_file_atomic(vdb, "", 0), 0);
	fixed = bundle_l0_disk(&f.paths, vdb, EXITLAB_SEED_DISK_MODEL);
	assert_string_equal(fixed, vdb);
	(void)unlink(vdb);
	fallback = bundle_l0_disk(&f.paths, vdb, EXITLAB_SEED_DISK_MODEL);
	assert_string_equal(fallback, want_seed);
	/* Neither: the fixed path, for the agent's message. */
	missing = bundle_l0_disk(&f.paths, vdb, "EXITLAB-NONE");
	assert_string_equal(missing, vdb);
	fake_l1_free(&f);
}

/* L0's side: the full chain's Bochs gets L2's disk and the seed's model; the minimal one neither. */
static void bochs_config_disks(void **state)
{
	struct bochs_l1 b = { .kernel = "k", .initrd = "i", .l1_image = "/img/l1.img",
			      .work_dir = "/w", .cmdline = "", .memory_mib = 1024,
			      .console_log = "/w/console" };
	_cleanup_free_ char *minimal = NULL, *full = NULL;

	(void)state;
	minimal = bochs_config(&b, "/w/boot.img", "/w/results.img", "/w/l1.redolog",
			       "/w/l2.redolog", "/w/bochs.log");
	assert_null(strstr(minimal, "ata1-slave"));
	assert_null(strstr(minimal, "model=\""));
	assert_non_null(strstr(minimal, "memory: guest=1024, host=1024\n"));

	b.l2_image = "/img/l2.img";
	b.seed_dir = "/r/seed";
	b.memory_mib = 4096;
	full = bochs_config(&b, "/w/boot.img", "/w/results.img", "/w/l1.redolog",
			    "/w/l2.redolog", "/w/bochs.log");
	assert_non_null(strstr(full, "ata0-master: type=disk, path=\"/w/boot.img\", mode=flat, "
				     "model=\"" EXITLAB_SEED_DISK_MODEL "\"\n"));
	/* Volatile: L2's writes go to the run's redo log, never into the cached image. */
	assert_non_null(strstr(full, "ata1-slave: type=disk, path=\"/img/l2.img\", mode=volatile, "
				     "journal=\"/w/l2.redolog\", model=\"" EXITLAB_L2_ROOT_DISK_MODEL
				     "\"\n"));
	/* Bochs takes at most 2048 MiB of the host's memory for a guest. */
	assert_non_null(strstr(full, "memory: guest=4096, host=2048\n"));
}

static void nowhere_to_send(void **state)
{
	struct fake_l1 f;

	(void)state;
	fake_l1_init(&f, "lost");
	assert_int_equal(bundle_send(&f.a), -ENOENT);
	fake_l1_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(results_disk_round_trip),
		cmocka_unit_test(virtio_port_by_name),
		cmocka_unit_test(l0_disks_by_model),
		cmocka_unit_test(bochs_config_disks),
		cmocka_unit_test(nowhere_to_send),
	};

	log_init();
	return cmocka_run_group_tests_name("contract", tests, setup, teardown);
}
