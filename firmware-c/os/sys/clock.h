/* System clock: a monotonic tick counter, CLOCK_SECOND ticks per second.
 * On the CC2538 it is derived from the 32768 Hz sleep timer (256 timer counts per tick), natively
 * from CLOCK_MONOTONIC (or a fake clock injected by tests, see native-clock.h).
 * clock_time_t wraps after 2^32 ticks (388 days); compare times with the wrap-safe helpers below. */
#ifndef CLOCK_H_
#define CLOCK_H_

#include <stdint.h>

typedef uint32_t clock_time_t;

#define CLOCK_SECOND 128u

/* Ticks for a duration in ms, rounded up so a timer never fires early. */
#define CLOCK_MS(ms) ((clock_time_t)((((uint32_t)(ms)) * CLOCK_SECOND + 999u) / 1000u))

/* Wrap-safe "a is before b". */
#define CLOCK_LT(a, b) ((int32_t)((clock_time_t)(a) - (clock_time_t)(b)) < 0)

void clock_init(void);
clock_time_t clock_time(void);
unsigned long clock_seconds(void);
/* Microseconds since boot (resolution ~30.5 us on the CC2538: one sleep-timer count). */
uint64_t clock_now_us(void);
/* Busy-wait; only for short hardware settling delays. */
void clock_delay_usec(uint16_t usec);

#endif /* CLOCK_H_ */
