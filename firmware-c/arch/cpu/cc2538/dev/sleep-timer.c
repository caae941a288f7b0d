/* Sleep timer access (see sleep-timer.h for the latch and commit rules). */
#include "dev/sleep-timer.h"

#define SLEEP_TIMER_LOAD_WAIT 2000u

uint32_t
sleep_timer_now(void)
{
  uint32_t v;

  v = REG(SLEEP_TIMER_ST0) & 0xFFu;       /* latches ST1..ST3 */
  v |= (REG(SLEEP_TIMER_ST1) & 0xFFu) << 8;
  v |= (REG(SLEEP_TIMER_ST2) & 0xFFu) << 16;
  v |= (REG(SLEEP_TIMER_ST3) & 0xFFu) << 24;
  return v;
}

int
sleep_timer_set_compare(uint32_t at)
{
  uint32_t spin = SLEEP_TIMER_LOAD_WAIT;

  if((int32_t)(at - sleep_timer_now()) < (int32_t)SLEEP_TIMER_MIN_AHEAD) {
    return 0;
  }
  /* The real chip accepts a new compare value only when STLOAD reads 1 (Renode: always). */
  while(!(REG(SLEEP_TIMER_STLOAD) & 1u) && --spin) {
  }
  REG(SLEEP_TIMER_ST3) = (at >> 24) & 0xFFu;
  REG(SLEEP_TIMER_ST2) = (at >> 16) & 0xFFu;
  REG(SLEEP_TIMER_ST1) = (at >> 8) & 0xFFu;
  REG(SLEEP_TIMER_ST0) = at & 0xFFu;        /* commits */
  /* It may have passed while we wrote it: then it will not fire. */
  return (int32_t)(at - sleep_timer_now()) > 0;
}
