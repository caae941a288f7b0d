/* coap:// URIs (RFC 7252 section 6.1) to endpoints: the address literal and port; the path is the
 * caller's. No host names (there is no resolver), no coaps (no DTLS). */
#include "coap-engine.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): -30 B */
#pragma GCC optimize("no-tree-loop-optimize", "no-tree-dominator-opts")
#endif

static int
hexdig(char c)
{
  unsigned d = (unsigned char)c - '0';
  if(d < 10) {
    return (int)d;
  }
  d = ((unsigned char)c | 32) - 'a'; /* A-F, a-f */
  return d < 6 ? (int)d + 10 : -1;
}

/* 1..maxd digits in base (10 or 16) at p; the end of the number, or NULL */
static const char *
uri_num(const char *p, uint8_t base, uint8_t maxd, uint32_t *out)
{
  uint32_t v = 0; /* may wrap on a long run of digits: then it is refused anyway */
  unsigned d = 0;
  for(int h; (h = hexdig(*p)) >= 0 && h < base; p++, d++) {
    v = v * base + (uint32_t)h;
  }
  *out = v;
  return d - 1 < maxd ? p : NULL; /* 1..maxd digits */
}

int
coap_ep_parse(const char *u, coap_ep_t *ep)
{
  const char *p;
  uint8_t *a = ep->addr;
  uint32_t v, port = 5683;
  memset(ep, 0, sizeof(*ep));
  if(strncmp(u, "coap://", 7)) {
    return -1; /* coaps, coap+tcp, ...: not supported */
  }
  p = u + 7;
  if(*p == '[') { /* IPv6 literal, with :: compression; groups stored from the front */
    int gap = -1;
    uint8_t n = 0;
    p++;
    if(p[0] == ':' && p[1] == ':') {
      gap = 0;
      p += 2;
    }
    while(*p != ']') {
      if(n == 16 || !(p = uri_num(p, 16, 4, &v))) {
        return -1;
      }
      a[n++] = (uint8_t)(v >> 8);
      a[n++] = (uint8_t)v;
      if(*p == ':') {
        if(*++p == ':') {
          if(gap >= 0) {
            return -1;
          }
          gap = n;
          p++;
        } else if(*p == ']') {
          return -1;
        }
      } else if(*p != ']') {
        return -1;
      }
    }
    p++;
    if(gap < 0 ? n != 16 : n > 14) {
      return -1;
    }
    if(gap >= 0) { /* move the groups after "::" to the end, zeros in between */
      for(unsigned i = 16; n > gap;) {
        a[--i] = a[--n];
        a[n] = 0;
      }
    }
  } else { /* dotted IPv4 as ::ffff:a.b.c.d */
    for(int i = 0; i < 4; i++) {
      if(!(p = uri_num(p, 10, 4, &v)) || v > 255 || (i < 3 && *p++ != '.')) {
        return -1;
      }
      a[12 + i] = (uint8_t)v;
    }
    a[10] = a[11] = 0xFF;
  }
  if(*p == ':' && (!(p = uri_num(p + 1, 10, 6, &port)) || port > 65535)) {
    return -1;
  }
  if(*p && *p != '/') {
    return -1;
  }
  ep->port = (uint16_t)port;
  return 0;
}
