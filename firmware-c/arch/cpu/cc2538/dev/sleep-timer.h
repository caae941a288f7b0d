/* Sleep timer: free-running 32-bit counter at 32768 Hz with one compare interrupt (IRQ 145).
 * Reading ST0 latches the count (then ST1..ST3 give the other bytes); writing ST3, ST2, ST1, ST0
 * sets the compare value, committed by the ST0 write after STLOAD reports ready.
 * The compare fires only when the counter passes the value: a value in the past waits for the
 * 2^32 wrap (36 h), so sleep_timer_set_compare refuses values too close to now. */
#ifndef SLEEP_TIMER_H_
#define SLEEP_TIMER_H_

#include <stdint.h>

#include "reg.h"

#define SLEEP_TIMER_ST0    (SLEEP_TIMER_BASE + 0x00u)
#define SLEEP_TIMER_ST1    (SLEEP_TIMER_BASE + 0x04u)
#define SLEEP_TIMER_ST2    (SLEEP_TIMER_BASE + 0x08u)
#define SLEEP_TIMER_ST3    (SLEEP_TIMER_BASE + 0x0Cu)
#define SLEEP_TIMER_STLOAD (SLEEP_TIMER_BASE + 0x10u)

#define SLEEP_TIMER_HZ 32768u
/* The compare must be at least this many counts ahead to be sure to fire (real chip rule). */
#define SLEEP_TIMER_MIN_AHEAD 5u

uint32_t sleep_timer_now(void);
/* Arm the compare for `at`; returns 0 if `at` is not at least SLEEP_TIMER_MIN_AHEAD counts in
 * the future (nothing armed: the caller must not sleep waiting for it), 1 if armed. */
int sleep_timer_set_compare(uint32_t at);
/* The IRQ 145 vector (clock.c implements it). */
void sleep_timer_isr(void);

#endif /* SLEEP_TIMER_H_ */
