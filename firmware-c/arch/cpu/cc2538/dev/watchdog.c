/* Watchdog: enable with the 1 s interval (32768 cycles of the 32 kHz clock); feeding writes the
 * 0xA then 0x5 clear sequence to WDCTL bits 7:4. */
#include "dev/watchdog.h"

#include "reg.h"

#define WDCTL_EN 0x08u

void
watchdog_start(void)
{
  REG(WATCHDOG_WDCTL) = WDCTL_EN; /* INT = 00: 32768 periods */
}

int
watchdog_running(void)
{
  return (REG(WATCHDOG_WDCTL) & WDCTL_EN) != 0;
}

void
watchdog_periodic(void)
{
  uint32_t keep = REG(WATCHDOG_WDCTL) & 0x0Fu;

  REG(WATCHDOG_WDCTL) = keep | 0xA0u;
  REG(WATCHDOG_WDCTL) = keep | 0x50u;
}
