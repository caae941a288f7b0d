/* Minimal CC2538 start-up for emulator tests: vector table, lock page, .data/.bss, UART0 output. */
#include <stdint.h>
#include "testfw.h"

extern uint32_t _sdata, _edata, _sidata, _sbss, _ebss, _stack_top;
extern int main(void);
void reset_handler(void);
void default_handler(void);
#define WEAK __attribute__((weak, alias("default_handler")))
void hardfault_handler(void) WEAK;
void memmanage_handler(void) WEAK;
void busfault_handler(void) WEAK;
void usagefault_handler(void) WEAK;
void svc_handler(void) WEAK;
void pendsv_handler(void) WEAK;
void systick_handler(void) WEAK;
void irq10_handler(void) WEAK;
void irq11_handler(void) WEAK;
void irq12_handler(void) WEAK;
void irq13_handler(void) WEAK;
void uart0_handler(void) WEAK;
void sleeptimer_handler(void) WEAK;

__attribute__((section(".vectors"), used))
void (*const vectors[16 + 163])(void) = {
  (void (*)(void))&_stack_top, reset_handler, default_handler, hardfault_handler,
  memmanage_handler, busfault_handler, usagefault_handler, 0, 0, 0, 0, svc_handler, default_handler, 0,
  pendsv_handler, systick_handler,
  [16 + 5] = uart0_handler,
  [16 + 10] = irq10_handler, [16 + 11] = irq11_handler, [16 + 12] = irq12_handler,
  [16 + 13] = irq13_handler,
  [16 + 145] = sleeptimer_handler,
};

#ifndef NO_CCA
struct cca { uint32_t bootldr_cfg, image_valid; const void *vectors; uint8_t lock[32]; };
__attribute__((section(".flashcca"), used))
const struct cca cca = { 0xEFFFFFFFu, 0, vectors, { [0 ... 31] = 0xFF } };
#endif

void reset_handler(void)
{
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss; ) *dst++ = 0;
  REG(0xE000ED08) = (uint32_t)vectors;
  REG(UART0 + 0x30) = 0x301; /* UARTEN | TXE | RXE */
  main();
  for (;;) __asm volatile("wfi");
}

void default_handler(void)
{
  puts_("unexpected exception\n");
  for (;;) {}
}

void putc_(char c)
{
  while (REG(UART0 + 0x18) & (1u << 5)) {}
  REG(UART0) = (uint8_t)c;
}

void puts_(const char *s)
{
  while (*s) putc_(*s++);
}

void puthex(uint32_t v)
{
  for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}
