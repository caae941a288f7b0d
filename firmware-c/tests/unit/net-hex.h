/* Hex helpers shared by the network tests and the sixlo-tool differential filter. */
#ifndef NET_HEX_H_
#define NET_HEX_H_

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mac/mac.h"

/* Parse pairs of hex digits into out (at most max bytes); -1 on a non-hex pair. */
static inline int unhex(const char *s, uint8_t *out, int max)
{
  int n = 0;
  while(s[0] && s[1] && n < max) {
    unsigned v;
    if(sscanf(s, "%2x", &v) != 1) {
      return -1;
    }
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

/* A MAC address from 16 hex digits (extended) or 4 (short). */
static inline void mac_from_hex(mac_addr_t *m, const char *s)
{
  memset(m, 0, sizeof(*m));
  m->mode = unhex(s, m->a, 8) == 8 ? MAC_AM_EXT : MAC_AM_SHORT;
}

#endif /* NET_HEX_H_ */
