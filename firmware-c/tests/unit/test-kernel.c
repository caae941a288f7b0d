/* Kernel unit tests (native, fake clock): protothreads, process events, etimer/ctimer/stimer,
 * and the idle loop's virtual-time jump. */
#include "unit.h"

#include "clock.h"
#include "ctimer.h"
#include "etimer.h"
#include "kernel.h"
#include "native-clock.h"
#include "platform.h"
#include "process.h"
#include "pt.h"
#include "stimer.h"
#include "timer.h"

/* ---- event log shared by the test processes ---- */
#define LOG_MAX 64
static struct {
  char who;
  process_event_t ev;
  void *data;
} elog[LOG_MAX];
static int elog_n;

static void
elog_add(char who, process_event_t ev, void *data)
{
  if(elog_n < LOG_MAX) {
    elog[elog_n].who = who;
    elog[elog_n].ev = ev;
    elog[elog_n].data = data;
    elog_n++;
  }
}

static void
reset_kernel(clock_time_t start)
{
  native_clock_fake(start);
  kernel_init();
  elog_n = 0;
}

/* Run the main loop until `until` (virtual time), as kernel_loop() would. */
static void
run_until(clock_time_t until)
{
  for(int guard = 0; guard < 100000; guard++) {
    kernel_run_pending();
    if(!CLOCK_LT(clock_time(), until)) {
      return;
    }
    if(!etimer_pending() || CLOCK_LT(until, etimer_next_expiration_time())) {
      native_clock_set(until);
      etimer_request_poll();
      kernel_run_pending();
      return;
    }
    platform_idle();
  }
}

/* ------------------------------------------------------------------ protothreads */
static int pt_flag, pt_steps, child_steps;
static struct pt pt_child;

static PT_THREAD(child_thread(struct pt *pt))
{
  PT_BEGIN(pt);
  child_steps++;
  PT_WAIT_UNTIL(pt, pt_flag >= 2);
  child_steps++;
  PT_END(pt);
}

static PT_THREAD(parent_thread(struct pt *pt))
{
  PT_BEGIN(pt);
  pt_steps = 1;
  PT_WAIT_UNTIL(pt, pt_flag >= 1);
  pt_steps = 2;
  PT_YIELD(pt);
  pt_steps = 3;
  PT_SPAWN(pt, &pt_child, child_thread(&pt_child));
  pt_steps = 4;
  PT_END(pt);
}

UNIT_TEST(test_pt_wait_yield_spawn)
{
  struct pt pt;

  PT_INIT(&pt);
  pt_flag = pt_steps = child_steps = 0;
  UNIT_CHECK_EQ(parent_thread(&pt), PT_WAITING);
  UNIT_CHECK_EQ(pt_steps, 1);
  UNIT_CHECK_EQ(parent_thread(&pt), PT_WAITING); /* still blocked */
  UNIT_CHECK_EQ(pt_steps, 1);
  pt_flag = 1;
  UNIT_CHECK_EQ(parent_thread(&pt), PT_YIELDED);
  UNIT_CHECK_EQ(pt_steps, 2);
  UNIT_CHECK_EQ(parent_thread(&pt), PT_WAITING); /* spawned child blocks */
  UNIT_CHECK_EQ(pt_steps, 3);
  UNIT_CHECK_EQ(child_steps, 1);
  pt_flag = 2;
  UNIT_CHECK_EQ(parent_thread(&pt), PT_ENDED);
  UNIT_CHECK_EQ(child_steps, 2);
  UNIT_CHECK_EQ(pt_steps, 4);
  /* An ended thread starts over. */
  pt_flag = 0;
  UNIT_CHECK_EQ(parent_thread(&pt), PT_WAITING);
  UNIT_CHECK_EQ(pt_steps, 1);
}

/* ------------------------------------------------------------------ processes */
PROCESS(proc_a, "a");
PROCESS(proc_b, "b");
PROCESS(proc_c, "c");
static int proc_a_exit_handler_ran;

PROCESS_THREAD(proc_a, ev, data)
{
  PROCESS_EXITHANDLER(proc_a_exit_handler_ran = 1);
  PROCESS_BEGIN();
  elog_add('a', ev, data);
  while(1) {
    PROCESS_WAIT_EVENT();
    elog_add('a', ev, data);
    if(ev == PROCESS_EVENT_CONTINUE) {
      PROCESS_EXIT();
    }
  }
  PROCESS_END();
}

