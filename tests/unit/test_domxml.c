// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

#include "xpath_assert.h"
#include "../../lab/common/domxml.h"

static struct dom_config l1_like(void)
{
	struct dom_config c = {
		.name = "exitlab-l1-t",
		.accel = DOM_ACCEL_TCG,
		.cpu = DOM_CPU_EPYC_SVM,
		.memory_mib = 4096,
		.vcpus = 2,
		.kernel = "/img/vmlinuz",
		.initrd = "/img/initrd.img",
		.cmdline = "root=/dev/vda a=<b>&c \"q\"",
		.disks = {
			{ .path = "/r/l1.qcow2", .format = "qcow2", .target = "vda" },
			{ .path = "/r/seed.iso", .format = "raw", .target = "vdb", .readonly = true },
			{ .path = "/dev/vdc", .format = "raw", .target = "vdc", .block = true },
		},
		.n_disks = 3,
		.channels = { { .name = "org.exitlab.bundle", .path = "/r/bundle" } },
		.n_channels = 1,
		.console_log = "/r/console.log",
	};
	return c;
}


static void tcg_svm_domain(void **state)
{
	struct dom_config c = l1_like();
	char *xml = NULL;

	(void)state;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/@type)", "qemu");
	assert_xpath(xml, "string(/domain/cpu/@mode)", "custom");
	assert_xpath(xml, "string(/domain/cpu/model)", "EPYC");
	assert_xpath(xml, "string(/domain/cpu/feature[@name='svm']/@policy)", "require");
	assert_xpath(xml, "string(/domain/memory)", "4096");
	assert_xpath(xml, "string(/domain/memory/@unit)", "MiB");
	assert_xpath(xml, "string(/domain/vcpu)", "2");
	assert_xpath(xml, "string(/domain/os/kernel)", "/img/vmlinuz");
	assert_xpath(xml, "string(/domain/os/cmdline)", "root=/dev/vda a=<b>&c \"q\"");
	assert_xpath(xml, "string(/domain/on_poweroff)", "destroy");
	assert_xpath(xml, "string(/domain/on_reboot)", "destroy");
	assert_xpath(xml, "string(count(/domain/features/acpi))", "1");
	assert_xpath(xml, "string(count(/domain/devices/disk))", "3");
	assert_xpath(xml, "string(/domain/devices/disk[target/@dev='vda']/driver/@type)", "qcow2");
	assert_xpath(xml, "string(/domain/devices/disk[target/@dev='vda']/source/@file)", "/r/l1.qcow2");
	assert_xpath(xml, "string(count(/domain/devices/disk[target/@dev='vdb']/readonly))", "1");
	assert_xpath(xml, "string(/domain/devices/disk[target/@dev='vdc']/@type)", "block");
	assert_xpath(xml, "string(/domain/devices/disk[target/@dev='vdc']/source/@dev)", "/dev/vdc");
	assert_xpath(xml, "string(/domain/devices/channel/target/@name)", "org.exitlab.bundle");
	assert_xpath(xml, "string(/domain/devices/channel/source/@path)", "/r/bundle");
	assert_xpath(xml, "string(/domain/devices/serial/source/@path)", "/r/console.log");
	assert_xpath(xml, "string(count(/domain/devices/interface))", "0");
	/* No USB controller: libvirt adds one to a "pc" machine unless told not to. */
	assert_xpath(xml, "string(/domain/devices/controller[@type='usb']/@model)", "none");
	assert_xpath(xml, "string(/domain/devices/memballoon/@model)", "none");
	/* QEMU's own translation cache size unless asked. */
	assert_xpath(xml, "string(count(/domain/features/tcg))", "0");
	/* SeaBIOS, libvirt's default, unless a ROM is named. */
	assert_xpath(xml, "string(count(/domain/os/loader))", "0");
	free(xml);
}

