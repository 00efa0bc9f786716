// SPDX-License-Identifier: GPL-2.0-only
#include "probe_vm.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "agent.h"
#include "child.h"
#include "cpio.h"
#include "exitlab/contract.h"
#include "util.h"

int probe_vm_spawn(const struct agent *a, const struct probe_vm *vm, pid_t *ret_pid)
{
	_cleanup_free_ char *kernel = NULL, *append = NULL, *console = NULL, *results = NULL;
	_cleanup_free_ char *memory = xasprintf("%u", vm->memory_mib);
	_cleanup_free_ char *smp = xasprintf("%u", vm->vcpus);
	struct utsname u;
	int r;

	(void)uname(&u);
	kernel = xasprintf("/boot/vmlinuz-%s", u.release);
	append = xasprintf("console=ttyS0 %s panic=-1 rdinit=/init -- %s",
			   vm->verbose ? "earlyprintk=ttyS0" : "quiet", vm->probe_args);
	console = xasprintf("file:%s", vm->console_path);
	if (vm->results_path)
		results = xasprintf("file:%s", vm->results_path);
	r = cpio_write_single(a->paths->l2_initramfs, "init", EXITLAB_PROBE_PATH);
	if (r < 0)
		return r;
	{
		char *argv[] = {
			"qemu-system-x86_64", "-enable-kvm", "-cpu", "host", "-m", memory, "-smp", smp,
			"-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
			"-no-reboot", "-kernel", kernel, "-initrd", (char *)a->paths->l2_initramfs, "-append", append,
			"-serial", console, results ? "-serial" : NULL, results, NULL
		};

		return child_spawn(argv, vm->qemu_log, ret_pid);
	}
}

/*
 * The second VM: the probe as its init sampling its own leaves ten times a
 * second, so that it exits steadily while L2 runs. Verbose: it has been seen
 * to end early, QEMU exiting 0 with nothing on a quiet console.
 */
int second_vm_start(const struct agent *a, pid_t *ret_pid)
{
	_cleanup_free_ char *console = xasprintf("%s/second-vm.log", a->paths->run_dir);
	_cleanup_free_ char *qemu_log = xasprintf("%s/second-vm-qemu.log", a->paths->run_dir);
	const struct probe_vm vm = {
		.memory_mib = 256,
		.vcpus = 1,
		.probe_args = "sample --interval 100 --out /dev/null",
		.console_path = console,
		.qemu_log = qemu_log,
		.verbose = true,
	};

	return probe_vm_spawn(a, &vm, ret_pid);
}

/*
 * Stops the second VM and records whether it was still running when L2
 * ended, with the ends of its console and of QEMU's output: a second VM that
 * stopped early is why an interval can hold none of its exits.
 */
void second_vm_stop(const struct agent *a, struct json_object *l2, pid_t pid)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *console_path = xasprintf("%s/second-vm.log", a->paths->run_dir);
	_cleanup_free_ char *qemu_path = xasprintf("%s/second-vm-qemu.log", a->paths->run_dir);
	_cleanup_free_ char *console = file_tail(console_path, 20);
	_cleanup_free_ char *qemu = file_tail(qemu_path, 20);
	int status;
	pid_t w = waitpid(pid, &status, WNOHANG);
	int waitpid_errno = w < 0 ? errno : 0;

	/* Not knowing (waitpid failed) is recorded as such, not as "stopped". */
	json_object_object_add(o, "running_at_end",
			       w < 0 ? NULL : json_object_new_boolean(w == 0));
	if (w == pid)
		json_object_object_add(o, "exit_status", json_object_new_int(exit_code(status)));
	else
		child_stop(pid);
	agent_add_str(o, "console_tail", console);
	agent_add_str(o, "qemu_log_tail", qemu);
	json_object_object_add(l2, "second_vm", o);
	if (w < 0)
		log_error("L1: cannot tell whether the second VM was still running: %s",
			  strerror(waitpid_errno));
	else if (w == pid)
		log_error("L1: the second VM had stopped before L2 ended");
}
