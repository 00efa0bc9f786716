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
LAB_ARGS  ?=
# make lab RUNS=5: five runs, one report with mean and 95% interval per figure.
RUNS      ?= 1
ifndef RUN_ID
RUN_ID    := $(shell date -u +%Y%m%dT%H%M%SZ)
endif
# make report RUN_DIRS="results/a results/b": a report over those runs
# (default: the newest run).
RUN_DIRS  ?= $(shell ls -1td results/*/ 2>/dev/null | grep -v '/report/$$' | head -n 1)

.PHONY: all deps services tools modules overlays assemble-overlays images lab lab-args report bench test \
	unit-tests checkpatch clean distclean

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

images: overlays
	@$(MAKE) -s -C images L1_OVERLAY=$(OVERLAY)/l1 L2_OVERLAY=$(OVERLAY)/l2

# Checked before the images are built: the report reads results/<RUN_ID>.
lab-args:
	@case " $(LAB_ARGS) " in *" --run-id"*|*" --results"*) \
		echo "lab: name the run with RUN_ID=..., not with --run-id or --results in LAB_ARGS" >&2; \
		exit 2;; esac

# A failed run does not stop the others; the report covers those that finished.
lab: lab-args images services
	@ok=""; failed=0; \
	for i in $$(seq 1 $(RUNS)); do \
		id=$(RUN_ID); [ "$(RUNS)" = 1 ] || id=$(RUN_ID)-$$i; \
		if $(EXITLAB) run --run-id $$id $(LAB_ARGS); then ok="$$ok results/$$id"; \
		else failed=$$((failed + 1)); fi; \
	done; \
	[ -n "$$ok" ] || { echo "lab: no run finished" >&2; exit 1; }; \
	$(REPORT) $$ok || { echo "lab: the report failed; the runs' results are in$$ok" >&2; exit 1; }; \
	[ $$failed -eq 0 ] || { echo "lab: $$failed of $(RUNS) runs failed" >&2; exit 1; }

report: tools
	@test -n "$(RUN_DIRS)" || { echo "report: no run in results/: run 'make lab' first" >&2; exit 1; }
	@$(REPORT) $(RUN_DIRS)

# CPUID round trip in L2 under stock, patched-off and patched-on KVM, in one
# L1 boot, reported as ratios (results/<run-id>/bench.json).
bench: images services
	@$(EXITLAB) bench $(LAB_ARGS)

checkpatch: deps
	@$(MAKE) -s -C kvm-patch checkpatch

# Everything, in one runner, so the last line is the one summary CI reads.
test: images services checkpatch
	@$(MAKE) -s -C tests all
	@$(MAKE) -s -C kvm-patch test-bin
	@tests/run-tests $(addprefix $(BUILD)/tests/,$(UNIT_TESTS)) $(BUILD)/kvm/tests/test_decode \
		$(E2E_RUNS)

unit-tests: tools
	@$(MAKE) -s -C tests unit

clean:
	rm -rf $(BUILD)/lab $(BUILD)/probes $(BUILD)/tests

distclean:
	rm -rf $(BUILD) results
