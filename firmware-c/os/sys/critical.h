/* Critical sections against interrupt handlers. Nestable: restore what was saved.
 * Natively there are no interrupts (signal handlers must only call process_poll-like
 * flag setters), so these compile to nothing. */
#ifndef CRITICAL_H_
#define CRITICAL_H_

#include <stdint.h>

typedef uint32_t critical_state_t;

#if CONTIKI_TARGET_CC2538
static inline critical_state_t critical_enter(void)
{
  critical_state_t s;
  __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(s) : : "memory");
  return s;
}
static inline void critical_exit(critical_state_t s)
{
  __asm volatile("msr primask, %0" : : "r"(s) : "memory");
}
#else
static inline critical_state_t critical_enter(void) { return 0; }
static inline void critical_exit(critical_state_t s) { (void)s; }
#endif

#endif /* CRITICAL_H_ */
