// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain XML written with libxml2's writer, never pasted from strings, so
 * paths and command lines with markup characters stay correct.
 */
#include "domxml.h"

#include <errno.h>
#include <libxml/xmlwriter.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void xml_bufferp(xmlBufferPtr *b)
{
	if (*b)
		xmlBufferFree(*b);
}

static void xml_writerp(xmlTextWriterPtr *w)
{
	if (*w)
		xmlFreeTextWriter(*w);
}

#define X(call)                  \
	do {                     \
		if ((call) < 0)  \
			return -EIO; \
	} while (0)

static int elem_text(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static int start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name);
}

static int end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w);
}

static int write_cpu(xmlTextWriterPtr w, const struct dom_config *cfg)
{
	X(start(w, "cpu"));
	if (cfg->cpu == DOM_CPU_HOST) {
		X(attr(w, "mode", "host-passthrough"));
	} else {
		X(attr(w, "mode", "custom"));
		X(attr(w, "match", "exact"));
		X(start(w, "model"));
		X(attr(w, "fallback", "allow"));
		X(xmlTextWriterWriteString(w, BAD_CAST "EPYC"));
		X(end(w));
		X(start(w, "feature"));
		X(attr(w, "policy", "require"));
		X(attr(w, "name", "svm"));
		X(end(w));
	}
	X(start(w, "topology"));
	{
		char n[16];

		snprintf(n, sizeof(n), "%u", cfg->vcpus);
		X(attr(w, "sockets", "1"));
		X(attr(w, "dies", "1"));
		X(attr(w, "cores", n));
		X(attr(w, "threads", "1"));
	}
	X(end(w));
	return end(w);
}

static int write_disk(xmlTextWriterPtr w, const struct dom_disk *d)
{
	X(start(w, "disk"));
	X(attr(w, "type", d->block ? "block" : "file"));
	X(attr(w, "device", "disk"));
	X(start(w, "driver"));
	X(attr(w, "name", "qemu"));
	X(attr(w, "type", d->format));
	X(end(w));
	X(start(w, "source"));
	X(attr(w, d->block ? "dev" : "file", d->path));
	X(end(w));
	X(start(w, "target"));
	X(attr(w, "dev", d->target));
	X(attr(w, "bus", "virtio"));
	X(end(w));
	if (d->readonly) {
		X(start(w, "readonly"));
		X(end(w));
	}
	return end(w);
}

static int write_file_chardev(xmlTextWriterPtr w, const char *kind, const char *path)
{
	X(start(w, kind));
	X(attr(w, "type", "file"));
	X(start(w, "source"));
	X(attr(w, "path", path));
	X(attr(w, "append", "off"));
	X(end(w));
	return 0; /* caller writes the target and closes the element */
}

static int write_devices(xmlTextWriterPtr w, const struct dom_config *cfg)
{
	unsigned i;

	X(start(w, "devices"));
	if (cfg->emulator)
		X(elem_text(w, "emulator", cfg->emulator));
	for (i = 0; i < cfg->n_disks; i++)
		X(write_disk(w, &cfg->disks[i]));
	if (cfg->console_log) {
		X(write_file_chardev(w, "serial", cfg->console_log));
		X(start(w, "target"));
		X(attr(w, "port", "0"));
		X(end(w));
		X(end(w));
	}
	for (i = 0; i < cfg->n_channels; i++) {
		X(write_file_chardev(w, "channel", cfg->channels[i].path));
		X(start(w, "target"));
		X(attr(w, "type", "virtio"));
		X(attr(w, "name", cfg->channels[i].name));
		X(end(w));
		X(end(w));
	}
	if (cfg->user_network) {
		X(start(w, "interface"));
		X(attr(w, "type", "user"));
		X(start(w, "model"));
		X(attr(w, "type", "virtio"));
		X(end(w));
		X(end(w));
	}
	/*
	 * No USB, graphics or balloon, and a network only when asked for: every
	 * device is probed by the guest's kernel and udev, seconds under nested
	 * emulation, and a source of exits the phases do not ask for.
	 */
	X(start(w, "controller"));
	X(attr(w, "type", "usb"));
	X(attr(w, "model", "none"));
	X(end(w));
	X(start(w, "memballoon"));
	X(attr(w, "model", "none"));
	X(end(w));
	return end(w);
}

