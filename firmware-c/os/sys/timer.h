/* Passive timers: a start time and an interval, checked by polling (no events). */
#ifndef TIMER_H_
#define TIMER_H_

#include "clock.h"

struct timer {
  clock_time_t start;
  clock_time_t interval;
};

void timer_set(struct timer *t, clock_time_t interval);
/* Next period, drift-free: start += interval. */
void timer_reset(struct timer *t);
/* Next period from now: start = now. */
void timer_restart(struct timer *t);
int timer_expired(const struct timer *t);
/* Ticks left, 0 if expired. */
clock_time_t timer_remaining(const struct timer *t);

#endif /* TIMER_H_ */
