/* CC2538 console on UART0. console_putc is weak: an app that owns UART0 (SLIP) overrides it. */
#include "dev/console.h"

#include "cc.h"
#include "dev/uart.h"

CC_WEAK void
console_putc(char c)
{
  uart_write_byte((uint8_t)c);
}

void
console_set_input(int (*input)(unsigned char c))
{
  uart_set_input(input);
}
