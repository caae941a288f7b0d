/* The flash operations the update logic needs, implemented once per platform: on the CC2538 by
 * bl-flash-cc2538.c (flash controller, memory-mapped reads), in unit tests by a RAM flash model
 * that can cut the power at any operation. Addresses are absolute (0x00200000..). */
#ifndef BL_FLASH_H_
#define BL_FLASH_H_

#include <stdint.h>

/* Readable view of the flash at addr. */
const uint8_t *bl_flash_map(uint32_t addr);
/* Erase the page containing addr. 0 ok. */
int bl_flash_erase(uint32_t addr);
/* Program len bytes (multiple of 4, addr 4-aligned, src 4-aligned; src may be in flash). 0 ok. */
int bl_flash_program(uint32_t addr, const void *src, uint32_t len);

#endif /* BL_FLASH_H_ */
