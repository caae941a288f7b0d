/* CC2538 bootloader: minimal start-up (no interrupts, no kernel), the portable core
 * (bl-core.c) and a jump into slot A. Entered on power-up (the lock page points here) and by
 * the application's soft restart after Execute /5/0/2 (no hardware reset: Renode erases flash
 * on a machine reset). Everything it needs from the hardware: flash controller, UART0 TX. */
#include <stdint.h>

#include "bootloader/bl-core.h"
#include "bootloader/bl-flash.h"
#include "cc.h"
#include "dev/flash.h"
#include "dev/sys-ctrl.h"
#include "dev/watchdog.h"
#include "dev/uart.h"
#include "nvic.h"
#include "reg.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_end;
void reset_handler(void);
static void bl_halt(void);

/* Only the core vectors: the bootloader never enables an interrupt. */
CC_SECTION(".vectors") CC_USED
const void *const bl_vectors[16] = {
  &_stack_end, (const void *)reset_handler, (const void *)bl_halt, (const void *)bl_halt,
  (const void *)bl_halt, (const void *)bl_halt, (const void *)bl_halt
};

static void
bl_halt(void)
{
  for(;;) {
    __asm volatile("wfi");
  }
}

void
bl_log(const char *msg)
{
  while(*msg) {
    uart_write_byte((uint8_t)*msg++);
  }
  uart_write_byte('\r');
  uart_write_byte('\n');
}

/* A trial image that hangs or faults is reset by the watchdog (~1 s unfed): the next boot counts
 * another trial and the third rolls back. It cannot be turned off again: the kernel's idle loop
 * feeds it (arch/cpu/cc2538/platform.c). */
void
bl_trial_boot(void)
{
  watchdog_start();
}

/* Does not return: VTOR, MSP and the image's reset vector, as a fresh reset would. */
static void
bl_jump(uint32_t vtor)
{
  const uint32_t *table = (const uint32_t *)(uintptr_t)vtor;
  REG(SCS_VTOR) = vtor;
  __asm volatile(
    "dsb\n\tisb\n\t"
    "msr msp, %0\n\t"
    "bx %1\n\t"
    : : "r"(table[0]), "r"(table[1]) : "memory");
  for(;;) {
  }
}

void
reset_handler(void)
{
  uint32_t *src = &_sidata, *dst;
  uint32_t target;

  __asm volatile("cpsid i");
  REG(SCS_VTOR) = (uint32_t)(uintptr_t)bl_vectors;
  for(dst = &_sdata; dst < &_edata;) {
    *dst++ = *src++;
  }
  for(dst = &_sbss; dst < &_ebss;) {
    *dst++ = 0;
  }
  sys_ctrl_init();
  /* UART0 TX only (RX interrupt stays off: the NVIC line is not enabled). */
  uart_init();
  nvic_disable(NVIC_IRQ_UART0);
  flash_init();
  bl_log("BOOT: rig bootloader");
  target = bl_run();
  if(target) {
    uart_flush();
    bl_jump(target);
  }
  bl_halt();
}
