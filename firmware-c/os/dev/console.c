/* The port-independent half of the console: each port provides console_putc (weak, so an app can
 * redirect it) and console_set_input. */
#include "console.h"

void
console_write(const char *s, size_t len)
{
  while(len--) {
    console_putc(*s++);
  }
}
