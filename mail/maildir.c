#include "mail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/rc.h"

static int mkdir_p(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mail_maildir_deliver(const char *dir, const char *msg, size_t len, char *name_out, size_t name_len)
{
	char sub[4096], tmp[4200], dst[4200], name[128], rnd[17];
	uint8_t r[8];
	static const char *subs[] = { "tmp", "new", "cur" };
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		if (mkdir_p(sub) != 0) {
			log_error("mail", "could not create maildir %s: %s", sub, strerror(errno));
			return FF_ETEMP;
		}
	}
	ff_random(r, sizeof(r));
	ff_hex(r, sizeof(r), rnd);
	int64_t ms = ff_now_ms();
	snprintf(name, sizeof(name), "%lld.M%lldP%dR%s.flawfix", (long long)(ms / 1000),
		 (long long)(ms % 1000) * 1000, (int)getpid(), rnd);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("mail", "could not create %s: %s", tmp, strerror(errno));
		return FF_ETEMP;
	}
	if (write_all(fd, msg, len) != 0 || fsync(fd) != 0) {
		log_error("mail", "could not write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return FF_ETEMP;
	}
	close(fd);
	if (rename(tmp, dst) != 0) {
		log_error("mail", "could not move %s to new: %s", tmp, strerror(errno));
		unlink(tmp);
		return FF_ETEMP;
	}
	if (name_out)
		snprintf(name_out, name_len, "%s", name);
	return FF_OK;
}
