/* flawfix cvss - filled in by the CVSS work (issue 3) */
#include <stdio.h>

#include "cmd.h"

int cmd_cvss(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "flawfix: cvss is not part of this build yet\n");
	return 2;
}
