/* fmt unit tests: conversions against the host libc's snprintf, edge cases, truncation. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "unit.h"

#include "fmt.h"

/* Format with both fmt and libc and compare text and return value. */
#define SAME(...)                                                               \
  do {                                                                          \
    char ours_[128], libc_[128];                                                \
    int ro_ = fmt_snprintf(ours_, sizeof(ours_), __VA_ARGS__);                  \
    int rl_ = snprintf(libc_, sizeof(libc_), __VA_ARGS__);                      \
    if(ro_ != rl_ || strcmp(ours_, libc_) != 0) {                               \
      printf("  %s:%d: fmt \"%s\" vs libc \"%s\" (%d/%d)\n", __FILE__, __LINE__,  \
             ours_, libc_, ro_, rl_);                                           \
      unit_current_failed_ = 1;                                                 \
    }                                                                           \
  } while(0)

UNIT_TEST(test_integers)
{
  SAME("%d", 0);
  SAME("%d", -1);
  SAME("%d|%i", INT_MAX, INT_MIN);
  SAME("%u", UINT_MAX);
  SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
  SAME("%02x", 5u);
  SAME("%02x", 0xabcu);
  SAME("%08lx", 0x1234ul);
  SAME("%ld %ld", LONG_MAX, LONG_MIN);
  SAME("%lu %lx", ULONG_MAX, ULONG_MAX);
  SAME("%lld %lld", LLONG_MAX, LLONG_MIN);
  SAME("%llu %llx", ULLONG_MAX, 0x123456789abcdefull);
  SAME("%zu", (size_t)12345);
  SAME("%5d|%-5d|%05d", 42, 42, 42);
  SAME("%5d|%-5d|%05d", -42, -42, -42);
  SAME("%+d %+d % d", 5, -5, 5);
  SAME("%.3d|%.0d|%.0d", 7, 0, 1);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
  SAME("%8.3d|%-8.3d|%08.3d", -7, 7, 7); /* '0' is ignored when a precision is given */
#pragma GCC diagnostic pop
  SAME("%#x %#x %#X", 255u, 0u, 255u);
  SAME("%*d|%-*d|%*d", 6, 1, 6, 2, -6, 3);
  SAME("%hd %hhu", (short)-3, (unsigned char)200);
}

UNIT_TEST(test_strings_chars)
{
  SAME("%s", "hello");
  SAME("[%8s][%-8s]", "ab", "ab");
  SAME("[%.2s][%5.1s]", "abcdef", "xyz");
  SAME("%c%c%c", 'a', 'b', 'c');
  SAME("[%3c][%-3c]", 'x', 'y');
  SAME("100%%");
  SAME("%s=%d;%s", "k", 1, "v");
}

/* The next tests pass deliberately odd arguments and formats. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-overflow"
#endif
#pragma GCC diagnostic ignored "-Wformat-extra-args"
UNIT_TEST(test_null_pointer_and_p)
{
  char buf[64];
  int x;

  fmt_snprintf(buf, sizeof(buf), "%s", (char *)NULL);
  UNIT_CHECK(strcmp(buf, "(null)") == 0);
  SAME("%p", (void *)&x);
  fmt_snprintf(buf, sizeof(buf), "%.3s", (char *)NULL);
  UNIT_CHECK(strcmp(buf, "(nu") == 0);
}

UNIT_TEST(test_unterminated_string_with_precision)
{
  /* Precision bounds the read: no NUL needed (ASan would catch an over-read). */
  char raw[3] = { 'a', 'b', 'c' };
  char buf[8];

  UNIT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%.3s", raw), 3);
  UNIT_CHECK(strcmp(buf, "abc") == 0);
}

UNIT_TEST(test_truncation)
{
  char buf[8];

  memset(buf, 'Z', sizeof(buf));
  UNIT_CHECK_EQ(fmt_snprintf(buf, 5, "%s", "abcdefgh"), 8);
  UNIT_CHECK(strcmp(buf, "abcd") == 0);
  UNIT_CHECK_EQ(buf[5], 'Z'); /* nothing written past size */

  memset(buf, 'Z', sizeof(buf));
  UNIT_CHECK_EQ(fmt_snprintf(buf, 1, "%d", 12345), 5);
  UNIT_CHECK_EQ(buf[0], '\0');
  UNIT_CHECK_EQ(buf[1], 'Z');

  memset(buf, 'Z', sizeof(buf));
  UNIT_CHECK_EQ(fmt_snprintf(buf, 0, "%d", 12345), 5);
  UNIT_CHECK_EQ(buf[0], 'Z'); /* size 0: untouched */

  UNIT_CHECK_EQ(fmt_snprintf(NULL, 0, "%s-%u", "ab", 77u), 5); /* measuring call */

  UNIT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "1234567"), 7); /* exact fit */
  UNIT_CHECK(strcmp(buf, "1234567") == 0);
}

