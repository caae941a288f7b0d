/* fmt: printf-style formatting without stdio. One engine (fmt_vformat) feeds a character sink;
 * snprintf and console printf are thin sinks on top. Integers are converted in 32 bits when
 * they fit (no libgcc 64-bit division pulled in for the common case). */
#include "fmt.h"

#include <stdint.h>

#include "dev/console.h"

/* Flag bits; the first five are in the order of fmt_flag_chars. */
#define FMT_LEFT  0x01u
#define FMT_ZERO  0x02u
#define FMT_PLUS  0x04u
#define FMT_SPACE 0x08u
#define FMT_ALT   0x10u
#define FMT_UPPER 0x20u
#define FMT_HEX   0x40u
#define FMT_NEG   0x80u

static const char fmt_flag_chars[] = "-0+ #";

struct fmt_sink {
  fmt_out_t out;
  void *ctx;
  int count;
};

static void
fmt_put(struct fmt_sink *s, char c)
{
  s->out(c, s->ctx);
  s->count++;
}

static void
fmt_pad(struct fmt_sink *s, char c, int n)
{
  while(n-- > 0) {
    fmt_put(s, c);
  }
}

/* Divide *n by base (<= 16) in place, return the remainder. 32-bit operations only, so no
 * libgcc 64-bit division or shift helpers get linked: the high word divides directly, the low
 * word bit by bit with the high word's remainder in front. */
static unsigned
fmt_div64(uint64_t *n, unsigned base)
{
  uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
  uint32_t rem = hi % base, qlo = 0;
  int i;

  hi /= base;
  for(i = 31; i >= 0; i--) {
    rem = (rem << 1) | ((lo >> i) & 1u);
    qlo <<= 1;
    if(rem >= base) {
      rem -= base;
      qlo |= 1u;
    }
  }
  *n = ((uint64_t)hi << 32) | qlo;
  return rem;
}

