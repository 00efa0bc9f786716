// SPDX-License-Identifier: GPL-2.0-only
/*
 * exitlab-agent: the program L1's init (lab/l1-init) execs. It runs only
 * inside L1, from the L1 image; L0's exitlab never runs it.
 */
#include "agent.h"

int main(int argc, char **argv)
{
	return agent_main(argc, argv);
}
