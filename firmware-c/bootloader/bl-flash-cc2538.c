/* bl-flash.h on the CC2538: memory-mapped reads, flash controller for erase/program. */
#include "bootloader/bl-flash.h"

#include "dev/flash.h"

const uint8_t *
bl_flash_map(uint32_t addr)
{
  return (const uint8_t *)(uintptr_t)addr;
}

int
bl_flash_erase(uint32_t addr)
{
  return flash_erase_page(addr);
}

int
bl_flash_program(uint32_t addr, const void *src, uint32_t len)
{
  return flash_write(addr, (const uint32_t *)src, len);
}
