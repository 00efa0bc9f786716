// SPDX-License-Identifier: GPL-2.0-only
#include "net_sink.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exitlab/contract.h"

static void *net_sink_main(void *opaque)
{
	struct net_sink *s = opaque;
	static char buf[65536];

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		ssize_t n;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return NULL; /* closed by net_sink_stop */
		}
		while ((n = read(c, buf, sizeof(buf))) > 0)
			__atomic_add_fetch(&s->bytes, (unsigned long long)n, __ATOMIC_RELAXED);
		(void)close(c);
	}
}

int net_sink_start(struct net_sink *s)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(EXITLAB_NET_SINK_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;

	s->bytes = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s->fd, 4) < 0 ||
	    pthread_create(&s->thread, NULL, net_sink_main, s) != 0) {
		int r = -errno;

		(void)close(s->fd);
		s->fd = -1;
		return r ? r : -EIO;
	}
	return 0;
}

void net_sink_stop(struct net_sink *s)
{
	if (s->fd < 0)
		return;
	(void)shutdown(s->fd, SHUT_RDWR);
	(void)close(s->fd);
	(void)pthread_join(s->thread, NULL);
	s->fd = -1;
}
