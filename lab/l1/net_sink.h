/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_NET_SINK_H
#define EXITLAB_NET_SINK_H

#include <pthread.h>

/*
 * Where L2's network I/O ends: QEMU's user network delivers L2's connection
 * to 10.0.2.2 here, on L1's loopback. Counts and discards.
 */
struct net_sink {
	int fd;
	pthread_t thread;
	unsigned long long bytes;
};

/* Listens on 127.0.0.1:EXITLAB_NET_SINK_PORT from a thread. 0 or a negative errno. */
int net_sink_start(struct net_sink *s);

/* Closes the socket and joins the thread; s->bytes is then final. */
void net_sink_stop(struct net_sink *s);

#endif
