/* CC2538 platform: bring-up order, low-power idle, reboot and soft restart. */
#include "platform.h"

#include "clock.h"
#include "cpu.h"
#include "dev/flash.h"
#include "dev/ieee-addr.h"
#include "dev/leds.h"
#include "dev/rfrnd.h"
#include "dev/sys-ctrl.h"
#include "dev/uart.h"
#include "dev/watchdog.h"
#include "etimer.h"
#include "nvic.h"
#include "process.h"
#include "random.h"
#include "reg.h"

int clock_arm_wakeup(int have_next, clock_time_t next);

#define WATCHDOG_NAP (CLOCK_SECOND / 2) /* longest sleep while the watchdog (1 s) runs */

void
platform_init(void)
{
  uint8_t eui[8];
  uint32_t seed;

  cpu_irq_disable();
  sys_ctrl_init();
  clock_init();
  uart_init();
  leds_init();
  flash_init();
  /* Seed from radio noise and the EUI-64, so nodes never share a sequence even on an emulator
   * whose RFRND is deterministic. */
  ieee_addr_read(eui);
  seed = rfrnd_seed();
  seed ^= (uint32_t)eui[4] << 24 | (uint32_t)eui[5] << 16 | (uint32_t)eui[6] << 8 | eui[7];
  seed ^= ((uint32_t)eui[0] << 24 | (uint32_t)eui[1] << 16 | (uint32_t)eui[2] << 8 | eui[3]) * 31u;
  random_init(seed);
  cpu_irq_enable();
}

void
platform_irq_enable(void)
{
  cpu_irq_enable();
}

void
platform_idle(void)
{
  int watchdog = watchdog_running(); /* off unless the bootloader started a trial boot */

  /* Interrupts masked from the check to the WFI: an event arriving in between leaves its IRQ
   * pending, WFI returns at once and the handler runs after cpsie. */
  cpu_irq_disable();
  if(watchdog) {
    watchdog_periodic();
  }
  if(process_nevents() == 0) {
    int have_next = etimer_pending();
    clock_time_t next = etimer_next_expiration_time();
    int timed = have_next;
    clock_time_t wake = next;
    if(watchdog) {
      clock_time_t nap = clock_time() + WATCHDOG_NAP;
      if(!have_next || CLOCK_LT(nap, next)) {
        timed = 1;
        wake = nap;
      }
    }
    if(clock_arm_wakeup(timed, wake)) {
      cpu_wfi();
    } else if(have_next && !CLOCK_LT(clock_time(), next)) {
      etimer_request_poll();
    }
  }
  cpu_irq_enable();
}

void
platform_reboot(void)
{
  uart_flush();
  cpu_irq_disable();
  cpu_dsb();
  REG(SCS_AIRCR) = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
  cpu_dsb();
  for(;;) {
  }
}

void
platform_soft_restart(uint32_t vtor)
{
  const uint32_t *table = (const uint32_t *)(uintptr_t)vtor;

  uart_flush();
  cpu_irq_disable();
  /* Leave no interrupt enabled or pending for the next image to trip over. */
  for(unsigned i = 0; i < (NVIC_IRQ_COUNT + 31u) / 32u; i++) {
    REG(NVIC_ICER(i)) = 0xFFFFFFFFu;
    REG(NVIC_ICPR(i)) = 0xFFFFFFFFu;
  }
  REG(SCS_VTOR) = vtor;
  cpu_dsb();
  cpu_isb();
  /* New MSP, interrupts back on (reset state: PRIMASK clear), jump to its reset handler. */
  __asm volatile(
    "msr msp, %0\n\t"
    "cpsie i\n\t"
    "bx %1\n\t"
    : : "r"(table[0]), "r"(table[1]) : "memory");
  for(;;) {
  }
}

void
platform_eui64(uint8_t out[8])
{
  ieee_addr_read(out);
}
