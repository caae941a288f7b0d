/* RFC 6282 IPHC and UDP NHC (pure functions).
 * Size: the variable-length fields (traffic class/flow label, ports, addresses) go through a few
 * shared helpers driven by small per-mode length tables, the same tables both ways; the decoder
 * reads through a cursor whose error is sticky, so one check at the end covers every truncation. */
#include <string.h>

#include "sixlo/sixlo.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): -60 B */
#pragma GCC optimize("ira-algorithm=priority", "no-tree-tail-merge", "no-tree-vrp", \
                     "no-tree-scev-cprop", "no-optimize-sibling-calls", \
                     "no-inline-functions-called-once")
#endif

#define NH_UDP 17

sixlo_ctx_t sixlo_ctx0;

static const uint8_t short_iid[8] = { 0, 0, 0, 0xff, 0xfe, 0, 0, 0 }; /* + the short address */
static const uint8_t zero16[16];
/* inline bytes per mode */
static const uint8_t tf_len[4] = { 4, 3, 1, 0 };      /* TF */
static const uint8_t iid_len[4] = { 16, 8, 2, 0 };    /* SAM/DAM, unicast */
static const uint8_t mc_len[4] = { 16, 5, 3, 1 };     /* DAM, multicast (after the flags byte) */
static const uint8_t port_len[4] = { 4, 3, 3, 1 };    /* UDP NHC P */
static const uint8_t hop_limit[4] = { 0, 1, 64, 255 }; /* HLIM */

void sixlo_iid_from_mac(uint8_t *iid, const mac_addr_t *ll)
{
  /* short (or, defensively, none: treated as short 0) */
  memcpy(iid, short_iid, 8);
  if(ll->mode == MAC_AM_EXT) {
    memcpy(iid, ll->a, 8);
    iid[0] ^= 0x02;
  } else if(ll->mode == MAC_AM_SHORT) {
    iid[6] = ll->a[0];
    iid[7] = ll->a[1];
  }
}

static int is_ll_prefix(const uint8_t *a)
{
  return a[0] == 0xfe && a[1] == 0x80 && memcmp(a + 2, zero16, 6) == 0;
}

/* Writes the n low bytes of v, big-endian; returns the end. */
static uint8_t *put_be(uint8_t *o, uint32_t v, uint8_t n)
{
  while(n--) {
    *o++ = (uint8_t)(v >> (8 * n));
  }
  return o;
}

/* Appends the compressed form of unicast address a; returns its (C << 2 | M) mode bits. */
static uint8_t put_unicast(uint8_t **o, const uint8_t *a, const mac_addr_t *ll,
                           const sixlo_ctx_t *ctx, uint8_t is_src)
{
  uint8_t mode = 0;
  if(is_ll_prefix(a)) {
    mode = 3;
  } else if(is_src && memcmp(a, zero16, 16) == 0) {
    return 4; /* SAC=1 SAM=00: unspecified */
  } else if(ctx && ctx->valid && memcmp(a, ctx->prefix, 8) == 0) {
    mode = 7;
  }
  if(mode) {
    /* the IID: derived from the link address (3), 0000:00ff:fe00:XXXX (2), or inline (1) */
    uint8_t iid[8];
    sixlo_iid_from_mac(iid, ll);
    if(memcmp(a + 8, iid, 8) != 0) {
      mode -= memcmp(a + 8, short_iid, 6) == 0 ? 1 : 2;
    }
  }
  uint8_t n = iid_len[mode & 3];
  memcpy(*o, a + 16 - n, n);
  *o += n;
  return mode;
}