static void
fmt_number(struct fmt_sink *s, uint64_t v, unsigned flags, int width, int precision)
{
  char digits[22];
  char sign = 0;
  int nd = 0, len, zeros;
  unsigned base = (flags & FMT_HEX) ? 16u : 10u;
  int prefix = (flags & FMT_ALT) && (flags & FMT_HEX) && v != 0;

  /* "%.0d" of 0 prints no digits. */
  if(v != 0 || precision != 0) {
    do {
      unsigned d;
      if(v >> 32) {
        d = fmt_div64(&v, base);
      } else {
        uint32_t w = (uint32_t)v;
        d = w % base;
        v = w / base;
      }
      digits[nd++] = (char)(d < 10 ? '0' + d : ((flags & FMT_UPPER) ? 'A' : 'a') + d - 10);
    } while(v != 0);
  }
  if(flags & FMT_NEG) {
    sign = '-';
  } else if(flags & FMT_PLUS) {
    sign = '+';
  } else if(flags & FMT_SPACE) {
    sign = ' ';
  }
  zeros = precision > nd ? precision - nd : 0;
  len = nd + zeros + (sign ? 1 : 0) + (prefix ? 2 : 0);
  if((flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && precision < 0 && width > len) {
    zeros += width - len;
    len = width;
  }
  if(!(flags & FMT_LEFT)) {
    fmt_pad(s, ' ', width - len);
  }
  if(sign) {
    fmt_put(s, sign);
  }
  if(prefix) {
    fmt_put(s, '0');
    fmt_put(s, (flags & FMT_UPPER) ? 'X' : 'x');
  }
  fmt_pad(s, '0', zeros);
  while(nd > 0) {
    fmt_put(s, digits[--nd]);
  }
  if(flags & FMT_LEFT) {
    fmt_pad(s, ' ', width - len);
  }
}

/* Width or precision: digits (capped at 9999) or '*' from the arguments. */
static int
fmt_parse_num(const char **fmt, va_list *ap)
{
  int n = 0;

  if(**fmt == '*') {
    (*fmt)++;
    return va_arg(*ap, int);
  }
  while(**fmt >= '0' && **fmt <= '9') {
    if(n < 1000) {
      n = n * 10 + (**fmt - '0');
    }
    (*fmt)++;
  }
  return n;
}

int
fmt_vformat(fmt_out_t out, void *ctx, const char *fmt, va_list ap)
{
  struct fmt_sink s = { out, ctx, 0 };
  va_list args;

  /* A copy we can pass by address (va_list may be an array type). */
  va_copy(args, ap);
  while(*fmt != '\0') {
    const char *start = fmt;
    const char *str;
    unsigned flags = 0;
    int width, precision = -1, bits = (int)sizeof(int) * 8;
    uint64_t v;
    char c = *fmt++;

    if(c != '%') {
      fmt_put(&s, c);
      continue;
    }
    for(;;) {
      const char *f = fmt_flag_chars;
      while(*f != '\0' && *f != *fmt) {
        f++;
      }
      if(*f == '\0') {
        break;
      }
      flags |= 1u << (f - fmt_flag_chars);
      fmt++;
    }
    width = fmt_parse_num(&fmt, &args);
    if(width < 0) {
      flags |= FMT_LEFT;
      width = -width;
    }
    if(*fmt == '.') {
      fmt++;
      precision = fmt_parse_num(&fmt, &args);
    }
    /* Length modifiers, as the argument's width in bits. */
    if(*fmt == 'l') {
      fmt++;
      bits = (int)sizeof(long) * 8;
      if(*fmt == 'l') {
        fmt++;
        bits = 64;
      }
    } else if(*fmt == 'z') {
      fmt++;
      bits = (int)sizeof(size_t) * 8;
    } else {
      while(*fmt == 'h') {
        fmt++;
      }
    }

    c = *fmt;
    if(c == '\0') {
      /* Dangling '%...': print it as written. */
      while(start < fmt) {
        fmt_put(&s, *start++);
      }
      break;
    }
    fmt++;
    switch(c) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'p':
      if(c == 'p') {
        v = (uintptr_t)va_arg(args, void *);
        flags = FMT_ALT | FMT_HEX;
      } else if(bits == 64) {
        v = va_arg(args, unsigned long long);
      } else if(bits == (int)sizeof(long) * 8) {
        v = va_arg(args, unsigned long);
      } else {
        v = va_arg(args, unsigned);
      }
      if(c == 'd' || c == 'i') {
        /* Sign-extend from the argument's width, then take the magnitude in unsigned
         * arithmetic (the most negative value has no positive counterpart). */
        if(bits == 32) {
          v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
        }
        if(v >> 63) {
          flags |= FMT_NEG;
          v = (uint64_t)0 - v;
        }
      } else {
        flags &= ~(FMT_PLUS | FMT_SPACE);
        if(c == 'x') {
          flags |= FMT_HEX;
        } else if(c == 'X') {
          flags |= FMT_HEX | FMT_UPPER;
        }
      }
      fmt_number(&s, v, flags, width, precision);
      break;
    case 'c':
    case 's': {
      char ch;
      int n = 0;
      if(c == 'c') {
        ch = (char)va_arg(args, int);
        str = &ch;
        precision = 1;
      } else {
        str = va_arg(args, const char *);
        if(str == NULL) {
          str = "(null)";
        }
      }
      /* Never read past the precision: the string need not be NUL-terminated then. */
      while((precision < 0 || n < precision) && (c == 'c' || str[n] != '\0')) {
        n++;
      }
      if(!(flags & FMT_LEFT)) {
        fmt_pad(&s, ' ', width - n);
      }
      for(int i = 0; i < n; i++) {
        fmt_put(&s, str[i]);
      }
      if(flags & FMT_LEFT) {
        fmt_pad(&s, ' ', width - n);
      }
      break;
    }
    case '%':
      fmt_put(&s, '%');
      break;
    default:
      /* Unknown conversion: print it verbatim so the mistake is visible. */
      while(start < fmt) {
        fmt_put(&s, *start++);
      }
      break;
    }
  }
  va_end(args);
  return s.count;
}
/*---------------------------------------------------------------------------*/
struct fmt_buf {
  char *buf;
  size_t size;
  size_t pos;
};

static void
fmt_buf_out(char c, void *ctx)
{
  struct fmt_buf *b = ctx;

  if(b->pos + 1 < b->size) {
    b->buf[b->pos] = c;
  }
  b->pos++;
}

int
fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
  struct fmt_buf b = { buf, size, 0 };
  int n = fmt_vformat(fmt_buf_out, &b, fmt, ap);

  if(size > 0) {
    buf[b.pos < size ? b.pos : size - 1] = '\0';
  }
  return n;
}

int
fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = fmt_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
/*---------------------------------------------------------------------------*/
static void
fmt_console_out(char c, void *ctx)
{
  (void)ctx;
  console_putc(c);
}

int
fmt_vprintf(const char *fmt, va_list ap)
{
  return fmt_vformat(fmt_console_out, NULL, fmt, ap);
}

int
fmt_printf(const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = fmt_vprintf(fmt, ap);
  va_end(ap);
  return n;
}
/*---------------------------------------------------------------------------*/
char *
fmt_hex_colon(char *buf, size_t size, const void *bytes, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = bytes;
  size_t pos = 0;

  if(size == 0) {
    return buf;
  }
  for(size_t i = 0; i < n; i++) {
    size_t need = (i > 0 ? 3u : 2u);
    /* Whole bytes only, and always room for the NUL. */
    if(pos + need >= size) {
      break;
    }
    if(i > 0) {
      buf[pos++] = ':';
    }
    buf[pos++] = hex[p[i] >> 4];
    buf[pos++] = hex[p[i] & 0x0f];
  }
  buf[pos < size ? pos : size - 1] = '\0';
  return buf;
}
