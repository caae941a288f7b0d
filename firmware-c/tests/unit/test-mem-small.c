/* os/lib/mem-small.c (the CC2538 images' memcpy, memmove, memset, memcmp, memchr, strlen and
 * strncmp) against the host's C library, compiled here under other names. */
#include "unit.h"

#define memcpy small_memcpy
#define memmove small_memmove
#define memset small_memset
#define memcmp small_memcmp
#define memchr small_memchr
#define strlen small_strlen
#define strncmp small_strncmp
#include "../../os/lib/mem-small.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strncmp

static unsigned char pat[64];

static void
fill(unsigned char *b, size_t n, unsigned seed)
{
  for(size_t i = 0; i < n; i++) {
    b[i] = (unsigned char)(seed * 31u + i * 7u + (i >> 3) * 0x80u);
  }
}

static int
sign(int v)
{
  return (v > 0) - (v < 0);
}

UNIT_TEST(copy_and_set)
{
  unsigned char a[80], b[80];
  fill(pat, sizeof(pat), 1);
  for(size_t off = 0; off < 4; off++) {
    for(size_t n = 0; n <= 40; n++) {
      memset(a, 0xAA, sizeof(a));
      memset(b, 0xAA, sizeof(b));
      UNIT_CHECK(small_memcpy(a + off, pat + 3, n) == a + off);
      memcpy(b + off, pat + 3, n);
      UNIT_CHECK_MEM(a, b, sizeof(a)); /* exactly n bytes written */
      UNIT_CHECK(small_memset(a + off, 0x5C1, n) == a + off); /* the int's low byte */
      memset(b + off, 0xC1, n);
      UNIT_CHECK_MEM(a, b, sizeof(a));
    }
  }
}

UNIT_TEST(move_overlapping_both_ways)
{
  unsigned char a[80], b[80];
  for(size_t n = 0; n <= 33; n++) {
    for(int shift = -9; shift <= 9; shift++) {
      fill(a, sizeof(a), (unsigned)n);
      memcpy(b, a, sizeof(a));
      UNIT_CHECK(small_memmove(a + 20 + shift, a + 20, n) == a + 20 + shift);
      memmove(b + 20 + shift, b + 20, n);
      UNIT_CHECK_MEM(a, b, sizeof(a));
    }
  }
}

UNIT_TEST(compare_and_search)
{
  unsigned char a[40], b[40];
  fill(a, sizeof(a), 2);
  for(size_t i = 0; i < sizeof(a); i++) {
    for(int delta = -1; delta <= 1; delta += 2) {
      memcpy(b, a, sizeof(a));
      b[i] = (unsigned char)(b[i] + delta); /* bytes above 0x7F compare as unsigned */
      for(size_t n = 0; n <= sizeof(a); n += 3) {
        UNIT_CHECK_EQ(sign(small_memcmp(a, b, n)), sign(memcmp(a, b, n)));
      }
    }
    UNIT_CHECK(small_memchr(a, a[i] | 0x100, sizeof(a)) == memchr(a, a[i], sizeof(a)));
    UNIT_CHECK(small_memchr(a, a[i], i) == memchr(a, a[i], i));
  }
  UNIT_CHECK(small_memchr(a, 0x11, 0) == NULL);
}

UNIT_TEST(strings)
{
  static const char *const s[] = { "", "a", "ab", "abc", "abd", "ab\xe9", "ab\x7f", "abcdef",
                                   "\xff" };
  for(size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
    UNIT_CHECK_EQ(small_strlen(s[i]), strlen(s[i]));
    for(size_t j = 0; j < sizeof(s) / sizeof(s[0]); j++) {
      for(size_t n = 0; n <= 7; n++) {
        UNIT_CHECK_EQ(sign(small_strncmp(s[i], s[j], n)), sign(strncmp(s[i], s[j], n)));
      }
    }
  }
}

int
main(void)
{
  UNIT_RUN(copy_and_set);
  UNIT_RUN(move_overlapping_both_ways);
  UNIT_RUN(compare_and_search);
  UNIT_RUN(strings);
  return UNIT_DONE();
}
