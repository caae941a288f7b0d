/* Flash erase/program through the controller registers (see flash.h for FADDR encoding).
 * The operations run from RAM (.ramfunc, copied with .data) with interrupts masked, since the
 * flash is unreadable while the controller erases or programs it. */
#include "dev/flash.h"

#include "critical.h"

#define FLASH_RAMFUNC __attribute__((section(".ramfunc"), noinline, long_call))
/* Page erase takes ~20 ms on the real chip: ~640k cycles; the loop is ~6 cycles per turn. */
#define FLASH_ERASE_SPIN 400000u
#define FLASH_WRITE_SPIN 4000u

static uint8_t flash_faddr_bytes = 1;   /* 1: byte offset (Renode/emulator), 0: word address */

void
flash_init(void)
{
  /* Renode stores a byte offset and reads it back >> 2; the real chip reads back what it got. */
  REG(FLASH_CTRL_FADDR) = 4;
  flash_faddr_bytes = (REG(FLASH_CTRL_FADDR) == 1);
  REG(FLASH_CTRL_FADDR) = 0;
}

static inline uint32_t
flash_faddr(uint32_t addr)
{
  uint32_t off = addr - CC2538_FLASH_BASE;

  return flash_faddr_bytes ? off : off >> 2;
}

static FLASH_RAMFUNC int
flash_ram_erase(uint32_t faddr)
{
  uint32_t spin = FLASH_ERASE_SPIN;

  REG(FLASH_CTRL_FADDR) = faddr;
  REG(FLASH_CTRL_FCTL) |= FLASH_FCTL_ERASE;
  while((REG(FLASH_CTRL_FCTL) & (FLASH_FCTL_BUSY | FLASH_FCTL_ERASE)) && --spin) {
  }
  return spin != 0;
}

static FLASH_RAMFUNC int
flash_ram_write_word(uint32_t faddr, uint32_t value)
{
  uint32_t spin = FLASH_WRITE_SPIN;

  REG(FLASH_CTRL_FADDR) = faddr;
  REG(FLASH_CTRL_FCTL) |= FLASH_FCTL_WRITE;
  REG(FLASH_CTRL_FWDATA) = value;
  while((REG(FLASH_CTRL_FCTL) & (FLASH_FCTL_BUSY | FLASH_FCTL_WRITE | FLASH_FCTL_FULL)) && --spin) {
  }
  return spin != 0;
}

static int
flash_range_ok(uint32_t addr, size_t len)
{
  return addr >= CC2538_FLASH_BASE && (addr & 3u) == 0 && (len & 3u) == 0 &&
         len <= FLASH_CCA_PAGE - addr && addr < FLASH_CCA_PAGE;
}

int
flash_erase_page(uint32_t addr)
{
  critical_state_t s;
  int ok;

  addr &= ~(FLASH_PAGE_SIZE - 1u);
  if(!flash_range_ok(addr, FLASH_PAGE_SIZE)) {
    return FLASH_ERR_ADDR;
  }
  s = critical_enter();
  ok = flash_ram_erase(flash_faddr(addr));
  critical_exit(s);
  for(uint32_t a = addr; ok && a < addr + FLASH_PAGE_SIZE; a += 4) {
    if(REG(a) != 0xFFFFFFFFu) {
      ok = 0;
    }
  }
  return ok ? FLASH_OK : FLASH_ERR_VERIFY;
}

int
flash_write(uint32_t addr, const uint32_t *words, size_t len)
{
  critical_state_t s;
  size_t i;

  if(!flash_range_ok(addr, len)) {
    return FLASH_ERR_ADDR;
  }
  for(i = 0; i < len / 4u; i++) {
    uint32_t a = addr + 4u * i;
    s = critical_enter();
    flash_ram_write_word(flash_faddr(a), words[i]);
    critical_exit(s);
    if(REG(a) != words[i]) {
      return FLASH_ERR_VERIFY;
    }
  }
  return FLASH_OK;
}
