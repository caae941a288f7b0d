/* Bitwise CRC-16 (poly 0x1021): ~40 bytes of code each instead of a 512-byte table. */
#include "crc16.h"

uint16_t
crc16_kermit(const void *data, size_t len, uint16_t crc)
{
  const uint8_t *p = data;

  while(len--) {
    crc ^= *p++;
    for(int i = 0; i < 8; i++) {
      crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0x8408u) : (uint16_t)(crc >> 1);
    }
  }
  return crc;
}

uint16_t
crc16_ccitt(const void *data, size_t len, uint16_t crc)
{
  const uint8_t *p = data;

  while(len--) {
    crc ^= (uint16_t)(*p++ << 8);
    for(int i = 0; i < 8; i++) {
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}