int sixlo_compress(const uint8_t *ip, uint8_t hdr_len, const mac_addr_t *lls, const mac_addr_t *lld,
                   const sixlo_ctx_t *ctx, uint8_t *out, uint8_t out_size, uint8_t *consumed)
{
  uint8_t tmp[64]; /* worst case: 2 + 4 + 1 + 1 + 16 + 16 + 7 = 47 */
  uint8_t *o = tmp + 2;
  if(hdr_len < 40 || (ip[0] >> 4) != 6) {
    return -1;
  }
  /* Traffic class (DSCP|ECN in IPv6, ECN|DSCP in IPHC) and flow label. TF 1 drops the DSCP,
   * so ECN lands in the top bits of the byte that holds the flow label's top nibble. */
  uint8_t tc = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
  uint8_t tci = (uint8_t)((tc >> 2) | (tc << 6));
  uint32_t fl = ((uint32_t)(ip[1] & 0x0F) << 16) | ((uint32_t)ip[2] << 8) | ip[3];
  uint8_t tf = fl ? ((tc >> 2) ? 0 : 1) : (tc ? 2 : 3);
  o = put_be(o, tf < 2 ? ((uint32_t)tci << (24 - 8 * tf)) | fl : tci, tf_len[tf]);
  uint8_t b0 = (uint8_t)(0x60 | (tf << 3));
  uint8_t nhc = ip[6] == NH_UDP && hdr_len >= 48;
  if(nhc) {
    b0 |= 0x04;
  } else {
    *o++ = ip[6];
  }
  uint8_t hl = 3;
  while(hl && ip[7] != hop_limit[hl]) {
    hl--;
  }
  if(!hl) {
    *o++ = ip[7];
  }
  b0 |= hl;
  uint8_t b1 = (uint8_t)(put_unicast(&o, ip + 8, lls, ctx, 1) << 4);
  /* Destination. */
  const uint8_t *dst = ip + 24;
  if(dst[0] == 0xff) {
    /* ffXX::00XX:XXXX:XXXX (1), ffXX::00XX:XXXX (2), ff02::00XX (3): the flags/scope byte inline
     * for 1 and 2, then the tail */
    uint8_t z = 0;
    while(z < 13 && dst[2 + z] == 0) {
      z++;
    }
    uint8_t dam = z == 13 && dst[1] == 0x02 ? 3 : z >= 11 ? 2 : z >= 9 ? 1 : 0;
    b1 |= (uint8_t)(0x08 | dam);
    if(dam == 1 || dam == 2) {
      *o++ = dst[1];
    }
    uint8_t n = mc_len[dam];
    memcpy(o, dst + 16 - n, n);
    o += n;
  } else {
    b1 |= put_unicast(&o, dst, lld, ctx, 0);
  }
  *consumed = 40;
  if(nhc) {
    const uint8_t *u = ip + 40;
    uint16_t sp = (uint16_t)((u[0] << 8) | u[1]), dp = (uint16_t)((u[2] << 8) | u[3]);
    uint32_t v = ((uint32_t)sp << 16) | dp;
    uint8_t pm = 0;
    if((sp & 0xFFF0) == 0xF0B0 && (dp & 0xFFF0) == 0xF0B0) {
      pm = 3;
      v = (uint32_t)((sp & 0xF) << 4 | (dp & 0xF));
    } else if((dp & 0xFF00) == 0xF000) {
      pm = 1;
      v = ((uint32_t)sp << 8) | (dp & 0xFF);
    } else if((sp & 0xFF00) == 0xF000) {
      pm = 2; /* the low 24 bits of v */
    }
    *o++ = (uint8_t)(0xF0 | pm);
    o = put_be(o, v, port_len[pm]);
    *o++ = u[6]; /* checksum always inline */
    *o++ = u[7];
    *consumed = 48;
  }
  uint8_t p = (uint8_t)(o - tmp);
  if(p > out_size) {
    return -1;
  }
  tmp[0] = b0;
  tmp[1] = b1;
  memcpy(out, tmp, p);
  return p;
}

/* Decoder cursor: a read past the end sets bad and yields zeros. */
typedef struct {
  const uint8_t *p;
  uint8_t left;
  uint8_t bad;
} rd_t;

static const uint8_t *take(rd_t *r, uint8_t n)
{
  const uint8_t *q = r->p;
  if(n > r->left) {
    r->bad = 1;
    return zero16;
  }
  r->p += n;
  r->left = (uint8_t)(r->left - n);
  return q;
}

static uint32_t take_be(rd_t *r, uint8_t n)
{
  const uint8_t *q = take(r, n);
  uint32_t v = 0;
  while(n--) {
    v = v << 8 | *q++;
  }
  return v;
}

/* Copies the n inline bytes to the end of the 16-byte address a. */
static void take_tail(rd_t *r, uint8_t *a, uint8_t n)
{
  memcpy(a + 16 - n, take(r, n), n);
}

/* Reads a unicast address (a zeroed by the caller) for SAC/DAC c and SAM/DAM m (c=1 m=0: the
 * unspecified address, only valid for the source: the caller checks). */
