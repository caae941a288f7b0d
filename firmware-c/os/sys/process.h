/* Processes: protothreads driven by events (Contiki semantics and names).
 *
 * A process is declared with PROCESS(name, "text") and defined with PROCESS_THREAD(name, ev, data).
 * Events are queued (process_post, bounded queue of PROCESS_CONF_NUMEVENTS) or delivered at once
 * (process_post_synch); process_poll() is the only call allowed from interrupt handlers: it marks a
 * process and the main loop delivers PROCESS_EVENT_POLL before the next queued event.
 * Ordering: polls first, then one queued event per process_run() call, FIFO. */
#ifndef PROCESS_H_
#define PROCESS_H_

#include <stddef.h>
#include <stdint.h>

#include "pt.h"

typedef uint8_t process_event_t;
typedef void *process_data_t;
typedef uint8_t process_num_events_t;

#define PROCESS_ERR_OK   0
#define PROCESS_ERR_FULL 1

#ifndef PROCESS_CONF_NUMEVENTS
#define PROCESS_CONF_NUMEVENTS 16
#endif

/* Keep the process name strings (for logs) unless told otherwise. */
#ifndef PROCESS_CONF_NO_PROCESS_NAMES
#define PROCESS_CONF_NO_PROCESS_NAMES 0
#endif

#define PROCESS_EVENT_NONE            0x80
#define PROCESS_EVENT_INIT            0x81
#define PROCESS_EVENT_POLL            0x82
#define PROCESS_EVENT_EXIT            0x83
#define PROCESS_EVENT_SERVICE_REMOVED 0x84
#define PROCESS_EVENT_CONTINUE        0x85
#define PROCESS_EVENT_MSG             0x86
#define PROCESS_EVENT_EXITED          0x87
#define PROCESS_EVENT_TIMER           0x88
#define PROCESS_EVENT_COM             0x89
#define PROCESS_EVENT_MAX             0x8a

/* Destination for process_post() meaning "every running process". */
#define PROCESS_BROADCAST NULL
#define PROCESS_ZOMBIE    ((struct process *)0x1)

struct process {
  struct process *next;
#if PROCESS_CONF_NO_PROCESS_NAMES
#define PROCESS_NAME_STRING(p) ""
#else
  const char *name;
#define PROCESS_NAME_STRING(p) ((p)->name)
#endif
  PT_THREAD((*thread)(struct pt *, process_event_t, process_data_t));
  struct pt pt;
  uint8_t state;
  volatile uint8_t needspoll;
};

/* ---- Declaring and defining processes ---- */
#define PROCESS_THREAD(name, ev, data)                                     \
  static PT_THREAD(process_thread_##name(struct pt *process_pt,            \
                                         process_event_t ev,               \
                                         process_data_t data))

#define PROCESS_NAME(name) extern struct process name

#if PROCESS_CONF_NO_PROCESS_NAMES
#define PROCESS(name, strname)                                             \
  PROCESS_THREAD(name, ev, data);                                          \
  struct process name = { NULL, process_thread_##name, { 0 }, 0, 0 }
#else
#define PROCESS(name, strname)                                             \
  PROCESS_THREAD(name, ev, data);                                          \
  struct process name = { NULL, strname, process_thread_##name, { 0 }, 0, 0 }
#endif

/* ---- Inside a process thread ---- */
#define PROCESS_BEGIN()             PT_BEGIN(process_pt)
#define PROCESS_END()               PT_END(process_pt)
#define PROCESS_WAIT_EVENT()        PROCESS_YIELD()
#define PROCESS_WAIT_EVENT_UNTIL(c) PROCESS_YIELD_UNTIL(c)
#define PROCESS_YIELD()             PT_YIELD(process_pt)
#define PROCESS_YIELD_UNTIL(c)      PT_YIELD_UNTIL(process_pt, c)
#define PROCESS_WAIT_UNTIL(c)       PT_WAIT_UNTIL(process_pt, c)
#define PROCESS_WAIT_WHILE(c)       PT_WAIT_WHILE(process_pt, c)
#define PROCESS_EXIT()              PT_EXIT(process_pt)
#define PROCESS_PT_SPAWN(pt, thread) PT_SPAWN(process_pt, pt, thread)
/* Give other processes a turn, then continue. */
#define PROCESS_PAUSE()                                                    \
  do {                                                                     \
    process_post(PROCESS_CURRENT(), PROCESS_EVENT_CONTINUE, NULL);         \
    PROCESS_WAIT_EVENT_UNTIL(ev == PROCESS_EVENT_CONTINUE);                \
  } while(0)
#define PROCESS_POLLHANDLER(handler) if(ev == PROCESS_EVENT_POLL) { handler; }
#define PROCESS_EXITHANDLER(handler) if(ev == PROCESS_EVENT_EXIT) { handler; }

/* ---- Current process and context switching ---- */
extern struct process *process_current;
#define PROCESS_CURRENT() process_current
/* Run code as if it belonged to process p (timers set inside are bound to p). */
#define PROCESS_CONTEXT_BEGIN(p)                                           \
  {                                                                        \
    struct process *process_ctx_saved_ = PROCESS_CURRENT();                \
    process_current = (p)
#define PROCESS_CONTEXT_END(p)                                             \
  process_current = process_ctx_saved_;                                    \
  }

/* ---- API ---- */
void process_init(void);
void process_start(struct process *p, process_data_t data);
void process_exit(struct process *p);
/* Queue an event; PROCESS_ERR_FULL (and the event is counted as dropped) if the queue is full. */
int process_post(struct process *p, process_event_t ev, process_data_t data);
/* Deliver now, in the caller's stack (p must be running; no broadcast). */
void process_post_synch(struct process *p, process_event_t ev, process_data_t data);
/* Interrupt-safe: ask for a PROCESS_EVENT_POLL. */
void process_poll(struct process *p);
process_event_t process_alloc_event(void);
int process_is_running(const struct process *p);
/* Deliver pending polls and one queued event; returns the number of events still queued plus
 * pending polls (0: nothing to do, the caller may sleep). */
int process_run(void);
/* Events queued plus pending polls. */
int process_nevents(void);
/* Events dropped because the queue was full (since boot). */
uint16_t process_dropped_events(void);

/* ---- Autostart ---- */
extern struct process *const autostart_processes[];
#define AUTOSTART_PROCESSES(...) \
  struct process *const autostart_processes[] = { __VA_ARGS__, NULL }
void autostart_start(struct process *const processes[]);
void autostart_exit(struct process *const processes[]);

#endif /* PROCESS_H_ */
