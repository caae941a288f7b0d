/* Logging and assertions with levels that compile out.
 * In a .c file:   #define LOG_MODULE "coap"
 *                 #define LOG_LEVEL  LOG_LEVEL_INFO     (before including log.h; default WARN)
 * LOG_ERR/WARN/INFO/DBG(fmt, ...) print "[LVL module] message" through fmt_printf when the level is
 * enabled by both LOG_LEVEL and the global cap LOG_CONF_LEVEL_MAX; otherwise they expand to nothing
 * (arguments are not evaluated, so keep side effects out of them).
 * LOG_ASSERT(cond): on failure prints file:line and calls log_assert_fail (reboot on the CC2538,
 * abort natively); compiled out when LOG_CONF_ASSERT is 0. */
#ifndef LOG_H_
#define LOG_H_

#include "cc.h"
#include "fmt.h"

#define LOG_LEVEL_NONE 0
#define LOG_LEVEL_ERR  1
#define LOG_LEVEL_WARN 2
#define LOG_LEVEL_INFO 3
#define LOG_LEVEL_DBG  4

#ifndef LOG_CONF_LEVEL_MAX
#define LOG_CONF_LEVEL_MAX LOG_LEVEL_DBG
#endif
#ifndef LOG_CONF_ASSERT
#define LOG_CONF_ASSERT 1
#endif
#ifndef LOG_MODULE
#define LOG_MODULE "main"
#endif
#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_LEVEL_WARN
#endif

#define LOG_ENABLED(level) ((level) <= LOG_LEVEL && (level) <= LOG_CONF_LEVEL_MAX)

#define LOG_PRINT_(level, tag, ...)                                        \
  do {                                                                     \
    if(LOG_ENABLED(level)) {                                               \
      fmt_printf("[" tag " " LOG_MODULE "] " __VA_ARGS__);                 \
    }                                                                      \
  } while(0)

#define LOG_ERR(...)  LOG_PRINT_(LOG_LEVEL_ERR, "ERR ", __VA_ARGS__)
#define LOG_WARN(...) LOG_PRINT_(LOG_LEVEL_WARN, "WARN", __VA_ARGS__)
#define LOG_INFO(...) LOG_PRINT_(LOG_LEVEL_INFO, "INFO", __VA_ARGS__)
#define LOG_DBG(...)  LOG_PRINT_(LOG_LEVEL_DBG, "DBG ", __VA_ARGS__)

CC_NORETURN void log_assert_fail(const char *file, int line);

#if LOG_CONF_ASSERT
#define LOG_ASSERT(cond)                                                   \
  do {                                                                     \
    if(!(cond)) {                                                          \
      log_assert_fail(__FILE__, __LINE__);                                 \
    }                                                                      \
  } while(0)
#else
#define LOG_ASSERT(cond) do { } while(0)
#endif

#endif /* LOG_H_ */
