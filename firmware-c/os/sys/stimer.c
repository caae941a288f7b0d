/* Second timers, on clock_seconds(). */
#include "stimer.h"

#include "clock.h"

void
stimer_set(struct stimer *t, unsigned long interval)
{
  t->interval = interval;
  t->start = clock_seconds();
}

void
stimer_reset(struct stimer *t)
{
  t->start += t->interval;
}

void
stimer_restart(struct stimer *t)
{
  t->start = clock_seconds();
}

unsigned long
stimer_elapsed(const struct stimer *t)
{
  return clock_seconds() - t->start;
}

int
stimer_expired(const struct stimer *t)
{
  return stimer_elapsed(t) >= t->interval;
}

unsigned long
stimer_remaining(const struct stimer *t)
{
  unsigned long elapsed = stimer_elapsed(t);

  return elapsed >= t->interval ? 0 : t->interval - elapsed;
}
