/* Internal flash programming through the flash controller registers (no boot-ROM calls).
 *
 * FADDR portability: the real CC2538 takes a 32-bit-word address (byte offset / 4), Renode and our
 * emulator take a byte offset (and read it back shifted right by 2). flash_init() probes which
 * by writing a value and reading it back, then every operation writes FADDR in the detected
 * encoding, once per word (Renode does not auto-increment).
 * Programming only clears bits (new = old & value): erase the page first.
 * The routines run from RAM with interrupts off (the flash cannot be read while it is written). */
#ifndef FLASH_H_
#define FLASH_H_

#include <stddef.h>
#include <stdint.h>

#include "reg.h"

#define FLASH_CTRL_FCTL   (FLASH_CTRL_BASE + 0x08u)
#define FLASH_CTRL_FADDR  (FLASH_CTRL_BASE + 0x0Cu)
#define FLASH_CTRL_FWDATA (FLASH_CTRL_BASE + 0x10u)
#define FLASH_FCTL_ERASE 0x01u
#define FLASH_FCTL_WRITE 0x02u
#define FLASH_FCTL_FULL  0x40u
#define FLASH_FCTL_BUSY  0x80u

#define FLASH_PAGE_SIZE CC2538_FLASH_PAGE
/* The lock page (CCA) is the last page; never erase it from the application. */
#define FLASH_CCA_PAGE  (CC2538_FLASH_BASE + CC2538_FLASH_SIZE - FLASH_PAGE_SIZE)
#define FLASH_CCA_ADDR  (CC2538_FLASH_BASE + CC2538_FLASH_SIZE - 44u)

#define FLASH_OK        0
#define FLASH_ERR_ADDR  (-1)  /* outside flash, unaligned, or the lock page */
#define FLASH_ERR_VERIFY (-2) /* read-back differs (bit set that programming cannot set) */

void flash_init(void);
/* Erase the 2 KiB page containing addr (absolute address, e.g. 0x0027F000). */
int flash_erase_page(uint32_t addr);
/* Program len bytes (multiple of 4) at addr (4-byte aligned) from words. */
int flash_write(uint32_t addr, const uint32_t *words, size_t len);

#endif /* FLASH_H_ */