PROCESS_THREAD(proc_b, ev, data)
{
  PROCESS_BEGIN();
  elog_add('b', ev, data);
  while(1) {
    PROCESS_WAIT_EVENT();
    elog_add('b', ev, data);
  }
  PROCESS_END();
}

/* c ends after its second event (PROCESS_END). */
PROCESS_THREAD(proc_c, ev, data)
{
  PROCESS_BEGIN();
  elog_add('c', ev, data);
  PROCESS_WAIT_EVENT();
  elog_add('c', ev, data);
  PROCESS_END();
}

UNIT_TEST(test_process_start_init_data)
{
  static int token;

  reset_kernel(0);
  process_start(&proc_a, &token);
  UNIT_CHECK_EQ(elog_n, 1); /* INIT is synchronous */
  UNIT_CHECK_EQ(elog[0].who, 'a');
  UNIT_CHECK_EQ(elog[0].ev, PROCESS_EVENT_INIT);
  UNIT_CHECK(elog[0].data == &token);
  UNIT_CHECK(process_is_running(&proc_a));
  process_start(&proc_a, NULL); /* second start is ignored */
  UNIT_CHECK_EQ(elog_n, 1);
  process_exit(&proc_a);
  UNIT_CHECK(!process_is_running(&proc_a));
}

UNIT_TEST(test_process_post_fifo_and_poll_first)
{
  process_event_t e1, e2;

  reset_kernel(0);
  process_start(&proc_a, NULL);
  process_start(&proc_b, NULL);
  elog_n = 0;
  e1 = process_alloc_event();
  e2 = process_alloc_event();
  UNIT_CHECK(e1 != e2);
  UNIT_CHECK(e1 >= PROCESS_EVENT_MAX);
  UNIT_CHECK_EQ(process_post(&proc_b, e1, (void *)1), PROCESS_ERR_OK);
  UNIT_CHECK_EQ(process_post(&proc_a, e2, (void *)2), PROCESS_ERR_OK);
  process_poll(&proc_a);
  UNIT_CHECK_EQ(process_nevents(), 3);
  UNIT_CHECK_EQ(elog_n, 0); /* nothing delivered before the loop runs */
  kernel_run_pending();
  UNIT_CHECK_EQ(elog_n, 3);
  UNIT_CHECK_EQ(elog[0].who, 'a');
  UNIT_CHECK_EQ(elog[0].ev, PROCESS_EVENT_POLL);
  UNIT_CHECK_EQ(elog[1].who, 'b');
  UNIT_CHECK_EQ(elog[1].ev, e1);
  UNIT_CHECK(elog[1].data == (void *)1);
  UNIT_CHECK_EQ(elog[2].who, 'a');
  UNIT_CHECK_EQ(elog[2].ev, e2);
  UNIT_CHECK_EQ(process_nevents(), 0);
}

UNIT_TEST(test_process_broadcast_and_synch)
{
  process_event_t e = process_alloc_event();
  int seen_a = -1, seen_b = -1;

  reset_kernel(0);
  process_start(&proc_a, NULL);
  process_start(&proc_b, NULL);
  elog_n = 0;
  process_post(PROCESS_BROADCAST, e, NULL);
  kernel_run_pending();
  for(int i = 0; i < elog_n; i++) {
    if(elog[i].ev == e && elog[i].who == 'a') {
      seen_a = i;
    }
    if(elog[i].ev == e && elog[i].who == 'b') {
      seen_b = i;
    }
  }
  UNIT_CHECK(seen_a >= 0 && seen_b >= 0);
  /* Synchronous delivery happens inside the call. */
  elog_n = 0;
  process_post_synch(&proc_b, e, (void *)7);
  UNIT_CHECK_EQ(elog_n, 1);
  UNIT_CHECK_EQ(elog[0].who, 'b');
  UNIT_CHECK(elog[0].data == (void *)7);
}

