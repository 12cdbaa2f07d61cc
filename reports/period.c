#include "reports.h"

#include <stdio.h>
#include <string.h>

#include "common/fftime.h"
#include "common/rc.h"

int report_period_parse(const char *s, int64_t *from_day, int64_t *to_day)
{
	char d[24];
	if (!s || strlen(s) != 7 || s[4] != '-')
		return FF_EINVAL;
	snprintf(d, sizeof(d), "%s-01", s);
	if (ff_date_parse(d, from_day))
		return FF_EINVAL;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	if (++m > 12) {
		m = 1;
		y++;
	}
	snprintf(d, sizeof(d), "%04d-%02d-01", y, m);
	return ff_date_parse(d, to_day);
}
