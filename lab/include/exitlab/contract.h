/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EXITLAB_CONTRACT_H
#define EXITLAB_CONTRACT_H

/*
 * What L0 (exitlab) and L1 (exitlab-agent) agree on. They are built from
 * one tree, but run from different images: a cached L1 image can hold an
 * agent older than the orchestrator. So both sides check the version: L0
 * passes it on L1's command line (exitlab.contract=), the agent refuses
 * another one, and the agent's bundle carries it back in its schema name.
 * Bump it whenever anything below or the bundle's fields change meaning.
 */
#define EXITLAB_CONTRACT_VERSION 3
#define EXITLAB_BUNDLE_SCHEMA "exitlab-l1/1"

/* The virtio-serial port that carries the agent's bundle from L1 to L0. */
#define EXITLAB_BUNDLE_PORT "org.exitlab.bundle"

/* The virtio-serial port on which L2's probe output reaches L1. */
#define EXITLAB_RESULTS_PORT "org.exitlab.results"

/* The probe, at the same path in L1's and L2's images (top Makefile's overlay step). */
#define EXITLAB_PROBE_PATH "/usr/local/bin/exitlab-probe"

/*
 * Where L1's image carries L2's own kernel and initramfs (images/mkl2boot):
 * L2 runs Debian 13's kernel, L1 Debian 12's patched one.
 */
#define EXITLAB_L2_BOOT_DIR "/usr/local/share/exitlab/l2"
#define EXITLAB_L2_KERNEL EXITLAB_L2_BOOT_DIR "/vmlinuz"
#define EXITLAB_L2_INITRAMFS EXITLAB_L2_BOOT_DIR "/initramfs.img"

/*
 * What one boot of L1 leaves for the next: libvirt's QEMU capabilities
 * cache, which libvirtd in L1 otherwise rebuilds by probing QEMU (~90 s under
 * nested TCG) on every boot of the same image. The agent sends the files in
 * its bundle ("l1_state"); L0 keeps them as a tar archive beside the images,
 * for that image and that set of KVM parameters only (l1_state_variant()),
 * and attaches it to later boots as a raw disk, vdd.
 */
#define EXITLAB_L1_STATE_DEVICE "/dev/vdd"
#define EXITLAB_LIBVIRT_CAPS_DIR "/var/cache/libvirt/qemu/capabilities"

/*
 * What the agent prints on L1's console after its time stamp for L0 to read
 * (timings.c, run.c): the start of each of its steps, and its heartbeat,
 * which L0 takes as a sign of life but not as progress.
 */
#define L1_STEP_MARK "L1 step: "
#define L1_HEARTBEAT_MARK "L1: alive; "

/* L1's PID 1 (lab/l1-init), which execs the agent. */
#define EXITLAB_L1_INIT_PATH "/usr/local/sbin/exitlab-l1-init"

/* The TCP port in L1 that L2's network I/O goes to (QEMU user networking: 10.0.2.2). */
#define EXITLAB_NET_SINK_PORT 7777

/*
 * Where there is no virtio-serial (L1 in Bochs), a raw disk carries L1's
 * results: L0 writes the magic at its start, the agent writes the bundle,
 * NUL-terminated, at the offset.
 */
#define EXITLAB_RESULTS_DISK_MAGIC "EXITLAB-RESULTS-DISK/1\n"
#define EXITLAB_RESULTS_DISK_OFFSET 4096
#define EXITLAB_RESULTS_DISK_SIZE (16u << 20)

/*
 * Where L1's disks are not virtio (Bochs: IDE, /dev/sdX in the order the
 * kernel probed them), the seed and L2's root are the disks whose ATA model
 * (/sys/block/sdX/device/model, at most 16 characters) is one of these; under
 * libvirt they are /dev/vdb and /dev/vdc. Bochs' four IDE places hold the
 * boot disk, L1's root, the results disk and L2's root, so its seed is the
 * boot disk itself: a FAT volume labelled CIDATA with user-data and
 * meta-data beside L1's kernel, which cloud-init's NoCloud reads as it reads
 * the ISO libvirt's L1 passes on.
 */
#define EXITLAB_SEED_DISK_MODEL "EXITLAB-SEED"
#define EXITLAB_L2_ROOT_DISK_MODEL "EXITLAB-L2-ROOT"

#endif
