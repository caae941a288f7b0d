/* RFRND seed (see rfrnd.h). Register facts: FRMCTRL0 0x624 (RX_MODE bits 3:2 = 10: infinite RX),
 * RSSISTAT 0x664 bit 0 RSSI_VALID, RFRND 0x69C bits 1:0, RFST 0x838 strobes. Only strobes that
 * Renode models are used (ISRXON, SRFOFF, ISFLUSHRX). */
#include "dev/rfrnd.h"

#include "dev/sys-ctrl.h"
#include "reg.h"

#define RFRND_FRMCTRL0 (RFCORE_BASE + 0x624u)
#define RFRND_RSSISTAT (RFCORE_BASE + 0x664u)
#define RFRND_RFRND    (RFCORE_BASE + 0x69Cu)
#define RFRND_RFST     (RFCORE_BASE + 0x838u)
#define RFRND_ISRXON    0xE3u
#define RFRND_SRFOFF    0xDFu
#define RFRND_ISFLUSHRX 0xEDu
#define RFRND_RSSI_WAIT 20000u

uint32_t
rfrnd_seed(void)
{
  uint32_t saved_frmctrl0, seed = 0;
  uint32_t spin = RFRND_RSSI_WAIT;
  int i;

  REG(SYS_CTRL_RCGCRFC) = SYS_CTRL_RCGCRFC_RFC0;
  saved_frmctrl0 = REG(RFRND_FRMCTRL0);
  REG(RFRND_FRMCTRL0) = 0x08u;
  REG(RFRND_RFST) = RFRND_ISRXON;
  /* Noise is random only once the receiver has settled (RSSI valid); bounded for emulators. */
  while(!(REG(RFRND_RSSISTAT) & 1u) && --spin) {
  }
  for(i = 0; i < 32; i++) {
    /* Rotate-and-xor both bits in, so correlated neighbours still spread over the word. */
    seed = (seed << 3 | seed >> 29) ^ (REG(RFRND_RFRND) & 3u);
  }
  REG(RFRND_RFST) = RFRND_SRFOFF;
  REG(RFRND_RFST) = RFRND_ISFLUSHRX;
  REG(RFRND_FRMCTRL0) = saved_frmctrl0;
  return seed;
}