UNIT_TEST(test_process_exit_notifies_others)
{
  reset_kernel(0);
  process_start(&proc_a, NULL);
  process_start(&proc_b, NULL);
  process_start(&proc_c, NULL);
  elog_n = 0;
  proc_a_exit_handler_ran = 0;
  /* a exits by itself on CONTINUE: b and c get EXITED with data = &proc_a. */
  process_post(&proc_a, PROCESS_EVENT_CONTINUE, NULL);
  kernel_run_pending();
  UNIT_CHECK(!process_is_running(&proc_a));
  UNIT_CHECK_EQ(proc_a_exit_handler_ran, 0); /* exit handler only when killed by someone else */
  int b_saw = 0;
  for(int i = 0; i < elog_n; i++) {
    if(elog[i].who == 'b' && elog[i].ev == PROCESS_EVENT_EXITED && elog[i].data == &proc_a) {
      b_saw = 1;
    }
  }
  UNIT_CHECK(b_saw);
  /* c ended on the EXITED event (its second event). */
  UNIT_CHECK(!process_is_running(&proc_c));
  /* Events to an exited process are dropped, not delivered. */
  elog_n = 0;
  process_post(&proc_a, PROCESS_EVENT_MSG, NULL);
  kernel_run_pending();
  UNIT_CHECK_EQ(elog_n, 0);
  /* Killing b from outside runs its thread with EXIT. */
  process_exit(&proc_b);
  UNIT_CHECK(!process_is_running(&proc_b));
}

UNIT_TEST(test_process_exit_handler_when_killed)
{
  reset_kernel(0);
  process_start(&proc_a, NULL);
  proc_a_exit_handler_ran = 0;
  process_exit(&proc_a);
  UNIT_CHECK_EQ(proc_a_exit_handler_ran, 1);
}

UNIT_TEST(test_process_queue_full)
{
  int i, ok = 0;
  uint16_t dropped0;

  reset_kernel(0);
  process_start(&proc_b, NULL);
  kernel_run_pending();
  dropped0 = process_dropped_events();
  for(i = 0; i < PROCESS_CONF_NUMEVENTS + 3; i++) {
    if(process_post(&proc_b, PROCESS_EVENT_MSG, (void *)(intptr_t)i) == PROCESS_ERR_OK) {
      ok++;
    }
  }
  UNIT_CHECK_EQ(ok, PROCESS_CONF_NUMEVENTS);
  UNIT_CHECK_EQ(process_dropped_events() - dropped0, 3);
  elog_n = 0;
  kernel_run_pending();
  UNIT_CHECK_EQ(elog_n, PROCESS_CONF_NUMEVENTS);
  /* Order kept across the ring's wrap. */
  for(i = 0; i < elog_n; i++) {
    UNIT_CHECK(elog[i].data == (void *)(intptr_t)i);
  }
}

/* A process that calls process_exit() on itself stays exited. */
PROCESS(proc_self_exit, "self-exit");
PROCESS_THREAD(proc_self_exit, ev, data)
{
  PROCESS_BEGIN();
  PROCESS_WAIT_EVENT();
  process_exit(&proc_self_exit);
  elog_add('s', ev, data);
  PROCESS_WAIT_EVENT();
  elog_add('S', ev, data);
  PROCESS_END();
}

UNIT_TEST(test_process_self_exit)
{
  reset_kernel(0);
  process_start(&proc_self_exit, NULL);
  process_post(&proc_self_exit, PROCESS_EVENT_MSG, NULL);
  kernel_run_pending();
  UNIT_CHECK(!process_is_running(&proc_self_exit));
  process_post(&proc_self_exit, PROCESS_EVENT_MSG, NULL);
  kernel_run_pending();
  UNIT_CHECK_EQ(elog_n, 1);
  UNIT_CHECK_EQ(elog[0].who, 's');
}

/* Poll of a process that is not running is ignored. */
UNIT_TEST(test_process_poll_not_running)
{
  reset_kernel(0);
  process_poll(&proc_c);
  UNIT_CHECK_EQ(process_nevents(), 0);
}

/* ------------------------------------------------------------------ etimers */
static struct etimer t_one, t_two;
static int timer_fires;
static clock_time_t fire_times[32];

PROCESS(timer_proc, "timer");
PROCESS_THREAD(timer_proc, ev, data)
{
  PROCESS_BEGIN();
  etimer_set(&t_one, CLOCK_SECOND);
  while(1) {
    PROCESS_WAIT_EVENT_UNTIL(ev == PROCESS_EVENT_TIMER);
    if(data == &t_one) {
      if(timer_fires < 32) {
        fire_times[timer_fires] = clock_time();
      }
      timer_fires++;
      etimer_reset(&t_one);
    } else if(data == &t_two) {
      elog_add('t', ev, data);
    }
  }
  PROCESS_END();
}

