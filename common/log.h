/* common/log.h - the one logging API.
 * Messages are lower case without a final period, key=value context at the
 * end; never pass secrets (use log_redact() for values that might be). */
#ifndef FF_COMMON_LOG_H
#define FF_COMMON_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* log_set_level takes "error", "warn", "info", "debug" or "trace";
 * returns 0 or FF_EINVAL. */
int log_set_level_name(const char *name);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) \
	do { if (log_get_level() >= LOG_DEBUG) log_msg(LOG_DEBUG, mod, __VA_ARGS__); } while (0)

#endif
