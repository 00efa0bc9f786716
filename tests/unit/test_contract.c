// SPDX-License-Identifier: GPL-2.0-only
/*
 * Both ends of the L0-L1 bundle transport (exitlab/contract.h) against each
 * other: the agent's bundle_send() on a fake sysfs and /dev, and L0's side
 * of the results disk (bochs.c) that creates the disk and reads it back.
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
		cmocka_unit_test(nowhere_to_send),
	};

	log_init();
	return cmocka_run_group_tests_name("contract", tests, setup, teardown);
}
