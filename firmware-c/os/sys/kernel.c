/* Kernel bring-up and the main loop. */
#include "kernel.h"

#include "ctimer.h"
#include "etimer.h"
#include "platform.h"
#include "process.h"

void
kernel_init(void)
{
  process_init();
  process_start(&etimer_process, NULL);
  ctimer_init();
}

void
kernel_run_pending(void)
{
  while(process_run() > 0) {
  }
}

void
kernel_loop(void)
{
  for(;;) {
    kernel_run_pending();
    /* The platform re-checks for work with interrupts masked before it sleeps. */
    platform_idle();
  }
}
