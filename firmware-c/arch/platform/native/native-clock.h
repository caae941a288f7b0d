/* Native clock control for tests and simulations.
 * By default clock_time() follows CLOCK_MONOTONIC from the first clock_init(). In fake mode the
 * clock only moves when told to, and platform_idle() jumps it straight to the next etimer expiry
 * (virtual time: a test of a 1-hour timer finishes instantly and deterministically). */
#ifndef NATIVE_CLOCK_H_
#define NATIVE_CLOCK_H_

#include "clock.h"

/* Switch to the fake clock, starting at `start` ticks. */
void native_clock_fake(clock_time_t start);
/* Back to the real monotonic clock. */
void native_clock_real(void);
int native_clock_is_fake(void);
/* Fake mode only: move time forward by dt ticks (no-op on the real clock). */
void native_clock_advance(clock_time_t dt);
/* Fake mode only: set the absolute time. */
void native_clock_set(clock_time_t t);

#endif /* NATIVE_CLOCK_H_ */
