/* periph: bit-banding, GPIO masked DATA, sleep timer + WFI, reset cause, watchdog. Prints results. */
#include "testfw.h"

#define BB_SRAM(addr, bit) (*(volatile uint32_t *)(0x22000000u + ((addr) - 0x20000000u) * 32u + (bit) * 4u))
#define BB_PERI(addr, bit) (*(volatile uint32_t *)(0x42000000u + ((addr) - 0x40000000u) * 32u + (bit) * 4u))
#define GPIO_C 0x400DB000u
#define ST0 0x400D5040u
#define CLOCK_STA 0x400D2004u
#define WDCTL 0x400D5000u

static volatile uint32_t word;
volatile uint32_t periph_magic = 0xC0FFEEu;  /* initialised data (.data) */
static volatile uint32_t st_irqs;
static uint32_t boots __attribute__((section(".noinit")));

void sleeptimer_handler(void) { st_irqs++; }

static uint32_t st_now(void)
{
  uint32_t v = REG(ST0) & 0xFF;
  v |= (REG(ST0 + 4) & 0xFF) << 8;
  v |= (REG(ST0 + 8) & 0xFF) << 16;
  v |= (REG(ST0 + 12) & 0xFF) << 24;
  return v;
}

int main(void)
{
  uint32_t cause = (REG(CLOCK_STA) >> 22) & 3;
  puts_("periph boot cause="); puthex(cause); putc_(' '); puthex(periph_magic); putc_('\n');
  word = 0;
  BB_SRAM((uint32_t)&word, 3) = 1;
  BB_SRAM((uint32_t)&word, 31) = 1;
  puts_("bitband sram: "); puthex(word); putc_(' '); puthex(BB_SRAM((uint32_t)&word, 3));
  putc_(' '); puthex(BB_SRAM((uint32_t)&word, 4)); putc_('\n');

  REG(GPIO_C + 0x400) = 0x0F;             /* PC0-3 outputs */
  REG(GPIO_C + (0x05u << 2)) = 0xFF;      /* masked write: only PC0 and PC2 */
  puts_("gpio masked: "); puthex(REG(GPIO_C + 0x3FC)); putc_(' ');
  BB_PERI(GPIO_C + 0x3FC, 1) = 1;         /* bit-band set PC1 */
  puthex(REG(GPIO_C + 0x3FC)); putc_(' ');
  BB_PERI(GPIO_C + 0x3FC, 0) = 0;
  puthex(REG(GPIO_C + 0x3FC)); putc_('\n');

  /* sleep timer compare 100 ticks ahead, then sleep */
  REG(0xE000E100u + 4u * (145 / 32)) = 1u << (145 % 32);
  uint32_t start = st_now();
  uint32_t at = start + 100;
  REG(ST0 + 12) = at >> 24; REG(ST0 + 8) = (at >> 16) & 0xFF; REG(ST0 + 4) = (at >> 8) & 0xFF;
  REG(ST0) = at & 0xFF;
  while (!st_irqs) __asm volatile("wfi");
  uint32_t woke = st_now();
  puts_("sleep: irqs="); puthex(st_irqs); puts_(" ticks="); puthex(woke - start); putc_('\n');

  if (cause == 0) {
    boots = 1;
    puts_("resetting\n");
    REG(SCB_AIRCR) = 0x05FA0004u;
    for (;;) {}
  }
  if (cause == 3) {
    puts_("after reset boots="); puthex(boots); putc_('\n');
    REG(WDCTL) = 0x8 | 3;                 /* watchdog on, 64 ticks (~2 ms); never fed */
    for (;;) __asm volatile("wfi");
  }
  puts_("after watchdog\n");
  return 0;
}
