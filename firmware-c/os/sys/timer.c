/* Passive timers. Differences are computed in clock_time_t so wrap-around is harmless. */
#include "timer.h"

void
timer_set(struct timer *t, clock_time_t interval)
{
  t->interval = interval;
  t->start = clock_time();
}

void
timer_reset(struct timer *t)
{
  t->start += t->interval;
}

void
timer_restart(struct timer *t)
{
  t->start = clock_time();
}

int
timer_expired(const struct timer *t)
{
  return (clock_time_t)(clock_time() - t->start) >= t->interval;
}

clock_time_t
timer_remaining(const struct timer *t)
{
  clock_time_t elapsed = clock_time() - t->start;

  return elapsed >= t->interval ? 0 : t->interval - elapsed;
}
