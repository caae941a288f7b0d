/* EUI-64 from the info page (byte order as documented in ieee-addr.h). */
#include "dev/ieee-addr.h"

#include "reg.h"

void
ieee_addr_read(uint8_t out[8])
{
  const volatile uint8_t *loc = (const volatile uint8_t *)IEEE_ADDR_LOCATION;
  int i;

  if(loc[3] == 0x00 && loc[2] == 0x12 && loc[1] == 0x4B) {
    /* Halves swapped: each 4-byte half is little-endian on its own. */
    for(i = 0; i < 8; i++) {
      out[7 - i] = loc[i < 4 ? i + 4 : i - 4];
    }
  } else {
    for(i = 0; i < 8; i++) {
      out[i] = loc[7 - i];
    }
  }
}
