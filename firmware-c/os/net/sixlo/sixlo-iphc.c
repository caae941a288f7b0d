/* RFC 6282 IPHC and UDP NHC (pure functions). */
#include <string.h>

#include "sixlo/sixlo.h"

#define NH_UDP 17

sixlo_ctx_t sixlo_ctx0;

static const uint8_t ll_prefix[8] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0 };
static const uint8_t short_iid[6] = { 0, 0, 0, 0xff, 0xfe, 0 };

void sixlo_iid_from_mac(uint8_t *iid, const mac_addr_t *ll)
{
  if(ll->mode == MAC_AM_EXT) {
    memcpy(iid, ll->a, 8);
    iid[0] ^= 0x02;
  } else {
    /* short (or, defensively, none: treated as short 0) */
    memcpy(iid, short_iid, 6);
    iid[6] = ll->mode == MAC_AM_SHORT ? ll->a[0] : 0;
    iid[7] = ll->mode == MAC_AM_SHORT ? ll->a[1] : 0;
  }
}

/* Address mode (SAM/DAM 0..3) to encode the IID part of a unicast address. */
static uint8_t iid_mode(const uint8_t *addr, const mac_addr_t *ll)
{
  uint8_t iid[8];
  sixlo_iid_from_mac(iid, ll);
  if(memcmp(addr + 8, iid, 8) == 0) {
    return 3;
  }
  if(memcmp(addr + 8, short_iid, 6) == 0) {
    return 2;
  }
  return 1;
}

/* Writes the inline bytes of a unicast address for mode m; returns the count. */
static uint8_t put_iid(uint8_t *o, const uint8_t *addr, uint8_t m)
{
  static const uint8_t n[4] = { 16, 8, 2, 0 };
  memcpy(o, addr + 16 - n[m], n[m]);
  return n[m];
}

int sixlo_compress(const uint8_t *ip, uint8_t hdr_len, const mac_addr_t *lls, const mac_addr_t *lld,
                   const sixlo_ctx_t *ctx, uint8_t *out, uint8_t out_size, uint8_t *consumed)
{
  uint8_t tmp[64]; /* worst case: 2 + 4 + 1 + 1 + 16 + 16 + 7 = 47 */
  uint8_t p = 2;
  if(hdr_len < 40 || (ip[0] >> 4) != 6) {
    return -1;
  }
  uint8_t b0 = 0x60, b1 = 0;
  /* Traffic class (DSCP|ECN in IPv6, ECN|DSCP in IPHC) and flow label. */
  uint8_t tc = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
  uint8_t tci = (uint8_t)((tc >> 2) | (tc << 6));
  uint32_t fl = ((uint32_t)(ip[1] & 0x0F) << 16) | ((uint32_t)ip[2] << 8) | ip[3];
  if(fl == 0 && tc == 0) {
    b0 |= 0x18;
  } else if(fl == 0) {
    b0 |= 0x10;
    tmp[p++] = tci;
  } else if((tc >> 2) == 0) {
    b0 |= 0x08;
    tmp[p++] = (uint8_t)((tc << 6) | (fl >> 16));
    tmp[p++] = (uint8_t)(fl >> 8);
    tmp[p++] = (uint8_t)fl;
  } else {
    tmp[p++] = tci;
    tmp[p++] = (uint8_t)(fl >> 16);
    tmp[p++] = (uint8_t)(fl >> 8);
    tmp[p++] = (uint8_t)fl;
  }
  uint8_t nhc = ip[6] == NH_UDP && hdr_len >= 48;
  if(nhc) {
    b0 |= 0x04;
  } else {
    tmp[p++] = ip[6];
  }
  if(ip[7] == 1) {
    b0 |= 1;
  } else if(ip[7] == 64) {
    b0 |= 2;
  } else if(ip[7] == 255) {
    b0 |= 3;
  } else {
    tmp[p++] = ip[7];
  }
  /* Source. */
  const uint8_t *src = ip + 8, *dst = ip + 24;
  static const uint8_t zero16[16];
  if(memcmp(src, ll_prefix, 8) == 0) {
    uint8_t m = iid_mode(src, lls);
    b1 |= (uint8_t)(m << 4);
    p += put_iid(tmp + p, src, m);
  } else if(memcmp(src, zero16, 16) == 0) {
    b1 |= 0x40; /* SAC=1 SAM=00: unspecified */
  } else if(ctx && ctx->valid && memcmp(src, ctx->prefix, 8) == 0) {
    uint8_t m = iid_mode(src, lls);
    b1 |= (uint8_t)(0x40 | (m << 4));
    p += put_iid(tmp + p, src, m);
  } else {
    p += put_iid(tmp + p, src, 0);
  }
  /* Destination. */
  if(dst[0] == 0xff) {
    b1 |= 0x08;
    if(dst[1] == 0x02 && memcmp(dst + 2, zero16, 13) == 0) {
      b1 |= 3;
      tmp[p++] = dst[15];
    } else if(memcmp(dst + 2, zero16, 11) == 0) {
      b1 |= 2;
      tmp[p++] = dst[1];
      memcpy(tmp + p, dst + 13, 3);
      p += 3;
    } else if(memcmp(dst + 2, zero16, 9) == 0) {
      b1 |= 1;
      tmp[p++] = dst[1];
      memcpy(tmp + p, dst + 11, 5);
      p += 5;
    } else {
      memcpy(tmp + p, dst, 16);
      p += 16;
    }
  } else if(memcmp(dst, ll_prefix, 8) == 0) {
    uint8_t m = iid_mode(dst, lld);
    b1 |= m;
    p += put_iid(tmp + p, dst, m);
  } else if(ctx && ctx->valid && memcmp(dst, ctx->prefix, 8) == 0) {
    uint8_t m = iid_mode(dst, lld);
    b1 |= (uint8_t)(0x04 | m);
    p += put_iid(tmp + p, dst, m);
  } else {
    p += put_iid(tmp + p, dst, 0);
  }
  *consumed = 40;
  if(nhc) {
    const uint8_t *u = ip + 40;
    uint16_t sp = (uint16_t)((u[0] << 8) | u[1]), dp = (uint16_t)((u[2] << 8) | u[3]);
    if((sp & 0xFFF0) == 0xF0B0 && (dp & 0xFFF0) == 0xF0B0) {
      tmp[p++] = 0xF3;
      tmp[p++] = (uint8_t)((sp & 0xF) << 4 | (dp & 0xF));
    } else if((dp & 0xFF00) == 0xF000) {
      tmp[p++] = 0xF1;
      tmp[p++] = u[0];
      tmp[p++] = u[1];
      tmp[p++] = u[3];
    } else if((sp & 0xFF00) == 0xF000) {
      tmp[p++] = 0xF2;
      tmp[p++] = u[1];
      tmp[p++] = u[2];
      tmp[p++] = u[3];
    } else {
      tmp[p++] = 0xF0;
      memcpy(tmp + p, u, 4);
      p += 4;
    }
    tmp[p++] = u[6]; /* checksum always inline */
    tmp[p++] = u[7];
    *consumed = 48;
  }
  if(p > out_size) {
    return -1;
  }
  tmp[0] = b0;
  tmp[1] = b1;
  memcpy(out, tmp, p);
  return p;
}

