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

/* fault handlers: they run only with NodeSpec extra {"fault_exceptions": True} */
static volatile uint32_t fault_again; /* 'L': fault inside the HardFault handler (lockup) */
static void fault_status(const char *which)
{
  puts_(which);
  puts_(" cfsr="); puthex(REG(0xE000ED28u));
  puts_(" hfsr="); puthex(REG(0xE000ED2Cu));
  puts_(" bfar="); puthex(REG(0xE000ED38u));
  putc_('\n');
}
void hardfault_handler(void)
{
  fault_status("hardfault");
  if (fault_again) undefined_insn();
  for (;;) __asm volatile("wfi");
}
void busfault_handler(void) { fault_status("busfault"); for (;;) __asm volatile("wfi"); }
void usagefault_handler(void) { fault_status("usagefault"); for (;;) __asm volatile("wfi"); }

/* what the emulator does not model: each block warns once (node.warnings) */
__attribute__((noinline)) void touch_unmodelled(void)
{
  uint32_t sum = REG(0x400D7000u);        /* ADC */
  sum += REG(0x400D7004u);                /* ADC again: no second warning */
  sum += REG(0x44004000u);                /* PKA (outside the APB/AHB window) */
  REG(0x40050000u) = sum;                 /* reserved */
  REG(0x400D4000u) = 1;                   /* IOC: configuration only, quiet */
  REG(0x40088838u) = 0xECu;               /* RFST: ISCLEAR, not modelled */
  uint32_t ctl = REG(UART0 + 0x30);
  REG(UART0 + 0x30) = ctl & ~1u;          /* UARTEN off: the next character is lost */
  REG(UART0) = '!';
  REG(UART0) = '?';
  REG(UART0 + 0x30) = ctl;
}

int main(void)
{
  if (((REG(0x400D2004u) >> 22) & 3u) == 2u) /* CLOCK_STA.RST: 2 = watchdog */
    puts_("reset by the watchdog\n");
  puts_("faults ready\n");
  while (!(REG(UART0 + 0x3C) & 0x10) && (REG(UART0 + 0x18) & 0x10)) { __asm volatile("nop"); }
  char c = (char)REG(UART0);
  switch (c) {
  case 'r': read_unmapped(); break;
  case 'w': write_flash_directly(); break;
  case 'u': undefined_insn(); break;
  case 'p': touch_unmodelled(); puts_("touched\n"); break;
  case 'U': REG(0xE000ED24u) |= 0x70000u; undefined_insn(); break;  /* SHCSR: own fault handlers */
  case 'B': REG(0xE000ED24u) |= 0x70000u; read_unmapped(); break;
  case 'L': fault_again = 1; undefined_insn(); break;
  case 'W': REG(0x400D5000u) = 0x08u; undefined_insn(); break; /* arm the watchdog (1 s), then fault */
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
