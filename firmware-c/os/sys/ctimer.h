/* Callback timers: call f(ptr) on expiry, in the context of the process that set the timer
 * (so etimers/ctimers set from the callback belong to that process). Runs from the ctimer process:
 * call ctimer_init() once (kernel_init does). */
#ifndef CTIMER_H_
#define CTIMER_H_

#include "etimer.h"

struct ctimer {
  struct ctimer *next;
  struct etimer etimer;
  struct process *p;
  void (*f)(void *);
  void *ptr;
};

void ctimer_init(void);
void ctimer_set(struct ctimer *c, clock_time_t t, void (*f)(void *), void *ptr);
void ctimer_set_with_process(struct ctimer *c, clock_time_t t, void (*f)(void *), void *ptr,
                             struct process *p);
void ctimer_reset(struct ctimer *c);
void ctimer_restart(struct ctimer *c);
void ctimer_stop(struct ctimer *c);
/* Non-zero if expired or stopped. */
int ctimer_expired(const struct ctimer *c);
static inline clock_time_t ctimer_expiration_time(const struct ctimer *c)
{
  return etimer_expiration_time(&c->etimer);
}

#endif /* CTIMER_H_ */
