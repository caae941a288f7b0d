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
  case 's': stack_overflow(0); break;
  case 'R': REG(SCB_AIRCR) = 0x05FA0004u; for (;;) {}
  default: break;
  }
  puts_("no fault\n");
  return 0;
}
