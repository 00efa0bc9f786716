// SPDX-License-Identifier: GPL-2.0-only
#include "debugfs_watch.h"

#include <dirent.h>
#include <sys/mount.h>
#include <unistd.h>

#include "util.h"

#define KVM_DEBUGFS "/sys/kernel/debug/kvm"

static void debugfs_watch_once(struct debugfs_watch *w)
{
	DIR *d = opendir(KVM_DEBUGFS);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *text = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf(KVM_DEBUGFS "/%s/exit_stats", de->d_name);
		if (read_file(path, &text, NULL) < 0)
			continue;
		pthread_mutex_lock(&w->lock);
		json_object_object_add(w->last, de->d_name, json_object_new_string(text));
		pthread_mutex_unlock(&w->lock);
	}
	(void)closedir(d);
}

static void *debugfs_watch_main(void *opaque)
{
	struct debugfs_watch *w = opaque;
	unsigned tick = 0;

	while (!w->stop) {
		if (tick++ % 20 == 0)
			debugfs_watch_once(w);
		usleep(100 * 1000);
	}
	return NULL;
}

void debugfs_watch_start(struct debugfs_watch *w)
{
	if (access(KVM_DEBUGFS, F_OK) < 0)
		(void)mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	pthread_mutex_init(&w->lock, NULL);
	w->last = json_object_new_object();
	w->stop = false;
	w->started = pthread_create(&w->thread, NULL, debugfs_watch_main, w) == 0;
}

void debugfs_watch_stop(struct debugfs_watch *w, struct json_object *l2)
{
	w->stop = true;
	if (w->started)
		(void)pthread_join(w->thread, NULL);
	json_object_object_add(l2, "kvm_debugfs_exit_stats", w->last);
	pthread_mutex_destroy(&w->lock);
}
