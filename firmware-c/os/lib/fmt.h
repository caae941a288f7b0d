/* fmt: a small printf family of our own (no newlib stdio, no floats, no heap).
 * Conversions: %d %i %u %x %X %c %s %p %% with the l (long) and ll (long long) length modifiers,
 * z (size_t), h/hh (accepted, value promoted anyway), flags '-' '0' '+' ' ', field width and
 * precision (digits or '*'; precision for %s limits the bytes read). Unknown conversions are
 * printed verbatim. %s with NULL prints "(null)".
 * fmt_printf writes to the console (console_putc: UART0 on the CC2538, stdout natively). */
#ifndef FMT_H_
#define FMT_H_

#include <stdarg.h>
#include <stddef.h>

#include "cc.h"

/* Both return the number of characters the full output has (like C99 snprintf), so truncation
 * is detected by ret >= size; the buffer is always NUL-terminated when size > 0. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) CC_PRINTF(3, 4);
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

int fmt_printf(const char *fmt, ...) CC_PRINTF(1, 2);
int fmt_vprintf(const char *fmt, va_list ap);

/* Generic engine: out(c, ctx) receives each character. */
typedef void (*fmt_out_t)(char c, void *ctx);
int fmt_vformat(fmt_out_t out, void *ctx, const char *fmt, va_list ap);

/* "xx:xx:..." of n bytes into buf (size >= 3*n); returns buf. For EUI-64s and addresses. */
char *fmt_hex_colon(char *buf, size_t size, const void *bytes, size_t n);

#endif /* FMT_H_ */
