/* Process scheduler: a list of running processes, a bounded FIFO of events and poll flags.
 * All state is static; nothing is allocated. Interrupt handlers may only call process_poll(). */
#include "process.h"

#include "cc.h"

enum { PROCESS_STATE_NONE, PROCESS_STATE_RUNNING, PROCESS_STATE_CALLED };

struct process_event {
  struct process *p;
  process_data_t data;
  process_event_t ev;
};

struct process *process_list;
struct process *process_current;

static struct process_event process_queue[PROCESS_CONF_NUMEVENTS];
static process_num_events_t process_first, process_count;
static process_event_t process_last_event;
static volatile uint8_t process_poll_requested;
static uint16_t process_dropped;

CC_STATIC_ASSERT(PROCESS_CONF_NUMEVENTS <= 255, "event count must fit process_num_events_t");
/*---------------------------------------------------------------------------*/
void
process_init(void)
{
  process_list = NULL;
  process_current = NULL;
  process_first = process_count = 0;
  process_last_event = PROCESS_EVENT_MAX;
  process_poll_requested = 0;
  process_dropped = 0;
}
/*---------------------------------------------------------------------------*/
process_event_t
process_alloc_event(void)
{
  return process_last_event++;
}
/*---------------------------------------------------------------------------*/
int
process_is_running(const struct process *p)
{
  return p != NULL && p->state != PROCESS_STATE_NONE;
}
/*---------------------------------------------------------------------------*/
static void exit_process(struct process *p, const struct process *fromprocess);

/* Run p's thread for one event; a thread that ends (or handles EXIT) leaves the list. */
static void
call_process(struct process *p, process_event_t ev, process_data_t data)
{
  char ret;

  if(p->state != PROCESS_STATE_RUNNING || p->thread == NULL) {
    return;
  }
  process_current = p;
  p->state = PROCESS_STATE_CALLED;
  ret = p->thread(&p->pt, ev, data);
  if(ret == PT_EXITED || ret == PT_ENDED || ev == PROCESS_EVENT_EXIT) {
    exit_process(p, p);
  } else if(p->state == PROCESS_STATE_CALLED) {
    /* Not if it called process_exit() on itself meanwhile. */
    p->state = PROCESS_STATE_RUNNING;
  }
}
/*---------------------------------------------------------------------------*/
static void
exit_process(struct process *p, const struct process *fromprocess)
{
  struct process *saved = process_current;
  struct process *q, *next;

  if(!process_is_running(p)) {
    return;
  }
  /* Mark it gone first so events posted to it from the EXITED handlers are dropped. */
  p->state = PROCESS_STATE_NONE;
  p->needspoll = 0;

  /* Take next before the call: the callee may itself exit and leave the list. */
  for(q = process_list; q != NULL; q = next) {
    next = q->next;
    if(q != p) {
      call_process(q, PROCESS_EVENT_EXITED, (process_data_t)p);
    }
  }
  /* Killed by someone else: let it run its exit handler. */
  if(p->thread != NULL && p != fromprocess) {
    process_current = p;
    p->thread(&p->pt, PROCESS_EVENT_EXIT, NULL);
  }

  if(p == process_list) {
    process_list = p->next;
  } else {
    for(q = process_list; q != NULL; q = q->next) {
      if(q->next == p) {
        q->next = p->next;
        break;
      }
    }
  }
  /* p->next is left as it was so a loop that is walking the list through p can go on. */
  process_current = saved;
}
/*---------------------------------------------------------------------------*/
void
process_start(struct process *p, process_data_t data)
{
  struct process *q;

  for(q = process_list; q != NULL; q = q->next) {
    if(q == p) {
      return; /* already running */
    }
  }
  p->next = process_list;
  process_list = p;
  p->state = PROCESS_STATE_RUNNING;
  p->needspoll = 0;
  PT_INIT(&p->pt);
  /* INIT runs synchronously, in the caller's turn, as in Contiki. */
  process_post_synch(p, PROCESS_EVENT_INIT, data);
}
/*---------------------------------------------------------------------------*/
void
process_exit(struct process *p)
{
  exit_process(p, PROCESS_CURRENT());
}
/*---------------------------------------------------------------------------*/
int
process_post(struct process *p, process_event_t ev, process_data_t data)
{
  struct process_event *e;

  if(process_count == PROCESS_CONF_NUMEVENTS) {
    if(process_dropped != UINT16_MAX) {
      process_dropped++;
    }
    return PROCESS_ERR_FULL;
  }
  e = &process_queue[(process_first + process_count) % PROCESS_CONF_NUMEVENTS];
  e->p = p;
  e->ev = ev;
  e->data = data;
  process_count++;
  return PROCESS_ERR_OK;
}
/*---------------------------------------------------------------------------*/
void
process_post_synch(struct process *p, process_event_t ev, process_data_t data)
{
  struct process *caller = process_current;

  if(p != NULL) {
    call_process(p, ev, data);
  }
  process_current = caller;
}
/*---------------------------------------------------------------------------*/
void
process_poll(struct process *p)
{
  /* Two byte stores: safe from interrupt context without a lock. */
  if(p != NULL && p->state != PROCESS_STATE_NONE) {
    p->needspoll = 1;
    process_poll_requested = 1;
  }
}
/*---------------------------------------------------------------------------*/
static void
do_poll(void)
{
  struct process *p, *next;

  process_poll_requested = 0;
  for(p = process_list; p != NULL; p = next) {
    next = p->next;
    if(p->needspoll) {
      p->needspoll = 0;
      call_process(p, PROCESS_EVENT_POLL, NULL);
    }
  }
}
/*---------------------------------------------------------------------------*/
static void
do_event(void)
{
  struct process_event e;
  struct process *p, *next;

  if(process_count == 0) {
    return;
  }
  e = process_queue[process_first];
  process_first = (process_first + 1) % PROCESS_CONF_NUMEVENTS;
  process_count--;

  if(e.p == PROCESS_BROADCAST) {
    for(p = process_list; p != NULL; p = next) {
      next = p->next;
      /* Keep interrupt latency low during long broadcasts. */
      if(process_poll_requested) {
        do_poll();
      }
      call_process(p, e.ev, e.data);
    }
  } else {
    call_process(e.p, e.ev, e.data);
  }
}
/*---------------------------------------------------------------------------*/
int
process_run(void)
{
  if(process_poll_requested) {
    do_poll();
  }
  do_event();
  return process_nevents();
}
/*---------------------------------------------------------------------------*/
int
process_nevents(void)
{
  return process_count + process_poll_requested;
}
/*---------------------------------------------------------------------------*/
uint16_t
process_dropped_events(void)
{
  return process_dropped;
}
/*---------------------------------------------------------------------------*/
void
autostart_start(struct process *const processes[])
{
  for(; *processes != NULL; processes++) {
    process_start(*processes, NULL);
  }
}
/*---------------------------------------------------------------------------*/
void
autostart_exit(struct process *const processes[])
{
  for(; *processes != NULL; processes++) {
    process_exit(*processes);
  }
}
