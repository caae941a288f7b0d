/* Native console: stdout (flushed per line so pipes see whole lines promptly), stdin input is
 * read by platform_idle() when an input callback is set. */
#include "dev/console.h"

#include <stdio.h>

#include "cc.h"

int (*native_console_input)(unsigned char c);

CC_WEAK void
console_putc(char c)
{
  putchar((unsigned char)c);
  if(c == '\n') {
    fflush(stdout);
  }
}

void
console_set_input(int (*input)(unsigned char c))
{
  native_console_input = input;
}