static void get_unicast(rd_t *r, uint8_t *a, uint8_t c, uint8_t m, const mac_addr_t *ll,
                        const sixlo_ctx_t *ctx)
{
  if(c) {
    if(m == 0) {
      return;
    }
    if(!ctx || !ctx->valid) {
      r->bad = 1;
    } else {
      memcpy(a, ctx->prefix, 8);
    }
  } else {
    a[0] = 0xfe;
    a[1] = 0x80;
  }
  if(m == 3) {
    if(ll->mode == MAC_AM_NONE) {
      r->bad = 1;
    }
    sixlo_iid_from_mac(a + 8, ll);
  } else if(m == 2) {
    a[11] = 0xff; /* 0000:00ff:fe00:XXXX */
    a[12] = 0xfe;
  }
  take_tail(r, a, iid_len[m]);
}

int sixlo_decompress(const uint8_t *in, uint8_t in_len, const mac_addr_t *lls,
                     const mac_addr_t *lld, const sixlo_ctx_t *ctx, uint16_t dgram_size,
                     uint8_t *out, uint16_t out_size, uint8_t *consumed)
{
  if(in_len < 2 || (in[0] & 0xE0) != 0x60 || out_size < 48) {
    return -1;
  }
  uint8_t b0 = in[0], b1 = in[1];
  rd_t r = { in + 2, (uint8_t)(in_len - 2), 0 };
  if((b1 & 0x80) && *take(&r, 1) != 0) {
    return -1; /* CID extension: only context 0 exists */
  }
  uint8_t tf = (b0 >> 3) & 3;
  uint32_t v = take_be(&r, tf_len[tf]), fl = 0;
  if(tf < 2) {
    fl = v & 0xFFFFF;
    v >>= 24 - 8 * tf;
    if(tf) {
      v &= 0xC0;
    }
  }
  uint8_t tc = (uint8_t)((v << 2) | ((uint8_t)v >> 6)); /* ECN|DSCP -> DSCP|ECN */
  put_be(out, 0x60000000u | ((uint32_t)tc << 20) | fl, 4);
  memset(out + 8, 0, 32); /* the addresses' elided bytes */
  uint8_t nhc = (b0 >> 2) & 1;
  out[6] = nhc ? NH_UDP : *take(&r, 1);
  out[7] = (b0 & 3) ? hop_limit[b0 & 3] : *take(&r, 1);
  get_unicast(&r, out + 8, (b1 >> 6) & 1, (b1 >> 4) & 3, lls, ctx);
  uint8_t *d = out + 24;
  uint8_t dam = b1 & 3;
  if(b1 & 0x08) {
    if(b1 & 0x04) {
      return -1; /* DAC=1 with M=1: unicast-prefix-based multicast unsupported / reserved */
    }
    d[0] = 0xff;
    if(dam == 3) {
      d[1] = 0x02;
    } else if(dam) {
      d[1] = *take(&r, 1);
    }
    take_tail(&r, d, mc_len[dam]);
  } else {
    if((b1 & 0x04) && dam == 0) {
      return -1; /* reserved */
    }
    get_unicast(&r, d, (b1 >> 2) & 1, dam, lld, ctx);
  }
  uint16_t hlen = 40;
  if(nhc) {
    uint8_t h = *take(&r, 1);
    if((h & 0xFC) != 0xF0) {
      return -1; /* only UDP NHC (11110CPP) with C=0: checksum inline */
    }
    uint8_t pm = h & 3;
    v = take_be(&r, port_len[pm]);
    if(pm == 1) {
      v = ((v & 0xFFFF00) << 8) | 0xF000 | (v & 0xFF);
    } else if(pm == 2) {
      v |= 0xF0000000u;
    } else if(pm == 3) {
      v = 0xF0B0F0B0u | ((v & 0xF0) << 12) | (v & 0x0F);
    }
    put_be(out + 40, v, 4);
    put_be(out + 46, take_be(&r, 2), 2);
    hlen = 48;
  }
  if(r.bad) {
    return -1;
  }
  uint16_t total = dgram_size ? dgram_size : (uint16_t)(hlen + r.left);
  if(total < hlen || total > SIXLO_MTU) {
    return -1;
  }
  uint16_t plen = (uint16_t)(total - 40);
  put_be(out + 4, plen, 2);
  if(nhc) {
    put_be(out + 44, plen, 2);
  }
  *consumed = (uint8_t)(r.p - in);
  return hlen;
}
