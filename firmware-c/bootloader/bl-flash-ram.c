/* bl-flash.h for native builds (unit tests, the host client): the CC2538 flash as a RAM array
 * with the same rules (erase a 2 KiB page to 0xFF, programming only clears bits).
 * bl_flash_ram_ops counts operations; bl_flash_ram_cut_at makes the n-th one fail and report a
 * power cut through bl_flash_ram_on_cut (tests decide what a cut means for them). */
#include "bootloader/bl-flash.h"

#include <string.h>

#include "bootloader/fw-image.h"

uint8_t bl_flash_ram[FW_FLASH_SIZE];
unsigned long bl_flash_ram_ops, bl_flash_ram_cut_at;
void (*bl_flash_ram_on_cut)(void);
static int bl_flash_ram_ready;

static void
bl_flash_ram_init(void)
{
  if(!bl_flash_ram_ready) {
    memset(bl_flash_ram, 0xFF, sizeof(bl_flash_ram));
    bl_flash_ram_ready = 1;
  }
}

static int
bl_flash_ram_op(void)
{
  bl_flash_ram_ops++;
  if(bl_flash_ram_cut_at && bl_flash_ram_ops == bl_flash_ram_cut_at) {
    if(bl_flash_ram_on_cut) {
      bl_flash_ram_on_cut();
    }
    return -1;
  }
  return 0;
}

const uint8_t *
bl_flash_map(uint32_t addr)
{
  bl_flash_ram_init();
  return &bl_flash_ram[addr - FW_FLASH_BASE];
}

int
bl_flash_erase(uint32_t addr)
{
  bl_flash_ram_init();
  addr &= ~(FW_PAGE_SIZE - 1u);
  if(addr < FW_FLASH_BASE || addr >= FW_FLASH_BASE + FW_FLASH_SIZE - FW_PAGE_SIZE) {
    return -1;
  }
  if(bl_flash_ram_op()) {
    return -1;
  }
  memset(&bl_flash_ram[addr - FW_FLASH_BASE], 0xFF, FW_PAGE_SIZE);
  return 0;
}

int
bl_flash_program(uint32_t addr, const void *src, uint32_t len)
{
  const uint8_t *s = src;
  bl_flash_ram_init();
  if(addr < FW_FLASH_BASE || (addr & 3u) || (len & 3u) ||
     addr - FW_FLASH_BASE + len > FW_FLASH_SIZE - FW_PAGE_SIZE) {
    return -1;
  }
  for(uint32_t i = 0; i < len; i++) {
    if((i & 3u) == 0 && bl_flash_ram_op()) {
      return -1;
    }
    bl_flash_ram[addr - FW_FLASH_BASE + i] &= s[i];
  }
  for(uint32_t i = 0; i < len; i++) {
    if(bl_flash_ram[addr - FW_FLASH_BASE + i] != s[i]) {
      return -1;
    }
  }
  return 0;
}
