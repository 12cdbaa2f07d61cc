#include "rc.h"

const char *ff_rc_str(int rc)
{
	switch (rc) {
	case FF_OK: return "ok";
	case FF_ENOTFOUND: return "not found";
	case FF_ETEMP: return "temporary failure";
	case FF_EPERM: return "permanent failure";
	case FF_EUNAUTH: return "unauthorised";
	case FF_ECONFLICT: return "conflict";
	case FF_EINVAL: return "invalid input";
	case FF_ENOTSUP: return "not supported";
	case FF_ETOOBIG: return "too big";
	case FF_EFORBIDDEN: return "forbidden";
	default: return "unknown error";
	}
}