/* qboot as the BIOS: libvirt's <loader type='rom'>, which it passes as -bios. */
static void firmware_rom_loader(void **state)
{
	struct dom_config c = l1_like();
	char *xml = NULL;

	(void)state;
	c.firmware_rom = DOM_QBOOT_ROM;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/os/loader)", "/usr/share/qemu/qboot.rom");
	assert_xpath(xml, "string(/domain/os/loader/@type)", "rom");
	assert_xpath(xml, "string(/domain/os/loader/@readonly)", "yes");
	/* libvirt's schema: <loader> between <type> and <kernel>. */
	assert_xpath(xml, "name(/domain/os/loader/preceding-sibling::*[1])", "type");
	assert_xpath(xml, "name(/domain/os/loader/following-sibling::*[1])", "kernel");
	free(xml);
}

/* --tb-cache: libvirt's <tcg><tb-cache>, under TCG only (KVM has none). */
static void tcg_translation_cache(void **state)
{
	struct dom_config c = l1_like();
	char *xml = NULL;

	(void)state;
	c.tcg_tb_cache_mib = 2048;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/features/tcg/tb-cache)", "2048");
	assert_xpath(xml, "string(/domain/features/tcg/tb-cache/@unit)", "MiB");
	free(xml);
	c.accel = DOM_ACCEL_KVM;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(count(/domain/features/tcg))", "0");
	free(xml);
}

static void kvm_host_domain(void **state)
{
	struct dom_config c = l1_like();
	char *xml = NULL;

	(void)state;
	c.accel = DOM_ACCEL_KVM;
	c.cpu = DOM_CPU_HOST;
	c.n_channels = 0;
	c.console_log = NULL;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/@type)", "kvm");
	assert_xpath(xml, "string(/domain/cpu/@mode)", "host-passthrough");
	assert_xpath(xml, "string(count(/domain/cpu/feature))", "0");
	assert_xpath(xml, "string(count(/domain/devices/channel))", "0");
	assert_xpath(xml, "string(count(/domain/devices/serial))", "0");
	free(xml);
}

/* L2 with the phases: a NIC towards L1 and a reboot that keeps the VM. */
static void l2_with_network_and_reboot(void **state)
{
	struct dom_config c = l1_like();
	char *xml = NULL;

	(void)state;
	c.user_network = true;
	c.reboot_in_place = true;
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/devices/interface/@type)", "user");
	assert_xpath(xml, "string(/domain/devices/interface/model/@type)", "virtio");
	assert_xpath(xml, "string(/domain/on_reboot)", "restart");
	assert_xpath(xml, "string(/domain/on_poweroff)", "destroy");
	assert_xpath(xml, "string(/domain/vcpu)", "2");
	assert_xpath(xml, "count(/domain/vcpu/@cpuset)", "0");
	free(xml);
	c.vcpu_cpuset = "1-3";
	assert_int_equal(dom_config_to_xml(&c, &xml), 0);
	assert_xpath(xml, "string(/domain/vcpu)", "2");
	assert_xpath(xml, "string(/domain/vcpu/@cpuset)", "1-3");
	assert_xpath(xml, "string(/domain/vcpu/@placement)", "static");
	free(xml);
}

static void rejects_incomplete_config(void **state)
{
	struct dom_config c;
	char *xml = NULL;

	(void)state;
	c = l1_like();
	c.kernel = NULL;
	assert_int_equal(dom_config_to_xml(&c, &xml), -EINVAL);
	c = l1_like();
	c.vcpus = 0;
	assert_int_equal(dom_config_to_xml(&c, &xml), -EINVAL);
	c = l1_like();
	c.disks[1].target = NULL;
	assert_int_equal(dom_config_to_xml(&c, &xml), -EINVAL);
	c = l1_like();
	c.n_disks = DOM_MAX_DISKS + 1;
	assert_int_equal(dom_config_to_xml(&c, &xml), -EINVAL);
	c = l1_like();
	c.channels[0].path = NULL;
	assert_int_equal(dom_config_to_xml(&c, &xml), -EINVAL);
	assert_null(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcg_svm_domain),
		cmocka_unit_test(firmware_rom_loader),
		cmocka_unit_test(tcg_translation_cache),
		cmocka_unit_test(kvm_host_domain),
		cmocka_unit_test(l2_with_network_and_reboot),
		cmocka_unit_test(rejects_incomplete_config),
	};

	return cmocka_run_group_tests_name("domxml", tests, NULL, NULL);
}
