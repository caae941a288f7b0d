/* System control: 32 MHz crystal, undivided clocks, the regular interrupt map. */
#include "dev/sys-ctrl.h"

/* ~40 ms at 16 MHz: far beyond the crystal start-up time; on Renode the status register is a
 * rolling bit that matches within 32 reads. */
#define SYS_CTRL_CLOCK_WAIT 100000u

int
sys_ctrl_init(void)
{
  const uint32_t want = SYS_CTRL_CLOCK_OSC32K; /* 32 kHz RC on, 32 MHz crystal selected */
  uint32_t i;
  int stable = 0;

  /* Keep peripheral clocks running while a debugger halts the core. */
  REG(SYS_CTRL_EMUOVR) = 0xFF;
  /* OSC32K=1 (RC 32 kHz), OSC=0 (32 MHz crystal), power down the 16 MHz RC, IO/SYS div 1. */
  REG(SYS_CTRL_CLOCK_CTRL) = SYS_CTRL_CLOCK_OSC32K | SYS_CTRL_CLOCK_OSC_PD;
  for(i = 0; i < SYS_CTRL_CLOCK_WAIT; i++) {
    if((REG(SYS_CTRL_CLOCK_STA) & (SYS_CTRL_CLOCK_OSC32K | SYS_CTRL_CLOCK_OSC)) == want) {
      stable = 1;
      break;
    }
  }
  /* I_MAP stays at its reset value, the regular map: the RF core at IRQ 141 and the sleep timer
   * at 145, where Renode wires them too (the alternate map would move them to 26 and 32). */
  return stable;
}

int
sys_ctrl_reset_cause(void)
{
  return (int)((REG(SYS_CTRL_CLOCK_STA) & SYS_CTRL_CLOCK_STA_RST) >> SYS_CTRL_CLOCK_STA_RST_S);
}