UNIT_TEST(test_etimer_expiry_exact)
{
  reset_kernel(1000);
  timer_fires = 0;
  process_start(&timer_proc, NULL);
  kernel_run_pending();
  UNIT_CHECK(etimer_pending());
  UNIT_CHECK_EQ(etimer_next_expiration_time(), 1000 + CLOCK_SECOND);
  UNIT_CHECK_EQ(etimer_ticks_to_next(), CLOCK_SECOND);
  UNIT_CHECK(!etimer_expired(&t_one));
  native_clock_advance(CLOCK_SECOND - 1);
  etimer_request_poll();
  kernel_run_pending();
  UNIT_CHECK_EQ(timer_fires, 0); /* one tick early: nothing */
  UNIT_CHECK_EQ(etimer_ticks_to_next(), 1);
  native_clock_advance(1);
  etimer_request_poll();
  kernel_run_pending();
  UNIT_CHECK_EQ(timer_fires, 1);
  UNIT_CHECK_EQ(fire_times[0], 1000 + CLOCK_SECOND);
  process_exit(&timer_proc);
}

UNIT_TEST(test_etimer_periodic_no_drift_with_idle)
{
  reset_kernel(5);
  timer_fires = 0;
  process_start(&timer_proc, NULL);
  /* platform_idle jumps virtual time to each expiry. */
  run_until(5 + 10 * CLOCK_SECOND);
  UNIT_CHECK_EQ(timer_fires, 10);
  for(int i = 0; i < 10 && i < timer_fires; i++) {
    UNIT_CHECK_EQ(fire_times[i], 5 + (clock_time_t)(i + 1) * CLOCK_SECOND);
  }
  process_exit(&timer_proc);
  UNIT_CHECK(!etimer_pending()); /* timers of an exited process are dropped */
}

UNIT_TEST(test_etimer_stop_and_late_processing)
{
  reset_kernel(0);
  timer_fires = 0;
  process_start(&timer_proc, NULL);
  PROCESS_CONTEXT_BEGIN(&timer_proc);
  etimer_set(&t_two, 3);
  PROCESS_CONTEXT_END(&timer_proc);
  kernel_run_pending();
  UNIT_CHECK_EQ(etimer_next_expiration_time(), 3); /* earliest of the two */
  etimer_stop(&t_two);
  UNIT_CHECK(etimer_expired(&t_two));
  UNIT_CHECK_EQ(etimer_next_expiration_time(), CLOCK_SECOND);
  elog_n = 0;
  /* Processed long after expiry: a periodic timer (etimer_reset) catches up on the original
   * grid (128, 256, 384), then waits for 512. */
  native_clock_advance(CLOCK_SECOND * 3 + 10);
  etimer_request_poll();
  kernel_run_pending();
  UNIT_CHECK_EQ(elog_n, 0); /* stopped t_two never fired */
  UNIT_CHECK_EQ(timer_fires, 3);
  UNIT_CHECK_EQ(fire_times[2], 3 * CLOCK_SECOND + 10);
  UNIT_CHECK_EQ(etimer_expiration_time(&t_one), 4 * CLOCK_SECOND);
  process_exit(&timer_proc);
}

UNIT_TEST(test_etimer_across_clock_wrap)
{
  reset_kernel((clock_time_t)0xFFFFFFFFu - 20);
  timer_fires = 0;
  process_start(&timer_proc, NULL);
  run_until((clock_time_t)(0xFFFFFFFFu - 20 + 3 * CLOCK_SECOND));
  UNIT_CHECK_EQ(timer_fires, 3);
  UNIT_CHECK_EQ(fire_times[0], (clock_time_t)(0xFFFFFFFFu - 20 + CLOCK_SECOND));
  process_exit(&timer_proc);
}

UNIT_TEST(test_timer_remaining)
{
  struct timer t;

  reset_kernel(100);
  timer_set(&t, 50);
  UNIT_CHECK_EQ(timer_remaining(&t), 50);
  UNIT_CHECK(!timer_expired(&t));
  native_clock_advance(49);
  UNIT_CHECK_EQ(timer_remaining(&t), 1);
  native_clock_advance(1);
  UNIT_CHECK(timer_expired(&t));
  UNIT_CHECK_EQ(timer_remaining(&t), 0);
  timer_reset(&t);
  UNIT_CHECK_EQ(t.start, 150);
}

/* ------------------------------------------------------------------ ctimers */
static int cb_calls;
static struct process *cb_context;
static struct ctimer ct, ct2;
static clock_time_t cb_time;

static void
ct_callback(void *ptr)
{
  cb_calls++;
  cb_context = PROCESS_CURRENT();
  cb_time = clock_time();
  if(ptr != NULL && cb_calls < 3) {
    ctimer_reset(&ct); /* periodic from inside the callback */
  }
}