static bool dom_config_valid(const struct dom_config *cfg)
{
	unsigned i;

	if (!cfg->name || !*cfg->name || !cfg->kernel || !cfg->cmdline || cfg->vcpus == 0 ||
	    cfg->memory_mib < 64 || cfg->n_disks > DOM_MAX_DISKS ||
	    cfg->n_channels > DOM_MAX_CHANNELS)
		return false;
	for (i = 0; i < cfg->n_disks; i++) {
		const struct dom_disk *d = &cfg->disks[i];

		if (!d->path || !d->format || !d->target)
			return false;
	}
	for (i = 0; i < cfg->n_channels; i++) {
		if (!cfg->channels[i].name || !cfg->channels[i].path)
			return false;
	}
	return true;
}

const char *dom_qboot_rom(void)
{
	return access(DOM_QBOOT_ROM, R_OK) == 0 ? DOM_QBOOT_ROM : NULL;
}

int dom_config_to_xml(const struct dom_config *cfg, char **ret_xml)
{
	_cleanup_(xml_bufferp) xmlBufferPtr buf = NULL;
	_cleanup_(xml_writerp) xmlTextWriterPtr w = NULL;
	char num[32];

	if (!dom_config_valid(cfg))
		return -EINVAL;
	buf = xmlBufferCreate();
	if (!buf)
		return -ENOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w)
		return -ENOMEM;
	X(xmlTextWriterSetIndent(w, 1));
	X(xmlTextWriterStartDocument(w, NULL, NULL, NULL));
	X(start(w, "domain"));
	X(attr(w, "type", cfg->accel == DOM_ACCEL_KVM ? "kvm" : "qemu"));
	X(elem_text(w, "name", cfg->name));
	X(start(w, "memory"));
	X(attr(w, "unit", "MiB"));
	snprintf(num, sizeof(num), "%u", cfg->memory_mib);
	X(xmlTextWriterWriteString(w, BAD_CAST num));
	X(end(w));
	snprintf(num, sizeof(num), "%u", cfg->vcpus);
	X(start(w, "vcpu"));
	if (cfg->vcpu_cpuset) {
		X(attr(w, "placement", "static"));
		X(attr(w, "cpuset", cfg->vcpu_cpuset));
	}
	X(xmlTextWriterWriteString(w, BAD_CAST num));
	X(end(w));

	X(start(w, "os"));
	X(start(w, "type"));
	X(attr(w, "arch", "x86_64"));
	X(attr(w, "machine", "pc"));
	X(xmlTextWriterWriteString(w, BAD_CAST "hvm"));
	X(end(w));
	if (cfg->firmware_rom) {
		X(start(w, "loader"));
		X(attr(w, "type", "rom"));
		X(attr(w, "readonly", "yes"));
		X(xmlTextWriterWriteString(w, BAD_CAST cfg->firmware_rom));
		X(end(w));
	}
	X(elem_text(w, "kernel", cfg->kernel));
	if (cfg->initrd)
		X(elem_text(w, "initrd", cfg->initrd));
	X(elem_text(w, "cmdline", cfg->cmdline));
	X(end(w));

	/* Without ACPI/APIC libvirt adds -no-acpi, and a Linux guest resets once. */
	X(start(w, "features"));
	X(start(w, "acpi"));
	X(end(w));
	X(start(w, "apic"));
	X(end(w));
	if (cfg->accel == DOM_ACCEL_TCG && cfg->tcg_tb_cache_mib) {
		X(start(w, "tcg"));
		X(start(w, "tb-cache"));
		X(attr(w, "unit", "MiB"));
		X(xmlTextWriterWriteFormatString(w, "%u", cfg->tcg_tb_cache_mib));
		X(end(w));
		X(end(w));
	}
	X(end(w));
	X(write_cpu(w, cfg));
	X(elem_text(w, "on_poweroff", "destroy"));
	X(elem_text(w, "on_reboot", cfg->reboot_in_place ? "restart" : "destroy"));
	X(elem_text(w, "on_crash", "destroy"));
	X(write_devices(w, cfg));
	X(end(w));
	X(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(TAKE_PTR(w));

	*ret_xml = strdup((const char *)xmlBufferContent(buf));
	return *ret_xml ? 0 : -ENOMEM;
}
