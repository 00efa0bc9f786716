// SPDX-License-Identifier: GPL-2.0-only
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* newc: "070701", 13 fields of 8 hex digits, the name, both padded to 4 bytes. */
static int write_entry(int fd, unsigned ino, unsigned mode, const char *name, const char *data,
		       size_t size)
{
	static const char zeros[4];
	size_t namesize = strlen(name) + 1;
	char header[128];
	int r;

	snprintf(header, sizeof(header),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u, 0u,
		 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)namesize, 0u);
	r = write_all(fd, header, 110);
	if (r == 0)
		r = write_all(fd, name, namesize);
	if (r == 0)
		r = write_all(fd, zeros, (4 - (110 + namesize) % 4) % 4);
	if (r == 0 && size)
		r = write_all(fd, data, size);
	if (r == 0)
		r = write_all(fd, zeros, (4 - size % 4) % 4);
	return r;
}

int cpio_write_single(const char *archive_path, const char *name, const char *src_path)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	size_t size;
	int r;

	r = read_file(src_path, &data, &size);
	if (r < 0)
		return r;
	if (size > 0xFFFFFFFFu)
		return -EFBIG; /* newc sizes are 32-bit */
	fd = open(archive_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_entry(fd, 1, S_IFREG | 0755, name, data, size);
	if (r == 0)
		r = write_entry(fd, 0, 0, "TRAILER!!!", NULL, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r;
}
