# The unit test programs: tests/Makefile builds them, and the top Makefile's
# `make test` runs them, from this one list.
UNIT_TESTS := test_domxml test_seed_params test_results test_probe_args test_oracle \
	      test_cpio_child test_report test_l1_fault test_vm test_run test_agent test_contract \
	      test_timings test_many test_regress test_ci_lint test_cells test_accel test_vmstats \
	      test_compare test_timework test_units test_workloads test_phase_marks \
	      test_host_timeline test_timeline test_l2_fault test_perf_stats test_reaper
