// SPDX-License-Identifier: GPL-2.0-only
#include "l1_fault.h"

#include <ctype.h>
#include <string.h>

/* Per kernel line, the first signature it contains decides; most specific first. */
static const struct {
	enum l1_fault kind;
	const char *needle;
} signatures[] = {
	{ L1_FAULT_GUEST_GS, "stack guard page was hit" },
	{ L1_FAULT_SOFT_LOCKUP, "BUG: soft lockup" },
	{ L1_FAULT_RCU_STALL, "detected stalls on CPUs" },
	{ L1_FAULT_HANG, "NMI received for unknown reason" },
	{ L1_FAULT_OTHER, "Kernel panic" },
	{ L1_FAULT_OTHER, "BUG: " },
	{ L1_FAULT_OTHER, "Oops: " },
	{ L1_FAULT_OTHER, "general protection fault" },
};

/*
 * Reads a line's "[  12.345678" timestamp: returns where its decimals end,
 * with their number in *ret_decimals, or NULL for a line without one.
 */
static const char *timestamp_end(const char *line, const char *end, int *ret_decimals)
{
	const char *p = line;
	int decimals = 0;

	if (p >= end || *p++ != '[')
		return NULL;
	while (p < end && *p == ' ')
		p++;
	if (p >= end || !isdigit((unsigned char)*p))
		return NULL;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if (p >= end || *p++ != '.')
		return NULL;
	while (p < end && isdigit((unsigned char)*p)) {
		p++;
		decimals++;
	}
	*ret_decimals = decimals;
	return p;
}

/*
 * The text after the kernel's "[ 1234.567890] " prefix, or NULL for any other
 * line (the agent's own "[  12.3s] ..." lines, the initramfs' output).
 */
static const char *kernel_text(const char *line, const char *end)
{
	int decimals;
	const char *p = timestamp_end(line, end, &decimals);

	if (!p || decimals != 6 || p >= end || *p++ != ']')
		return NULL;
	return p < end && *p == ' ' ? p + 1 : p;
}

/* Where needle first occurs in text..end, or NULL. */
static const char *find(const char *text, const char *end, const char *needle)
{
	return memmem(text, (size_t)(end - text), needle, strlen(needle));
}

static bool contains(const char *text, const char *end, const char *needle)
{
	return find(text, end, needle) != NULL;
}

/* Copies text..end into buf, without the serial console's CR and trailing blanks. */
static void copy_line(char *buf, size_t size, const char *text, const char *end)
{
	size_t len = (size_t)(end - text);

	while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
}

/*
 * Steps *cursor over one line of the console: its start in *ret_line, its end
 * in *ret_end. Returns the line's kernel text, or NULL for a line that is not
 * the kernel's; *cursor is NULL once the console is read.
 */
static const char *next_line(const char **cursor, const char **ret_line, const char **ret_end)
{
	const char *line = *cursor, *end;

	*ret_line = *ret_end = line;
	if (!line || !*line) {
		*cursor = NULL;
		return NULL;
	}
	end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	*cursor = *end ? end + 1 : NULL;
	*ret_end = end;
	return kernel_text(line, end);
}

/* The first kernel line after rest that starts with "RIP: ". */
static void find_where(const char *rest, struct l1_fault_report *ret)
{
	const char *cursor = rest, *line, *text, *end;

	while (cursor) {
		text = next_line(&cursor, &line, &end);
		if (text && end - text > 5 && memcmp(text, "RIP: ", 5) == 0) {
			copy_line(ret->where, sizeof(ret->where), text, end);
			return;
		}
	}
}

/*
 * The guard page alone is any stack overflow; the loop must be in the entry
 * code or in the page-fault handler's first %gs access.
 */
static enum l1_fault refine(enum l1_fault kind, const char *rest, struct l1_fault_report *ret)
{
	const char *end = rest + strlen(rest);

	if (kind != L1_FAULT_GUEST_GS)
		return kind;
	if (!contains(rest, end, "error_entry") && !contains(rest, end, "asm_exc_page_fault") &&
	    !contains(rest, end, "RIP: 0010:exc_page_fault+"))
		return L1_FAULT_OTHER;
	ret->after_vmrun = contains(rest, end, "RIP: 0010:__svm_vcpu_run+");
	return kind;
}

void l1_fault_scan(const char *console, struct l1_fault_report *ret)
{
	const char *cursor = console, *line, *text, *end;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	while (cursor) {
		text = next_line(&cursor, &line, &end);
		for (i = 0; text && i < sizeof(signatures) / sizeof(signatures[0]); i++) {
			if (!contains(text, end, signatures[i].needle))
				continue;
			copy_line(ret->line, sizeof(ret->line), text, end);
			ret->kind = refine(signatures[i].kind, end, ret);
			find_where(end, ret);
			return;
		}
	}
}

/* Whether line..end starts with the agent's "[  12.3s] " prefix. */
static bool agent_line(const char *line, const char *end)
{
	int decimals;
	const char *p = timestamp_end(line, end, &decimals);

	return p && decimals == 1 && end - p >= 2 && p[0] == 's' && p[1] == ']';
}

long long l1_agent_lines(const char *console)
{
	const char *cursor = console, *line, *end;
	long long n = 0;

	while (cursor) {
		next_line(&cursor, &line, &end);
		n += agent_line(line, end);
	}
	return n;
}

unsigned l1_fault_longest_lockup(const char *console)
{
	static const char stuck_for[] = "stuck for ";
	const char *cursor = console, *line, *text, *end;
	unsigned longest = 0;

	while (cursor) {
		unsigned seconds = 0;
		const char *p;

		text = next_line(&cursor, &line, &end);
		if (!text || !contains(text, end, "BUG: soft lockup"))
			continue;
		p = find(text, end, stuck_for);
		if (!p)
			continue;
		for (p += sizeof(stuck_for) - 1; p < end && isdigit((unsigned char)*p); p++)
			seconds = seconds < 100000 ? seconds * 10 + (unsigned)(*p - '0') : seconds;
		if (seconds > longest)
			longest = seconds;
	}
	return longest;
}

const char *l1_fault_name(enum l1_fault kind)
{
	switch (kind) {
	case L1_FAULT_NONE:
		return "none";
	case L1_FAULT_GUEST_GS:
		return "guest-gs-recursion";
	case L1_FAULT_SOFT_LOCKUP:
		return "soft-lockup";
	case L1_FAULT_RCU_STALL:
		return "rcu-stall";
	case L1_FAULT_HANG:
		return "hang";
	default:
		return "other";
	}
}

const char *l1_fault_explanation(enum l1_fault kind)
{
	switch (kind) {
	case L1_FAULT_NONE:
		return "L1's kernel reported no fault";
	case L1_FAULT_GUEST_GS:
		return "L1 took an interrupt while a guest's GS base was loaded and its entry "
		       "code faulted until the stack ran out: the known fault of nested SVM "
		       "under TCG (docs/2026-11-26-l1-failures-under-tcg.md); hardware holds interrupts off there";
	case L1_FAULT_SOFT_LOCKUP:
		return "a CPU of L1 stopped answering (soft lockup), as nested SVM under TCG "
		       "does now and then (docs/2026-11-26-l1-failures-under-tcg.md)";
	case L1_FAULT_RCU_STALL:
		return "L1's RCU stalled: a CPU of L1 stopped answering";
	case L1_FAULT_HANG:
		return "L1 hung without a word; the NMI sent to it made its kernel print where "
		       "each CPU was (the NMI backtraces in its console)";
	default:
		return "L1's kernel reported a fault of a kind not seen before: read its console";
	}
}
