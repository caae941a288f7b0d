/* The factory IEEE (EUI-64) address from the info page at 0x00280028.
 * Stored little-endian; some parts swap the two 4-byte halves (recognised by the TI OUI 00:12:4B
 * appearing at bytes 3..1), as Contiki-NG handles it. Output is most significant byte first. */
#ifndef IEEE_ADDR_H_
#define IEEE_ADDR_H_

#include <stdint.h>

#define IEEE_ADDR_LOCATION 0x00280028u

void ieee_addr_read(uint8_t out[8]);

#endif /* IEEE_ADDR_H_ */
