/* faults: prints a banner, then does what the UART input's first character asks. */
#include "testfw.h"

__attribute__((noinline)) uint32_t read_unmapped(void) { return REG(0x30000000u); }
__attribute__((noinline)) void write_flash_directly(void) { REG(0x00210000u) = 1; }
__attribute__((noinline)) void undefined_insn(void) { __asm volatile(".short 0xde00"); }
__attribute__((noinline)) void bkpt_insn(void) { __asm volatile("bkpt #1"); }
__attribute__((noinline)) void call_rom(void) { ((void (*)(void))(*(volatile uint32_t *)0x48u | 1u))(); }
__attribute__((noinline)) void jump_to_ram_garbage(void) { ((void (*)(void))0x30000001u)(); }
__attribute__((noinline)) uint32_t stack_overflow(uint32_t depth)
{
  volatile uint32_t pad[64];
  pad[0] = depth;
  return stack_overflow(depth + 1) + pad[0]; /* not a tail call: the stack must grow */
}

/* flash programming through the controller (word address in FADDR), then run the new code */
#define FCTL 0x400D3008u
#define FADDR 0x400D300Cu
#define FWDATA 0x400D3010u
#define CODE_PAGE 0x00270000u
static void flash_erase(uint32_t addr)
{
  REG(FADDR) = (addr - 0x00200000u) >> 2;
  REG(FCTL) |= 1;
  while (REG(FCTL) & 0x81) {}
}
static void flash_word(uint32_t addr, uint32_t value)
{
  REG(FADDR) = (addr - 0x00200000u) >> 2;
  REG(FCTL) |= 2;
  REG(FWDATA) = value;
  while (REG(FCTL) & 0xC2) {}
}
static uint32_t run_flash_code(uint32_t imm)
{
  flash_erase(CODE_PAGE);
  flash_word(CODE_PAGE, 0x47700000u | 0x2000u | imm);   /* movs r0, #imm ; bx lr */
  return ((uint32_t (*)(void))(CODE_PAGE | 1u))();
}

int main(void)
{
  puts_("faults ready\n");
  while (!(REG(UART0 + 0x3C) & 0x10) && (REG(UART0 + 0x18) & 0x10)) { __asm volatile("nop"); }
  char c = (char)REG(UART0);
  switch (c) {
  case 'r': read_unmapped(); break;
  case 'w': write_flash_directly(); break;
  case 'u': undefined_insn(); break;
  case 'b': bkpt_insn(); break;
  case 'j': jump_to_ram_garbage(); break;
  case 'o': call_rom(); break;
  case 'f':
    puts_("flash code: "); puthex(run_flash_code(42)); putc_(' '); puthex(run_flash_code(7));
    putc_('\n');
    break;
  case 's': stack_overflow(0); break;
  case 'R': REG(SCB_AIRCR) = 0x05FA0004u; for (;;) {}
  default: break;
  }
  puts_("no fault\n");
  return 0;
}
