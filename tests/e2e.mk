# The end-to-end variants of tests/e2e/variants.cfg, for tests/Makefile (which
# builds their programs) and the top Makefile (which runs them): no second
# list of them anywhere.
E2E_TABLE    := $(TOP)/tests/e2e/variants.cfg
E2E_VARIANTS := $(shell sed -n 's/^\[\(.*\)\]$$/\1/p' $(E2E_TABLE))
E2E_PROGRAMS := $(sort $(shell sed -n 's/^program *= *//p' $(E2E_TABLE)))
# program:variant, as tests/run-tests takes a program with its argument;
# make test's runs leave out the sections with `make_test = no`.
E2E_ALL_RUNS := $(shell awk '/^\[/ { v = substr($$0, 2, length($$0) - 2) } \
	$$1 == "program" { print "$(BUILD)/tests/" $$3 ":" v }' $(E2E_TABLE))
E2E_NOT_IN_TEST := $(shell awk '/^\[/ { v = substr($$0, 2, length($$0) - 2) } \
	$$1 == "make_test" && $$3 == "no" { print v }' $(E2E_TABLE))
E2E_RUNS     := $(filter-out $(foreach v,$(E2E_NOT_IN_TEST),%:$(v)),$(E2E_ALL_RUNS))
