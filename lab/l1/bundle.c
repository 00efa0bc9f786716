// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bundle's way to L0: the virtio-serial port libvirt's L1 has, or the
 * raw results disk Bochs' L1 has instead (exitlab/contract.h).
 */
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "exitlab/contract.h"
#include "util.h"

/* /dev/vportNpM of a named virtio-serial port: L1 runs without udev's symlinks. */
static char *find_port(const struct agent_paths *paths, const char *name)
{
	_cleanup_(closedirp) DIR *d = opendir(paths->virtio_ports);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *value = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s/name", paths->virtio_ports, de->d_name);
		if (read_file(path, &value, NULL) < 0)
			continue;
		value[strcspn(value, "\n")] = '\0';
		if (strcmp(value, name) == 0)
			return xasprintf("%s/%s", paths->dev, de->d_name);
	}
	return NULL;
}

/*
 * /dev/sdX of the results disk an L0 without virtio-serial (Bochs) attaches:
 * the one whose first sector starts with the magic L0 wrote there.
 */
static char *find_results_disk(const struct agent_paths *paths)
{
	_cleanup_(closedirp) DIR *d = opendir(paths->block_devices);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		char head[sizeof(EXITLAB_RESULTS_DISK_MAGIC)];

		if (strncmp(de->d_name, "sd", 2) != 0)
			continue;
		path = xasprintf("%s/%s", paths->dev, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, head, sizeof(head) - 1) == (ssize_t)sizeof(head) - 1 &&
		    memcmp(head, EXITLAB_RESULTS_DISK_MAGIC, sizeof(head) - 1) == 0)
			return TAKE_PTR(path);
	}
	return NULL;
}

char *bundle_disk_by_model(const struct agent_paths *paths, const char *model)
{
	_cleanup_(closedirp) DIR *d = opendir(paths->block_devices);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *value = NULL;
		size_t n;

		if (strncmp(de->d_name, "sd", 2) != 0)
			continue;
		path = xasprintf("%s/%s/device/model", paths->block_devices, de->d_name);
		if (read_file(path, &value, NULL) < 0)
			continue;
		/* SCSI's INQUIRY pads the product with blanks; sysfs adds a newline. */
		n = strlen(value);
		while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\n'))
			value[--n] = '\0';
		if (strcmp(value, model) == 0)
			return xasprintf("%s/%s", paths->dev, de->d_name);
	}
	return NULL;
}

char *bundle_l0_disk(const struct agent_paths *paths, const char *fixed, const char *model)
{
	char *found;

	if (access(fixed, F_OK) == 0)
		return strdup(fixed);
	found = bundle_disk_by_model(paths, model);
	return found ? found : strdup(fixed);
}

int bundle_send(struct agent *a)
{
	const char *text = json_object_to_json_string_ext(a->bundle, JSON_C_TO_STRING_PLAIN);
	_cleanup_free_ char *port = find_port(a->paths, EXITLAB_BUNDLE_PORT);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);
	int r;

	if (!port) {
		_cleanup_free_ char *disk = find_results_disk(a->paths);

		if (!disk) {
			log_error("neither a virtio-serial port %s nor a results disk: cannot send "
				  "results to L0", EXITLAB_BUNDLE_PORT);
			return -ENOENT;
		}
		if (len + 1 > EXITLAB_RESULTS_DISK_SIZE - EXITLAB_RESULTS_DISK_OFFSET) {
			log_error("results (%zu bytes) do not fit the results disk", len);
			return -E2BIG;
		}
		fd = open(disk, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || lseek(fd, EXITLAB_RESULTS_DISK_OFFSET, SEEK_SET) < 0) {
			log_error("cannot write %s: %s", disk, strerror(errno));
			return -errno;
		}
		/* NUL-terminated: L0 reads up to it. */
		r = write_all(fd, text, len + 1);
		if (r == 0 && fsync(fd) < 0)
			r = -errno;
		if (r < 0)
			log_error("writing the results disk failed: %s", strerror(-r));
		else
			log_info("L1: wrote %zu bytes of results to %s", len + 1, disk);
		return r;
	}
	fd = open(port, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open %s: %s", port, strerror(errno));
		return -errno;
	}
	r = write_all(fd, text, len);
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r < 0) {
		log_error("writing the bundle failed: %s", strerror(-r));
		return r;
	}
	(void)fsync(fd);
	log_info("L1: sent %zu bytes of results to L0", len + 1);
	/*
	 * A virtio-serial port acknowledges nothing: what is written waits in
	 * the queue until L0's QEMU takes it, and a power-off first would cut
	 * the bundle short (a host timeline makes it megabytes). A second per
	 * MiB, at least two, before L1 goes.
	 */
	(void)sleep(2 + (unsigned)(len >> 20));
	return 0;
}
