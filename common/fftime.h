/* common/fftime.h - clocks and date strings */
#ifndef FF_COMMON_FFTIME_H
#define FF_COMMON_FFTIME_H

#include <stdint.h>
#include <time.h>

int64_t ff_now_ms(void);           /* wall clock, ms since epoch */
int64_t ff_mono_us(void);          /* monotonic clock, microseconds */
void ff_sleep_ms(int64_t ms);
/* ff_date_parse accepts exactly YYYY-MM-DD (a real calendar day); stores
 * the day as days since 1970-01-01. Returns FF_OK or FF_EINVAL. */
int ff_date_parse(const char *s, int64_t *days);
/* ff_days_to_date writes YYYY-MM-DD (11 bytes with NUL). */
void ff_days_to_date(int64_t days, char out[11]);

#endif
