/* flawfix parse - filled in by the ingestion work (issue 4) */
#include <stdio.h>

#include "cmd.h"

int cmd_parse(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "flawfix: parse is not part of this build yet\n");
	return 2;
}
