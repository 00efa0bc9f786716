// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-agent: the program L1's init (lab/l1-init) execs. It runs only
 * inside L1, from the L1 image; L0's exitlab never runs it. Here the
 * agent's sequence is bound to L1 itself: its modules, its libvirt, its
 * QEMU, its virtio-serial port or results disk.
 */
#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "agent.h"
#include "bundle.h"
#include "kvm_modules.h"
#include "l2_launcher.h"
#include "reaper.h"
#include "util.h"
#include "vm.h"

static const struct agent_system l1_system = {
	.paths = &agent_l1_paths,
	.init = vm_init,
	.load_kvm = kvm_load_patched,
	.load_kvm_as = kvm_load,
	.spare_cpu0 = agent_spare_cpu0,
	.through_libvirt = &l2_through_libvirt,
	.direct = &l2_direct_qemu,
	/* L0 gives L1 up after 30 s of silence (its L1_SILENCE_S). */
	.heartbeat_s = 5,
	.send_bundle = bundle_send,
};

int main(void)
{
	int r;
	pid_t agent = -1;

	log_init();
	/* PID 1 reaps (reaper.h); its child is the agent. */
	if (getpid() == 1)
		agent = fork();
	if (agent == 0 || agent < 0) {
		if (getpid() == 1)
			log_error("L1: cannot fork the agent off PID 1 (%s): orphans go unreaped",
				  strerror(errno));
		r = agent_run(&l1_system);
		sync();
		if (getpid() != 1)
			return r == 0 ? 0 : 1;
	} else {
		r = reaper_wait_for(agent);
		sync();
	}
	log_info("L1: powering off");
	(void)reboot(RB_POWER_OFF);
	return r == 0 ? 0 : 1;
}
