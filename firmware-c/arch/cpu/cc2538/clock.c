/* System clock from the 32768 Hz sleep timer (no SysTick, no GPTimer: both differ or are absent on
 * Renode). The 32-bit counter is extended to 64 bits in software: a wrap (every 36 h) is noticed
 * on the next read, and the idle loop never sleeps longer than 2^30 counts (9 h) without a read.
 * clock_time() = count / 256 (CLOCK_SECOND = 128). */
#include "clock.h"

#include "critical.h"
#include "dev/sleep-timer.h"
#include "etimer.h"
#include "nvic.h"

static uint32_t clock_st_last;
static uint32_t clock_st_high;

/* 64-bit sleep-timer count; must be called at least once per 36 h (the idle loop ensures it). */
static uint64_t
clock_counts(void)
{
  critical_state_t s = critical_enter();
  uint32_t now = sleep_timer_now();

  if(now < clock_st_last) {
    clock_st_high++;
  }
  clock_st_last = now;
  critical_exit(s);
  return ((uint64_t)clock_st_high << 32) | now;
}

void
clock_init(void)
{
  clock_st_last = sleep_timer_now();
  clock_st_high = 0;
  nvic_clear_pending(NVIC_IRQ_SLEEP_TIMER);
  nvic_enable(NVIC_IRQ_SLEEP_TIMER);
}

clock_time_t
clock_time(void)
{
  return (clock_time_t)(clock_counts() >> 8);
}

unsigned long
clock_seconds(void)
{
  return (unsigned long)(clock_counts() >> 15);
}

uint64_t
clock_now_us(void)
{
  /* 1e6 / 32768 = 15625 / 512: exact, no division. */
  return (clock_counts() * 15625u) >> 9;
}

void
clock_delay_usec(uint16_t usec)
{
  /* ~4 cycles per turn at 32 MHz: 8 turns per microsecond. Only for short settling delays. */
  for(volatile uint32_t i = (uint32_t)usec * 8u; i > 0; i--) {
  }
}

/* Compare match: only wakes the core (and the etimer process when one is due). */
void
sleep_timer_isr(void)
{
  clock_time_t now = clock_time();

  if(etimer_pending() && !CLOCK_LT(now, etimer_next_expiration_time())) {
    etimer_request_poll();
  }
}

/* For platform_idle(): arm the compare for clock tick `next` (or the longest nap if none).
 * Returns 1 if armed in the future (safe to sleep), 0 if already due. */
int clock_arm_wakeup(int have_next, clock_time_t next);
int
clock_arm_wakeup(int have_next, clock_time_t next)
{
  uint64_t now = clock_counts();
  uint32_t delta = 1u << 30;

  if(have_next) {
    clock_time_t t = (clock_time_t)(now >> 8);
    clock_time_t ticks;
    if(!CLOCK_LT(t, next)) {
      return 0;
    }
    ticks = next - t;
    if(ticks < (1u << 22)) {
      /* Wake at the exact count where clock_time() becomes `next`. */
      delta = (ticks << 8) - (uint32_t)(now & 0xFFu);
    }
  }
  return sleep_timer_set_compare((uint32_t)now + delta);
}
