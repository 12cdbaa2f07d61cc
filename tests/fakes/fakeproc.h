/* tests/fakes/fakeproc.h - start and stop a Python fake server from C tests.
 * The fake is started with "--port 0" plus the given arguments and must
 * print "PORT <n>" on stdout once it listens, so no port is ever guessed.
 * Header-only (static functions) so unit and integration tests share it. */
#ifndef FF_TESTS_FAKES_FAKEPROC_H
#define FF_TESTS_FAKES_FAKEPROC_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FF_SOURCE_DIR
#define FF_SOURCE_DIR "."
#endif

struct fakeproc {
	pid_t pid;
	int port;
	char base[64]; /* "http://127.0.0.1:<port>" */
};

/* fakeproc_start runs python3 FF_SOURCE_DIR/tests/fakes/<script> --port 0
 * <args...> (args NULL-terminated, may be NULL); returns 0 or -1. */
static int fakeproc_start(struct fakeproc *f, const char *script, const char *const *args)
{
	int fds[2];
	char path[512];
	const char *argv[32];
	int n = 0;
	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/tests/fakes/%s", FF_SOURCE_DIR, script);
	argv[n++] = "python3";
	argv[n++] = path;
	argv[n++] = "--port";
	argv[n++] = "0";
	for (int i = 0; args && args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	f->pid = fork();
	if (f->pid < 0)
		return -1;
	if (f->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char line[128] = "";
	if (!in || !fgets(line, sizeof(line), in) || sscanf(line, "PORT %d", &f->port) != 1) {
		if (in)
			fclose(in);
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		return -1;
	}
	fclose(in);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
	return 0;
}

static void fakeproc_stop(struct fakeproc *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
}

#endif
