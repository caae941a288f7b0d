/* fault-test: prints its banner, then reads an unmapped address from the named function
 * touch_unmapped() so an emulator can report the fault with the symbol. On the real chip this is
 * a bus fault reported by the startup code's fault handler; Renode only logs the access and
 * returns 0, so the firmware then says that no fault happened. */
#include <stdint.h>

#include "cc.h"
#include "fmt.h"
#include "process.h"

#define FAULT_TEST_ADDR 0x60000000u

PROCESS(fault_process, "fault-test");
AUTOSTART_PROCESSES(&fault_process);

CC_NOINLINE uint32_t touch_unmapped(void);
CC_NOINLINE uint32_t
touch_unmapped(void)
{
  return *(volatile uint32_t *)(uintptr_t)FAULT_TEST_ADDR;
}

PROCESS_THREAD(fault_process, ev, data)
{
  uint32_t v;

  PROCESS_BEGIN();

  fmt_printf("lwm2m-rig fault-test: reading 0x%08lx\n", (unsigned long)FAULT_TEST_ADDR);
  v = touch_unmapped();
  fmt_printf("fault-test: no fault, read 0x%08lx\n", (unsigned long)v);

  PROCESS_END();
}
