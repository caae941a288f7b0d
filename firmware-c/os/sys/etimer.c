/* Event timers: one list, one process. The earliest expiry is cached in etimer_next so the
 * platform (clock interrupt, idle) can read it without walking the list. */
#include "etimer.h"

#include "critical.h"

static struct etimer *etimer_list;
static clock_time_t etimer_next;
static uint8_t etimer_any;

PROCESS(etimer_process, "etimer");
/*---------------------------------------------------------------------------*/
static void
etimer_update_next(void)
{
  struct etimer *t;
  clock_time_t now = clock_time();
  clock_time_t best = 0;
  int found = 0;

  for(t = etimer_list; t != NULL; t = t->next) {
    clock_time_t due = t->timer.start + t->timer.interval;
    clock_time_t dist = CLOCK_LT(due, now) ? 0 : due - now;
    if(!found || dist < best) {
      best = dist;
      found = 1;
    }
  }
  etimer_next = now + best;
  etimer_any = (uint8_t)found;
}
/*---------------------------------------------------------------------------*/
static void
etimer_remove(struct etimer *et)
{
  struct etimer **pp;

  for(pp = &etimer_list; *pp != NULL; pp = &(*pp)->next) {
    if(*pp == et) {
      *pp = et->next;
      break;
    }
  }
  et->next = NULL;
  et->p = NULL;
}
/*---------------------------------------------------------------------------*/
PROCESS_THREAD(etimer_process, ev, data)
{
  struct etimer *t, *next;

  PROCESS_BEGIN();

  etimer_list = NULL;
  etimer_any = 0;

  while(1) {
    PROCESS_YIELD();

    if(ev == PROCESS_EVENT_EXITED) {
      /* Timers of a process that exited must never fire into its reused memory. */
      for(t = etimer_list; t != NULL; t = next) {
        next = t->next;
        if(t->p == (struct process *)data) {
          etimer_remove(t);
        }
      }
      etimer_update_next();
    } else if(ev == PROCESS_EVENT_POLL) {
      for(t = etimer_list; t != NULL; t = next) {
        next = t->next;
        if(timer_expired(&t->timer)) {
          if(process_post(t->p, PROCESS_EVENT_TIMER, t) == PROCESS_ERR_OK) {
            etimer_remove(t);
          } else {
            /* Queue full: try again on the next round instead of losing the expiry. */
            etimer_request_poll();
          }
        }
      }
      etimer_update_next();
    }
  }

  PROCESS_END();
}
/*---------------------------------------------------------------------------*/
void
etimer_request_poll(void)
{
  process_poll(&etimer_process);
}
/*---------------------------------------------------------------------------*/
static void
etimer_add(struct etimer *et)
{
  struct etimer *t;

  /* A timer may be due already (interval 0): let the etimer process look. */
  etimer_request_poll();
  et->p = PROCESS_CURRENT();
  for(t = etimer_list; t != NULL; t = t->next) {
    if(t == et) {
      etimer_update_next();
      return;
    }
  }
  et->next = etimer_list;
  etimer_list = et;
  etimer_update_next();
}
/*---------------------------------------------------------------------------*/
void
etimer_set(struct etimer *et, clock_time_t interval)
{
  timer_set(&et->timer, interval);
  etimer_add(et);
}

void
etimer_reset_with_new_interval(struct etimer *et, clock_time_t interval)
{
  timer_reset(&et->timer);
  et->timer.interval = interval;
  etimer_add(et);
}

void
etimer_reset(struct etimer *et)
{
  timer_reset(&et->timer);
  etimer_add(et);
}

void
etimer_restart(struct etimer *et)
{
  timer_restart(&et->timer);
  etimer_add(et);
}

void
etimer_adjust(struct etimer *et, int timediff)
{
  et->timer.start += (clock_time_t)timediff;
  etimer_update_next();
}

void
etimer_stop(struct etimer *et)
{
  etimer_remove(et);
  etimer_update_next();
}

int
etimer_expired(const struct etimer *et)
{
  return et->p == NULL;
}

clock_time_t
etimer_expiration_time(const struct etimer *et)
{
  return et->timer.start + et->timer.interval;
}

clock_time_t
etimer_start_time(const struct etimer *et)
{
  return et->timer.start;
}

int
etimer_pending(void)
{
  return etimer_any;
}

clock_time_t
etimer_next_expiration_time(void)
{
  return etimer_any ? etimer_next : 0;
}

clock_time_t
etimer_ticks_to_next(void)
{
  clock_time_t now;
  critical_state_t s;
  clock_time_t next;
  int any;

  s = critical_enter();
  any = etimer_any;
  next = etimer_next;
  critical_exit(s);
  if(!any) {
    return (clock_time_t)-1;
  }
  now = clock_time();
  return CLOCK_LT(now, next) ? next - now : 0;
}