PROCESS(ct_owner, "ct-owner");
PROCESS_THREAD(ct_owner, ev, data)
{
  PROCESS_BEGIN();
  ctimer_set(&ct, 10, ct_callback, data);
  PROCESS_WAIT_UNTIL(0);
  PROCESS_END();
}

UNIT_TEST(test_ctimer_context_and_periodic)
{
  static int periodic = 1;

  reset_kernel(0);
  cb_calls = 0;
  cb_context = NULL;
  process_start(&ct_owner, &periodic);
  run_until(9);
  UNIT_CHECK_EQ(cb_calls, 0);
  run_until(10);
  UNIT_CHECK_EQ(cb_calls, 1);
  UNIT_CHECK(cb_context == &ct_owner);
  UNIT_CHECK_EQ(cb_time, 10);
  run_until(100);
  UNIT_CHECK_EQ(cb_calls, 3);
  UNIT_CHECK_EQ(cb_time, 30);
  UNIT_CHECK(ctimer_expired(&ct));
  process_exit(&ct_owner);
}

UNIT_TEST(test_ctimer_stop)
{
  reset_kernel(0);
  cb_calls = 0;
  ctimer_set(&ct2, 5, ct_callback, NULL);
  UNIT_CHECK(!ctimer_expired(&ct2));
  UNIT_CHECK_EQ(ctimer_expiration_time(&ct2), 5);
  ctimer_stop(&ct2);
  run_until(50);
  UNIT_CHECK_EQ(cb_calls, 0);
  /* Restart after stop works. */
  ctimer_set(&ct2, 5, ct_callback, NULL);
  run_until(60);
  UNIT_CHECK_EQ(cb_calls, 1);
  UNIT_CHECK_EQ(cb_time, 55);
}

/* ------------------------------------------------------------------ stimer, clock */
UNIT_TEST(test_stimer)
{
  struct stimer s;

  reset_kernel(0);
  stimer_set(&s, 10);
  UNIT_CHECK(!stimer_expired(&s));
  native_clock_advance(9 * CLOCK_SECOND + CLOCK_SECOND - 1);
  UNIT_CHECK(!stimer_expired(&s));
  UNIT_CHECK_EQ(stimer_remaining(&s), 1);
  native_clock_advance(1);
  UNIT_CHECK(stimer_expired(&s));
  UNIT_CHECK_EQ(stimer_elapsed(&s), 10);
  stimer_restart(&s);
  UNIT_CHECK_EQ(stimer_remaining(&s), 10);
}

UNIT_TEST(test_clock_units)
{
  reset_kernel(3 * CLOCK_SECOND + 64);
  UNIT_CHECK_EQ(clock_seconds(), 3);
  UNIT_CHECK_EQ(clock_now_us(), 3500000);
  UNIT_CHECK_EQ(CLOCK_MS(1000), CLOCK_SECOND);
  UNIT_CHECK_EQ(CLOCK_MS(1), 1); /* rounds up: never early */
  UNIT_CHECK(CLOCK_LT(0xFFFFFFF0u, 5u));
  UNIT_CHECK(!CLOCK_LT(5u, 0xFFFFFFF0u));
}

int
main(void)
{
  native_clock_fake(0);
  platform_init();
  UNIT_RUN(test_pt_wait_yield_spawn);
  UNIT_RUN(test_process_start_init_data);
  UNIT_RUN(test_process_post_fifo_and_poll_first);
  UNIT_RUN(test_process_broadcast_and_synch);
  UNIT_RUN(test_process_exit_notifies_others);
  UNIT_RUN(test_process_exit_handler_when_killed);
  UNIT_RUN(test_process_queue_full);
  UNIT_RUN(test_process_self_exit);
  UNIT_RUN(test_process_poll_not_running);
  UNIT_RUN(test_etimer_expiry_exact);
  UNIT_RUN(test_etimer_periodic_no_drift_with_idle);
  UNIT_RUN(test_etimer_stop_and_late_processing);
  UNIT_RUN(test_etimer_across_clock_wrap);
  UNIT_RUN(test_timer_remaining);
  UNIT_RUN(test_ctimer_context_and_periodic);
  UNIT_RUN(test_ctimer_stop);
  UNIT_RUN(test_stimer);
  UNIT_RUN(test_clock_units);
  return UNIT_DONE();
}
