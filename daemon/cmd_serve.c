/* flawfix serve: migrations, first-start admin, HTTP server, workers,
 * scheduler; SIGTERM lets in-flight requests finish and workers release
 * their leases, then exits 0. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "common/cfg.h"
#include "common/crypto.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/rc.h"
#include "connectors/conn.h"
#include "db/q_user.h"
#include "http/http.h"
#include "scheduler.h"
#include "worker.h"

static const char *usage =
	"usage: flawfix serve [--config FILE]\n\n"
	"Runs the daemon: applies migrations, creates the first admin on an empty\n"
	"database (printing its one-time password and an API token), then serves\n"
	"the REST API on 'listen' with job workers and the scheduler. SIGTERM or\n"
	"SIGINT stop it gracefully. Settings: flawfix config --help-config.\n";

static int first_start(struct db *db)
{
	long long n = 0;
	if (user_count(db, &n))
		return FF_ETEMP;
	if (n > 0)
		return FF_OK;
	char *pw = NULL, *tok = NULL;
	int rc = cli_bootstrap_admin(db, "admin", &pw, &tok);
	if (rc)
		return rc;
	printf("\n  FlawFix first start: an administrator was created.\n"
	       "    user:      admin\n    password:  %s   (one-time: change it with 'flawfix user passwd admin')\n"
	       "    API token: %s\n\n", pw, tok);
	fflush(stdout);
	free(pw);
	free(tok);
	return FF_OK;
}

static int ensure_key(void)
{
	const char *path = cfg_str("secret_key_file");
	char dir[4096], err[512];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "flawfix: could not create %s: %s\n", dir, strerror(errno));
			return FF_EPERM;
		}
	}
	uint8_t key[32];
	if (ff_key_load(path, key, err, sizeof(err))) {
		fprintf(stderr, "flawfix: %s\n", err);
		return FF_EPERM;
	}
	return FF_OK;
}

static int start_up(void)
{
	char err[512];
	struct db *db = cli_db();
	if (!db)
		return 1;
	int applied = 0;
	if (db_migrate(db, &applied, err, sizeof(err))) {
		fprintf(stderr, "flawfix: %s\n", err);
		db_close(db);
		return 1;
	}
	int rc = first_start(db);
	db_close(db);
	if (rc) {
		fprintf(stderr, "flawfix: could not create the first administrator: %s\n", ff_rc_str(rc));
		return 1;
	}
	if (conn_registry_check(err, sizeof(err))) {
		fprintf(stderr, "flawfix: %s\n", err);
		return 1;
	}
	return ensure_key() ? 1 : 0;
}

int cmd_serve(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	if (start_up())
		return 1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit the mask */
	signal(SIGPIPE, SIG_IGN);
	char err[512];
	if (http_start(cfg_str("listen"), (int)cfg_int("http_threads"), err, sizeof(err))) {
		fprintf(stderr, "flawfix: %s\n", err);
		return 1;
	}
	worker_start((int)cfg_int("workers"));
	if (cfg_bool("scheduler"))
		scheduler_start();
	log_info("serve", "listening listen=%s workers=%lld", cfg_str("listen"), cfg_int("workers"));
	int sig = 0;
	sigwait(&set, &sig);
	log_info("serve", "stopping signal=%d", sig);
	int64_t t0 = ff_mono_us();
	http_stop(cfg_int("shutdown_grace_seconds") * 1000);
	int64_t left = cfg_int("shutdown_grace_seconds") * 1000 - (ff_mono_us() - t0) / 1000;
	if (!worker_stop(left > 0 ? left : 0)) {
		log_warn("serve", "stopped with jobs still running (their leases were released)");
		fflush(stdout);
		_exit(0);
	}
	scheduler_stop();
	db_thread_close();
	db_pool_close_all();
	log_info("serve", "stopped");
	return 0;
}
