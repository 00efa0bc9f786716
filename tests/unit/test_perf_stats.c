// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench's perf peer counts kvm_exit in perf.data with `perf report
 * --stats` (perf 6.1's format: ui/stdio/hist.c, util/hist.c); the texts
 * here are laid out as it prints them, stderr's warnings mixed in as the
 * agent captures both.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../lab/l1/perf_stats.h"

#define AGGREGATED \
	"\nAggregated stats:\n" \
	"           TOTAL events:     140377\n" \
	"            MMAP events:         61  ( 0.0%)\n" \
	"            COMM events:        127  ( 0.1%)\n" \
	"            EXIT events:          3  ( 0.0%)\n" \
	"          SAMPLE events:     140072  (99.8%)\n" \
	"           MMAP2 events:        103  ( 0.1%)\n" \
	"  FINISHED_ROUND events:         11  ( 0.0%)\n"

static void counts_kvm_exit_and_not_its_neighbours(void **state)
{
	const char *text = AGGREGATED
		"kvm:kvm_entry stats:\n"
		"          SAMPLE events:      70031\n"
		"kvm:kvm_exit stats:\n"
		"          SAMPLE events:      70036\n"
		"kvm:kvm_pio stats:\n"
		"          SAMPLE events:          5\n";
	uint64_t exits = 1, lost = 1;

	(void)state;
	assert_int_equal(perf_stats_parse(text, "kvm:kvm_exit", &exits, &lost), 0);
	assert_int_equal(exits, 70036);
	assert_int_equal(lost, 0);
	assert_int_equal(perf_stats_parse(text, "kvm:kvm_entry", &exits, &lost), 0);
	assert_int_equal(exits, 70031);
}

static void lost_chunks_from_the_aggregated_stats(void **state)
{
	const char *text = "Warning:\nProcessed 140380 events and lost 3 chunks!\n\n"
		"Check IO/CPU overload!\n\n"
		"\nAggregated stats:\n"
		"           TOTAL events:     140380\n"
		"            LOST events:          3  ( 0.0%)\n"
		"          SAMPLE events:     140072  (99.8%)\n"
		"kvm:kvm_exit stats:\n"
		"          SAMPLE events:      70036\n"
		"    LOST_SAMPLES events:          9\n";
	uint64_t exits = 0, lost = 0;

	(void)state;
	assert_int_equal(perf_stats_parse(text, "kvm:kvm_exit", &exits, &lost), 0);
	assert_int_equal(exits, 70036);
	assert_int_equal(lost, 3);
}

/* perf leaves out an event without samples: no block is none counted, not an error. */
static void an_event_without_samples_has_no_block(void **state)
{
	const char *text = AGGREGATED
		"kvm:kvm_exit stats:\n"
		"kvm:kvm_entry stats:\n"
		"          SAMPLE events:      70031\n";
	uint64_t exits = 7, lost = 7;

	(void)state;
	assert_int_equal(perf_stats_parse(AGGREGATED, "kvm:kvm_exit", &exits, &lost), 0);
	assert_int_equal(exits, 0);
	exits = 7;
	/* An empty block (--no-skip-empty) takes nothing from the next one. */
	assert_int_equal(perf_stats_parse(text, "kvm:kvm_exit", &exits, &lost), 0);
	assert_int_equal(exits, 0);
}

static void not_a_report(void **state)
{
	uint64_t exits = 7, lost = 7;

	(void)state;
	assert_int_equal(perf_stats_parse("", "kvm:kvm_exit", &exits, &lost), -EBADMSG);
	assert_int_equal(perf_stats_parse("failed to open /run/exitlab/bench-perf.data: No such "
					  "file or directory\n", "kvm:kvm_exit", &exits, &lost),
			 -EBADMSG);
	/* What the agent fails with, when perf's figure cannot be read. */
	assert_int_equal(perf_stats_parse(AGGREGATED "kvm:kvm_exit stats:\n"
					  "          SAMPLE events:        abc\n",
					  "kvm:kvm_exit", &exits, &lost), -EBADMSG);
	/* perf prints the u32 count with %d: past 2^31 it turns negative. */
	assert_int_equal(perf_stats_parse(AGGREGATED "kvm:kvm_exit stats:\n"
					  "          SAMPLE events: -2147483000\n",
					  "kvm:kvm_exit", &exits, &lost), -EBADMSG);
	assert_int_equal(exits, 7);
	assert_int_equal(lost, 7);
}

/* A name that only starts like the event's is another event. */
static void event_names_match_whole(void **state)
{
	const char *text = AGGREGATED
		"kvm:kvm_exit_extra stats:\n"
		"          SAMPLE events:         12\n";
	uint64_t exits = 7, lost = 7;

	(void)state;
	assert_int_equal(perf_stats_parse(text, "kvm:kvm_exit", &exits, &lost), 0);
	assert_int_equal(exits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_kvm_exit_and_not_its_neighbours),
		cmocka_unit_test(lost_chunks_from_the_aggregated_stats),
		cmocka_unit_test(an_event_without_samples_has_no_block),
		cmocka_unit_test(not_a_report),
		cmocka_unit_test(event_names_match_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
