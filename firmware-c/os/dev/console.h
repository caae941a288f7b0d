/* The debug console: where fmt_printf output goes and where typed characters come from.
 * CC2538: UART0 (115200 8N1). Native: stdout / stdin.
 * console_putc is a weak symbol in each port: an app that uses UART0 for something else (SLIP)
 * defines its own console_putc to redirect or drop the text. */
#ifndef CONSOLE_H_
#define CONSOLE_H_

#include <stddef.h>

void console_putc(char c);
void console_write(const char *s, size_t len);
/* Input callback, called from interrupt context on the CC2538 (keep it short: ringbuf + poll). */
void console_set_input(int (*input)(unsigned char c));

#endif /* CONSOLE_H_ */
