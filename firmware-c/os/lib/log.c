/* Assertion failure: report and stop this run (reboot on the target, abort natively so sanitizers
 * and tests see it). */
#include "log.h"

#include "platform.h"

#if CONTIKI_TARGET_NATIVE
#include <stdlib.h>
#endif

void
log_assert_fail(const char *file, int line)
{
  fmt_printf("assert failed %s:%d\n", file, line);
#if CONTIKI_TARGET_NATIVE
  abort();
#else
  platform_reboot();
#endif
}
