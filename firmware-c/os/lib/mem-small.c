/* The C library's memory and string functions the firmware uses, in their smallest form.
 *
 * newlib-nano's ARMv7-M versions are tuned for speed (word at a time, unrolled): memcpy, memmove,
 * memset, memchr, memcmp, strlen and strncmp took 1,116 B of an lwm2m-client image and 648 B of
 * the 4 KiB bootloader. Byte loops do the same in a fraction of that, and the firmware's copies are
 * short (radio frames, CoAP messages, 2 KiB flash pages at most), so their speed does not show.
 * The linker takes these instead of the library's: an archive member is only pulled in for a
 * symbol still undefined. The CC2538 images link this file; native builds keep the host's libc
 * (the unit test compiles it under other names, tests/unit/test-mem-small.c). */
#include <stddef.h>
#include <stdint.h>

/* GCC recognises these loops as memcpy/memset/strlen and would replace them with calls to the
 * very functions being defined. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;
  while(n--) {
    *d++ = *s++;
  }
  return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;
  if((uintptr_t)d - (uintptr_t)s >= n) { /* d before s, or no overlap: forwards is safe */
    while(n--) {
      *d++ = *s++;
    }
  } else {
    while(n--) {
      d[n] = s[n];
    }
  }
  return dst;
}

void *
memset(void *dst, int c, size_t n)
{
  unsigned char *d = dst;
  while(n--) {
    *d++ = (unsigned char)c;
  }
  return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *x = a, *y = b;
  for(; n; n--, x++, y++) {
    if(*x != *y) {
      return *x - *y;
    }
  }
  return 0;
}

void *
memchr(const void *p, int c, size_t n)
{
  const unsigned char *s = p;
  for(; n; n--, s++) {
    if(*s == (unsigned char)c) {
      return (void *)s;
    }
  }
  return NULL;
}

size_t
strlen(const char *s)
{
  const char *e = s;
  while(*e) {
    e++;
  }
  return (size_t)(e - s);
}

int
strncmp(const char *a, const char *b, size_t n)
{
  for(; n; n--, a++, b++) {
    int d = (unsigned char)*a - (unsigned char)*b;
    if(d || !*a) {
      return d;
    }
  }
  return 0;
}
