/* Second timers: like timer.h but in whole seconds, for long intervals (certificates, lifetimes). */
#ifndef STIMER_H_
#define STIMER_H_

struct stimer {
  unsigned long start;
  unsigned long interval;
};

void stimer_set(struct stimer *t, unsigned long interval);
void stimer_reset(struct stimer *t);
void stimer_restart(struct stimer *t);
int stimer_expired(const struct stimer *t);
unsigned long stimer_remaining(const struct stimer *t);
unsigned long stimer_elapsed(const struct stimer *t);

#endif /* STIMER_H_ */
