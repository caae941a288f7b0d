/* 6LoWPAN dispatch, RFC 4944 fragmentation and reassembly (one bounded 1280-byte buffer). */
#include <string.h>

#include "mac/mac.h"
#include "sixlo/sixlo.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): -16 B */
#pragma GCC optimize("no-move-loop-invariants", "no-tree-sink")
#endif

#define DISPATCH_IPV6  0x41
#define DISPATCH_FRAG1 0xC0
#define DISPATCH_FRAGN 0xE0

sixlo_stats_t sixlo_stats;

/* Drops the frame, counted in sixlo_stats.f: one shared increment (smaller than one per site). */
#define STAT(f) (&sixlo_stats.f)
#define DROP(f) do { ctr = STAT(f); goto drop; } while(0)

static uint8_t small_buf[SIXLO_SMALL_BUF];

static struct {
  /* the small fields first: short offsets, shorter instructions */
  uint32_t started;
  uint16_t size;   /* 0 = idle */
  uint16_t tag;
  uint16_t got;    /* bytes received so far */
  mac_addr_t src;
  uint8_t have[SIXLO_MTU / 64]; /* bitmap of received 8-byte units */
  uint8_t buf[SIXLO_MTU];
} rs;

static uint16_t tx_tag;

void sixlo_set_tag(uint16_t tag)
{
  tx_tag = tag;
}

void sixlo_reset(void)
{
  rs.size = 0;
}

/* Marks units [from, to) as received. Returns 0 if new, 1 if an exact duplicate, -1 on overlap. */
static int mark(uint16_t from, uint16_t to)
{
  uint16_t seen = 0;
  for(uint16_t u = from; u < to; u++) {
    seen += (rs.have[u >> 3] >> (u & 7)) & 1;
  }
  if(seen == to - from) {
    return 1;
  }
  if(seen) {
    return -1;
  }
  for(uint16_t u = from; u < to; u++) {
    rs.have[u >> 3] |= (uint8_t)(1u << (u & 7));
  }
  return 0;
}

static uint8_t *frag_input(const uint8_t *in, uint8_t len, const mac_addr_t *src,
                           const mac_addr_t *dst, uint32_t now, uint16_t *out_len)
{
  uint32_t *ctr; /* the sixlo_stats counter of a drop */
  uint8_t first = (in[0] & 0xF8) == DISPATCH_FRAG1;
  uint8_t hlen = first ? 4 : 5;
  if(len <= hlen) {
    DROP(frag_bad);
  }
  uint16_t size = (uint16_t)(((in[0] & 7) << 8) | in[1]);
  uint16_t tag = (uint16_t)((in[2] << 8) | in[3]);
  uint16_t off = first ? 0 : (uint16_t)(in[4] * 8u);
  if(size < 40 || size > SIXLO_MTU) {
    DROP(frag_bad);
  }
  if(rs.size && (uint32_t)(now - rs.started) > SIXLO_REASS_TIMEOUT) {
    sixlo_stats.frag_timeout++;
    rs.size = 0;
  }
  if(rs.size && !mac_addr_eq(&rs.src, src)) {
    DROP(frag_busy);
  }
  if(rs.size && rs.tag != tag) {
    /* The same sender moved on to a new datagram: the old one will never complete. */
    sixlo_stats.frag_timeout++;
    rs.size = 0;
  }
  if(!rs.size) {
    memset(rs.have, 0, sizeof(rs.have));
    rs.size = size;
    rs.tag = tag;
    rs.src = *src;
    rs.started = now;
    rs.got = 0;
  } else if(rs.size != size) {
    goto bad;
  }
  const uint8_t *data = in + hlen;
  uint8_t dlen = (uint8_t)(len - hlen);
  /* A FRAG1 is its (decompressed) header then data, a FRAGN data only (h = used = 0). */
  uint8_t used = 0;
  uint8_t hdr[48];
  int h = 0;
  if(first) {
    if(data[0] == DISPATCH_IPV6) {
      /* Uncompressed IPv6 in a FRAG1: copied as is, header lengths must already be right. */
      used = 1;
    } else {
      h = sixlo_decompress(data, dlen, src, dst, &sixlo_ctx0, size, hdr, sizeof(hdr), &used);
      if(h < 0) {
        ctr = STAT(rx_iphc);
        goto abort;
      }
    }
  }
  uint16_t span = (uint16_t)(h + (dlen - used));
  uint16_t end = (uint16_t)(off + span);
  /* Unless it ends the datagram, a fragment ends on an 8-byte boundary; a FRAGN never starts it. */
  if(end > size || (end != size && (span & 7)) || (!first && off == 0)) {
    goto bad;
  }
  int m = mark((uint16_t)(off / 8), (uint16_t)((end + 7) / 8));
  if(m) {
    if(m > 0) {
      DROP(frag_dup);
    }
    goto bad;
  }
  memcpy(rs.buf + off, hdr, (size_t)h);
  memcpy(rs.buf + off + h, data + used, (size_t)(dlen - used));
  rs.got = (uint16_t)(rs.got + span);
  if(rs.got < rs.size) {
    return NULL;
  }
  sixlo_stats.reass_ok++;
  *out_len = rs.size;
  rs.size = 0;
  return rs.buf;
bad:
  ctr = STAT(frag_bad);
abort:
  rs.size = 0;
drop:
  (*ctr)++;
  return NULL;
}

