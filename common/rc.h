/* common/rc.h - the one result vocabulary of FlawFix.
 * FF_OK is 0; every failure is negative and tells the caller what to do. */
#ifndef FF_COMMON_RC_H
#define FF_COMMON_RC_H

enum ff_rc {
	FF_OK = 0,
	FF_ENOTFOUND = -1,     /* the thing does not exist */
	FF_ETEMP = -2,         /* try again later (outage, lock, timeout) */
	FF_EPERM = -3,         /* permanent failure, retrying will not help */
	FF_EUNAUTH = -4,       /* not authenticated / not authorised */
	FF_ECONFLICT = -5,     /* state changed meanwhile, duplicate */
	FF_EINVAL = -6,        /* invalid input */
	FF_ENOTSUP = -7,       /* not supported by this backend */
	FF_ETOOBIG = -8,       /* a size, depth or count limit was hit */
	FF_EFORBIDDEN = -9,    /* authenticated but not allowed */
};

/* ff_rc_str returns a static lower-case name for rc ("ok", "not found", ...). */
const char *ff_rc_str(int rc);

#endif