UNIT_TEST(test_bad_formats)
{
  char buf[32];

  /* Unknown conversions are printed as written; a trailing '%' too. */
  UNIT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "a%qb"), 4);
  UNIT_CHECK(strcmp(buf, "a%qb") == 0);
  UNIT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "x%"), 2);
  UNIT_CHECK(strcmp(buf, "x%") == 0);
  UNIT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "x%-05"), 5);
  UNIT_CHECK(strcmp(buf, "x%-05") == 0);
  /* Absurd widths are capped instead of overflowing int. */
  UNIT_CHECK(fmt_snprintf(buf, sizeof(buf), "%99999999999d", 1) < 20000);
}
#pragma GCC diagnostic pop

/* Pseudo-random values through a table of formats: compare with libc. */
UNIT_TEST(test_random_against_libc)
{
  static const char *const fmts[] = { "%d", "%u", "%x", "%08x", "%-9d|", "%+.4d", "%#X", "% 7i" };
  uint32_t x = 0x9E3779B9u;

  for(int i = 0; i < 4000; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    const char *f = fmts[i % 8];
    SAME(f, (int)x);
    uint64_t big = ((uint64_t)x << 32) | (x * 2654435761u);
    SAME("%llu|%llx|%lld", (unsigned long long)big, (unsigned long long)big, (long long)big);
  }
}

/* Random valid conversion specs (flags, width, precision, length, conversion) with random
 * values, compared with libc. Formats are built at run time, hence the pragma. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
UNIT_TEST(test_random_specs_against_libc)
{
  static const char flags[] = "-0+ #";
  static const char convs[] = "diuxX";
  uint32_t x = 12345u;
  char spec[32];

  for(int i = 0; i < 20000; i++) {
    int n = 0;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    char conv = convs[x % 5];
    spec[n++] = '<';
    spec[n++] = '%';
    for(int f = 0; f < 5; f++) {
      /* '#' is only defined for x/X here; libc ignores '0' with '-' (as we do). */
      if(((x >> (3 + f)) & 1u) && !(flags[f] == '#' && conv != 'x' && conv != 'X')) {
        spec[n++] = flags[f];
      }
    }
    if((x >> 9) & 1u) {
      n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%u", (unsigned)((x >> 10) % 25u));
    }
    if((x >> 15) & 1u) {
      n += snprintf(spec + n, sizeof(spec) - (size_t)n, ".%u", (unsigned)((x >> 16) % 22u));
    }
    unsigned len = (x >> 21) % 3u; /* none, l, ll */
    if(len >= 1) {
      spec[n++] = 'l';
    }
    if(len == 2) {
      spec[n++] = 'l';
    }
    spec[n++] = conv;
    spec[n++] = '>';
    spec[n] = '\0';
    uint64_t v = ((uint64_t)(x * 2654435761u) << 32) | x;
    if((x >> 24) & 1u) {
      v >>= (x >> 25) % 64u; /* small values too */
    }
    if(len == 2) {
      SAME(spec, (unsigned long long)v);
    } else if(len == 1) {
      SAME(spec, (unsigned long)v);
    } else {
      SAME(spec, (unsigned)v);
    }
  }
}
#pragma GCC diagnostic pop

UNIT_TEST(test_hex_colon)
{
  const uint8_t eui[8] = { 0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0xab, 0xff };
  char buf[24];
  char small[9];

  UNIT_CHECK(strcmp(fmt_hex_colon(buf, sizeof(buf), eui, 8), "00:12:4b:00:01:02:ab:ff") == 0);
  /* Truncated to whole bytes, always terminated. */
  UNIT_CHECK(strcmp(fmt_hex_colon(small, sizeof(small), eui, 8), "00:12:4b") == 0);
  UNIT_CHECK(strcmp(fmt_hex_colon(small, 3, eui, 8), "00") == 0);
  UNIT_CHECK(strcmp(fmt_hex_colon(small, 2, eui, 8), "") == 0);
  UNIT_CHECK(strcmp(fmt_hex_colon(buf, sizeof(buf), eui, 0), "") == 0);
}

static char sink_buf[64];
static int sink_n;
static void
sink(char c, void *ctx)
{
  (void)ctx;
  if(sink_n < (int)sizeof(sink_buf) - 1) {
    sink_buf[sink_n++] = c;
  }
}

static int
call_vformat(const char *f, ...)
{
  va_list ap;
  int n;

  va_start(ap, f);
  n = fmt_vformat(sink, NULL, f, ap);
  va_end(ap);
  return n;
}

UNIT_TEST(test_vformat_sink)
{
  sink_n = 0;
  UNIT_CHECK_EQ(call_vformat("v=%d", -12), 5);
  sink_buf[sink_n] = '\0';
  UNIT_CHECK(strcmp(sink_buf, "v=-12") == 0);
}

int
main(void)
{
  UNIT_RUN(test_integers);
  UNIT_RUN(test_strings_chars);
  UNIT_RUN(test_null_pointer_and_p);
  UNIT_RUN(test_unterminated_string_with_precision);
  UNIT_RUN(test_truncation);
  UNIT_RUN(test_bad_formats);
  UNIT_RUN(test_random_against_libc);
  UNIT_RUN(test_random_specs_against_libc);
  UNIT_RUN(test_hex_colon);
  UNIT_RUN(test_vformat_sink);
  return UNIT_DONE();
}