/* Reads a unicast address for SAC/DAC c and SAM/DAM m. Returns bytes consumed or -1. */
static int get_unicast(uint8_t *a, const uint8_t *in, uint8_t left, uint8_t c, uint8_t m,
                       const mac_addr_t *ll, const sixlo_ctx_t *ctx)
{
  static const uint8_t n[4] = { 16, 8, 2, 0 };
  if(c) {
    if(m == 0) {
      memset(a, 0, 16); /* unspecified (only valid for the source: the caller checks) */
      return 0;
    }
    if(!ctx || !ctx->valid) {
      return -1;
    }
    memcpy(a, ctx->prefix, 8);
  } else {
    memcpy(a, ll_prefix, 8);
  }
  if(n[m] > left) {
    return -1;
  }
  if(m == 3) {
    if(ll->mode == MAC_AM_NONE) {
      return -1;
    }
    sixlo_iid_from_mac(a + 8, ll);
  } else if(m == 2) {
    memcpy(a + 8, short_iid, 6);
  }
  memcpy(a + 16 - n[m], in, n[m]);
  return n[m];
}

int sixlo_decompress(const uint8_t *in, uint8_t in_len, const mac_addr_t *lls,
                     const mac_addr_t *lld, const sixlo_ctx_t *ctx, uint16_t dgram_size,
                     uint8_t *out, uint16_t out_size, uint8_t *consumed)
{
  if(in_len < 2 || (in[0] & 0xE0) != 0x60 || out_size < 48) {
    return -1;
  }
  uint8_t b0 = in[0], b1 = in[1];
  uint8_t p = 2;
  if(b1 & 0x80) {
    /* CID extension: only context 0 exists. */
    if(in_len < 3 || in[2] != 0) {
      return -1;
    }
    p++;
  }
  uint8_t tc = 0;
  uint32_t fl = 0;
  switch((b0 >> 3) & 3) {
  case 0:
    if(p + 4 > in_len) {
      return -1;
    }
    tc = in[p];
    fl = ((uint32_t)(in[p + 1] & 0x0F) << 16) | ((uint32_t)in[p + 2] << 8) | in[p + 3];
    p += 4;
    break;
  case 1:
    if(p + 3 > in_len) {
      return -1;
    }
    tc = in[p] & 0xC0;
    fl = ((uint32_t)(in[p] & 0x0F) << 16) | ((uint32_t)in[p + 1] << 8) | in[p + 2];
    p += 3;
    break;
  case 2:
    if(p + 1 > in_len) {
      return -1;
    }
    tc = in[p++];
    break;
  default:
    break;
  }
  tc = (uint8_t)((tc << 2) | (tc >> 6)); /* ECN|DSCP -> DSCP|ECN */
  out[0] = (uint8_t)(0x60 | (tc >> 4));
  out[1] = (uint8_t)((tc << 4) | (fl >> 16));
  out[2] = (uint8_t)(fl >> 8);
  out[3] = (uint8_t)fl;
  uint8_t nhc = (b0 >> 2) & 1;
  if(!nhc) {
    if(p >= in_len) {
      return -1;
    }
    out[6] = in[p++];
  } else {
    out[6] = NH_UDP;
  }
  static const uint8_t hl[4] = { 0, 1, 64, 255 };
  if((b0 & 3) == 0) {
    if(p >= in_len) {
      return -1;
    }
    out[7] = in[p++];
  } else {
    out[7] = hl[b0 & 3];
  }
  int r = get_unicast(out + 8, in + p, (uint8_t)(in_len - p), (b1 >> 6) & 1, (b1 >> 4) & 3, lls, ctx);
  if(r < 0) {
    return -1;
  }
  p = (uint8_t)(p + r);
  uint8_t *d = out + 24;
  uint8_t dam = b1 & 3;
  if(b1 & 0x08) {
    static const uint8_t mn[4] = { 16, 6, 4, 1 };
    if(b1 & 0x04) {
      return -1; /* DAC=1 with M=1: unicast-prefix-based multicast unsupported / reserved */
    }
    if(p + mn[dam] > in_len) {
      return -1;
    }
    memset(d, 0, 16);
    d[0] = 0xff;
    if(dam == 0) {
      memcpy(d, in + p, 16);
    } else if(dam == 3) {
      d[1] = 0x02;
      d[15] = in[p];
    } else {
      d[1] = in[p];
      memcpy(d + 16 - (mn[dam] - 1), in + p + 1, mn[dam] - 1u);
    }
    p = (uint8_t)(p + mn[dam]);
  } else {
    if((b1 & 0x04) && dam == 0) {
      return -1; /* reserved */
    }
    r = get_unicast(d, in + p, (uint8_t)(in_len - p), (b1 >> 2) & 1, dam, lld, ctx);
    if(r < 0) {
      return -1;
    }
    p = (uint8_t)(p + r);
  }
  uint16_t hlen = 40;
  if(nhc) {
    if(p >= in_len || (in[p] & 0xF8) != 0xF0) {
      return -1; /* only UDP NHC, checksum inline */
    }
    uint8_t ports = in[p++] & 3;
    static const uint8_t pn[4] = { 4, 3, 3, 1 };
    if(p + pn[ports] + 2 > in_len) {
      return -1;
    }
    uint8_t *u = out + 40;
    switch(ports) {
    case 0:
      memcpy(u, in + p, 4);
      break;
    case 1:
      u[0] = in[p];
      u[1] = in[p + 1];
      u[2] = 0xF0;
      u[3] = in[p + 2];
      break;
    case 2:
      u[0] = 0xF0;
      u[1] = in[p];
      u[2] = in[p + 1];
      u[3] = in[p + 2];
      break;
    default:
      u[0] = 0xF0;
      u[1] = (uint8_t)(0xB0 | (in[p] >> 4));
      u[2] = 0xF0;
      u[3] = (uint8_t)(0xB0 | (in[p] & 0x0F));
      break;
    }
    p = (uint8_t)(p + pn[ports]);
    u[6] = in[p];
    u[7] = in[p + 1];
    p += 2;
    hlen = 48;
  }
  uint16_t total = dgram_size ? dgram_size : (uint16_t)(hlen + (in_len - p));
  if(total < hlen || total > SIXLO_MTU) {
    return -1;
  }
  uint16_t plen = (uint16_t)(total - 40);
  out[4] = (uint8_t)(plen >> 8);
  out[5] = (uint8_t)plen;
  if(nhc) {
    out[44] = (uint8_t)(plen >> 8);
    out[45] = (uint8_t)plen;
  }
  *consumed = p;
  return hlen;
}
