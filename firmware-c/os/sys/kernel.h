/* Kernel bring-up and the low-power main loop (what Contiki-NG's contiki-main.c does).
 * Firmware main(): platform_init(); kernel_init(); autostart_start(autostart_processes);
 * kernel_loop(). os/sys/main.c provides exactly that; native programs with their own poll loop
 * call kernel_init() and then, in their loop, kernel_run_pending() and etimer_ticks_to_next(). */
#ifndef KERNEL_H_
#define KERNEL_H_

#include "cc.h"

/* process_init, etimer process, ctimer, then interrupts on. */
void kernel_init(void);
/* Run processes until no events or polls are left. */
void kernel_run_pending(void);
/* Run forever: kernel_run_pending(); platform_idle(). */
CC_NORETURN void kernel_loop(void);

#endif /* KERNEL_H_ */
