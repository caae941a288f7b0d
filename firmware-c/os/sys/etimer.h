/* Event timers: post PROCESS_EVENT_TIMER (data = the etimer) to the process that set them.
 * The etimer process keeps them in a list; the platform wakes it (etimer_request_poll) from the
 * clock interrupt when etimer_next_expiration_time() is reached. */
#ifndef ETIMER_H_
#define ETIMER_H_

#include "process.h"
#include "timer.h"

struct etimer {
  struct timer timer;
  struct etimer *next;
  struct process *p;
};

PROCESS_NAME(etimer_process);

/* Bound to PROCESS_CURRENT(). */
void etimer_set(struct etimer *et, clock_time_t interval);
void etimer_reset(struct etimer *et);
void etimer_reset_with_new_interval(struct etimer *et, clock_time_t interval);
void etimer_restart(struct etimer *et);
/* Shift the start time by timediff ticks. */
void etimer_adjust(struct etimer *et, int timediff);
void etimer_stop(struct etimer *et);
/* Non-zero if expired or stopped (i.e. not pending). */
int etimer_expired(const struct etimer *et);
clock_time_t etimer_expiration_time(const struct etimer *et);
clock_time_t etimer_start_time(const struct etimer *et);

/* For platforms and foreign main loops: */
/* Non-zero if at least one etimer is running. */
int etimer_pending(void);
/* Absolute time of the earliest expiry (valid only when etimer_pending()). */
clock_time_t etimer_next_expiration_time(void);
#define etimer_next_expiry() etimer_next_expiration_time()
/* Ticks until the earliest expiry, 0 if due, (clock_time_t)-1 if none pending. */
clock_time_t etimer_ticks_to_next(void);
/* Interrupt-safe: make the etimer process check its list. */
void etimer_request_poll(void);

#endif /* ETIMER_H_ */
