/* Callback timers on top of etimers: each ctimer embeds an etimer owned by the ctimer process;
 * its expiry event is turned into a call of f(ptr) in the context of the process that set it. */
#include "ctimer.h"

static struct ctimer *ctimer_list;

PROCESS(ctimer_process, "ctimer");
/*---------------------------------------------------------------------------*/
static int
ctimer_unlink(struct ctimer *c)
{
  struct ctimer **pp;

  for(pp = &ctimer_list; *pp != NULL; pp = &(*pp)->next) {
    if(*pp == c) {
      *pp = c->next;
      c->next = NULL;
      return 1;
    }
  }
  return 0;
}
/*---------------------------------------------------------------------------*/
PROCESS_THREAD(ctimer_process, ev, data)
{
  struct ctimer *c;

  PROCESS_BEGIN();

  while(1) {
    PROCESS_YIELD_UNTIL(ev == PROCESS_EVENT_TIMER);
    for(c = ctimer_list; c != NULL; c = c->next) {
      if(&c->etimer == data) {
        /* Unlink first: the callback may set the same ctimer again. */
        ctimer_unlink(c);
        if(c->f != NULL) {
          PROCESS_CONTEXT_BEGIN(c->p);
          c->f(c->ptr);
          PROCESS_CONTEXT_END(c->p);
        }
        break;
      }
    }
  }

  PROCESS_END();
}
/*---------------------------------------------------------------------------*/
void
ctimer_init(void)
{
  ctimer_list = NULL;
  process_start(&ctimer_process, NULL);
}
/*---------------------------------------------------------------------------*/
static void
ctimer_link(struct ctimer *c)
{
  ctimer_unlink(c);
  c->next = ctimer_list;
  ctimer_list = c;
}
/*---------------------------------------------------------------------------*/
void
ctimer_set_with_process(struct ctimer *c, clock_time_t t, void (*f)(void *), void *ptr,
                        struct process *p)
{
  c->p = p;
  c->f = f;
  c->ptr = ptr;
  PROCESS_CONTEXT_BEGIN(&ctimer_process);
  etimer_set(&c->etimer, t);
  PROCESS_CONTEXT_END(&ctimer_process);
  ctimer_link(c);
}

void
ctimer_set(struct ctimer *c, clock_time_t t, void (*f)(void *), void *ptr)
{
  ctimer_set_with_process(c, t, f, ptr, PROCESS_CURRENT());
}

void
ctimer_reset(struct ctimer *c)
{
  PROCESS_CONTEXT_BEGIN(&ctimer_process);
  etimer_reset(&c->etimer);
  PROCESS_CONTEXT_END(&ctimer_process);
  ctimer_link(c);
}

void
ctimer_restart(struct ctimer *c)
{
  PROCESS_CONTEXT_BEGIN(&ctimer_process);
  etimer_restart(&c->etimer);
  PROCESS_CONTEXT_END(&ctimer_process);
  ctimer_link(c);
}

void
ctimer_stop(struct ctimer *c)
{
  etimer_stop(&c->etimer);
  ctimer_unlink(c);
}

int
ctimer_expired(const struct ctimer *c)
{
  return etimer_expired(&c->etimer);
}