uint8_t *sixlo_input(const uint8_t *in, uint8_t len, const mac_addr_t *src,
                     const mac_addr_t *dst, uint32_t now, uint16_t *out_len)
{
  uint32_t *ctr;
  if(len < 1) {
    DROP(rx_dispatch);
  }
  if((in[0] & 0xD8) == 0xC0) {
    /* 11000xxx FRAG1 or 11100xxx FRAGN */
    return frag_input(in, len, src, dst, now, out_len);
  }
  /* Unfragmented: uncompressed IPv6 (h = 0, used = 1) or IPHC. */
  uint8_t used = 1;
  int h;
  if(in[0] == DISPATCH_IPV6) {
    h = len < 41 ? -1 : 0;
  } else if((in[0] & 0xE0) == 0x60) {
    h = sixlo_decompress(in, len, src, dst, &sixlo_ctx0, 0, small_buf, sizeof(small_buf), &used);
  } else {
    DROP(rx_dispatch);
  }
  if(h < 0 || (size_t)h + (size_t)(len - used) > sizeof(small_buf)) {
    DROP(rx_iphc);
  }
  memcpy(small_buf + h, in + used, (size_t)(len - used));
  *out_len = (uint16_t)(h + (len - used));
  return small_buf;
drop:
  (*ctr)++;
  return NULL;
}

int sixlo_output(const uint8_t *hdr, uint8_t hdr_len, const uint8_t *payload, uint16_t payload_len,
                 const mac_addr_t *dst)
{
  static const mac_addr_t bcast = { MAC_AM_SHORT, { 0xFF, 0xFF } };
  const mac_addr_t *lld = dst ? dst : &bcast;
  uint16_t total = (uint16_t)(hdr_len + payload_len);
  uint8_t room, used;
  uint8_t chdr[64];
  if(payload_len > SIXLO_MTU || total > SIXLO_MTU) {
    sixlo_stats.tx_err++;
    return -1;
  }
  int c = sixlo_compress(hdr, hdr_len, mac_own_addr(), lld, &sixlo_ctx0, chdr, sizeof(chdr), &used);
  if(c < 0 || used != hdr_len) {
    sixlo_stats.tx_err++;
    return -1;
  }
  uint8_t *o = mac_tx_prepare(dst, &room);
  /* One frame when it fits, else FRAG1 (header + payload) and FRAGNs. */
  uint8_t frag = (uint16_t)c + payload_len > room;
  if(frag) {
    tx_tag++;
  }
  uint16_t off = 0; /* uncompressed payload bytes sent so far */
  for(uint8_t first = 1; frag ? off < payload_len : first; first = 0) {
    if(!first) {
      o = mac_tx_prepare(dst, &room);
    }
    uint8_t p = 0;
    uint16_t at = (uint16_t)(hdr_len + off); /* uncompressed offset of this frame's payload */
    if(frag) {
      o[0] = (uint8_t)((first ? DISPATCH_FRAG1 : DISPATCH_FRAGN) | (total >> 8));
      o[1] = (uint8_t)total;
      o[2] = (uint8_t)(tx_tag >> 8);
      o[3] = (uint8_t)tx_tag;
      p = 4;
      if(!first) {
        o[p++] = (uint8_t)(at / 8);
      }
      sixlo_stats.tx_frags++;
    }
    if(first) {
      memcpy(o + p, chdr, (size_t)c);
      p = (uint8_t)(p + c);
    }
    /* as much as ends the fragment's span on an 8-byte boundary */
    uint16_t n = frag ? (uint16_t)(((room - p + at) & ~7u) - at) : 0xFFFF;
    if(n > payload_len - off) {
      n = (uint16_t)(payload_len - off);
    }
    memcpy(o + p, payload + off, n);
    if(mac_tx_send((uint8_t)(p + n)) != 0) {
      sixlo_stats.tx_err++;
      return -1;
    }
    off = (uint16_t)(off + n);
  }
  return 0;
}
