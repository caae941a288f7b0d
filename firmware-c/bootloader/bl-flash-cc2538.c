/* bl-flash.h on the CC2538: memory-mapped reads, flash controller for erase/program. Each
 * operation feeds the watchdog: a swap takes seconds on the chip (~20 ms per page erase), and the
 * watchdog may be running (an image on trial restarting into the bootloader for the next update). */
#include "bootloader/bl-flash.h"

#include "dev/flash.h"
#include "dev/watchdog.h"

const uint8_t *
bl_flash_map(uint32_t addr)
{
  return (const uint8_t *)(uintptr_t)addr;
}

int
bl_flash_erase(uint32_t addr)
{
  watchdog_periodic();
  return flash_erase_page(addr);
}

int
bl_flash_program(uint32_t addr, const void *src, uint32_t len)
{
  watchdog_periodic();
  return flash_write(addr, (const uint32_t *)src, len);
}
