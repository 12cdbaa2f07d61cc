/* reports/reports.h - metrics queries, the monthly report, charts and PDF */
#ifndef FF_REPORTS_REPORTS_H
#define FF_REPORTS_REPORTS_H

#include <stdint.h>

/* report_period_parse reads "YYYY-MM" into the first day of that month and
 * the first day of the next (days since epoch). FF_OK or FF_EINVAL. */
int report_period_parse(const char *s, int64_t *from_day, int64_t *to_day);

#endif
