/* CRC-16 with polynomial 0x1021 in both bit orders.
 * crc16_kermit: reflected (LSB first), init 0 by convention: the IEEE 802.15.4 FCS (send the low
 *   byte first). Check value of "123456789" = 0x2189.
 * crc16_ccitt:  MSB first; init 0xFFFF gives CRC-16/CCITT-FALSE (check 0x29B1), init 0 gives
 *   XMODEM (check 0x31C3).
 * Pass the previous result as crc to continue over several buffers. Bitwise: small, no table. */
#ifndef CRC16_H_
#define CRC16_H_

#include <stddef.h>
#include <stdint.h>

uint16_t crc16_kermit(const void *data, size_t len, uint16_t crc);
uint16_t crc16_ccitt(const void *data, size_t len, uint16_t crc);

#endif /* CRC16_H_ */
