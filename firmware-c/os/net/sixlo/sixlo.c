/* 6LoWPAN dispatch, RFC 4944 fragmentation and reassembly (one bounded 1280-byte buffer). */
#include <string.h>

#include "mac/mac.h"
#include "sixlo/sixlo.h"

#define DISPATCH_IPV6  0x41
#define DISPATCH_FRAG1 0xC0
#define DISPATCH_FRAGN 0xE0

sixlo_stats_t sixlo_stats;

static uint8_t small_buf[SIXLO_SMALL_BUF];

static struct {
  uint8_t buf[SIXLO_MTU];
  uint8_t have[SIXLO_MTU / 64]; /* bitmap of received 8-byte units */
  mac_addr_t src;
  uint32_t started;
  uint16_t size;   /* 0 = idle */
  uint16_t tag;
  uint16_t got;    /* bytes received so far */
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
  uint8_t first = (in[0] & 0xF8) == DISPATCH_FRAG1;
  uint8_t hlen = first ? 4 : 5;
  if(len <= hlen) {
    sixlo_stats.frag_bad++;
    return NULL;
  }
  uint16_t size = (uint16_t)(((in[0] & 7) << 8) | in[1]);
  uint16_t tag = (uint16_t)((in[2] << 8) | in[3]);
  uint16_t off = first ? 0 : (uint16_t)(in[4] * 8u);
  if(size < 40 || size > SIXLO_MTU) {
    sixlo_stats.frag_bad++;
    return NULL;
  }
  if(rs.size && (uint32_t)(now - rs.started) > SIXLO_REASS_TIMEOUT) {
    sixlo_stats.frag_timeout++;
    rs.size = 0;
  }
  if(rs.size && !mac_addr_eq(&rs.src, src)) {
    sixlo_stats.frag_busy++;
    return NULL;
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
  uint16_t span;
  if(first) {
    uint8_t used;
    uint8_t hdr[48];
    int h;
    if(data[0] == DISPATCH_IPV6) {
      /* Uncompressed IPv6 in a FRAG1: copied as is, header lengths must already be right. */
      used = 1;
      h = 0;
    } else {
      h = sixlo_decompress(data, dlen, src, dst, &sixlo_ctx0, size, hdr, sizeof(hdr), &used);
      if(h < 0) {
        sixlo_stats.rx_iphc++;
        goto abort;
      }
    }
    span = (uint16_t)(h + (dlen - used));
    /* Unless it is the whole datagram, a FRAG1 must end on an 8-byte boundary. */
    if(span > size || (span != size && (span & 7))) {
      goto bad;
    }
    int m = mark(0, (uint16_t)((span + 7) / 8));
    if(m) {
      if(m > 0) {
        sixlo_stats.frag_dup++;
        return NULL;
      }
      goto bad;
    }
    memcpy(rs.buf, hdr, (size_t)h);
    memcpy(rs.buf + h, data + used, (size_t)(dlen - used));
  } else {
    span = dlen;
    if(off + span > size || (off + span != size && (span & 7)) || off == 0) {
      goto bad;
    }
    int m = mark((uint16_t)(off / 8), (uint16_t)((off + span + 7) / 8));
    if(m) {
      if(m > 0) {
        sixlo_stats.frag_dup++;
        return NULL;
      }
      goto bad;
    }
    memcpy(rs.buf + off, data, span);
  }
  rs.got = (uint16_t)(rs.got + span);
  if(rs.got < rs.size) {
    return NULL;
  }
  sixlo_stats.reass_ok++;
  *out_len = rs.size;
  rs.size = 0;
  return rs.buf;
bad:
  sixlo_stats.frag_bad++;
abort:
  rs.size = 0;
  return NULL;
}

uint8_t *sixlo_input(const uint8_t *in, uint8_t len, const mac_addr_t *src,
                     const mac_addr_t *dst, uint32_t now, uint16_t *out_len)
{
  if(len < 1) {
    sixlo_stats.rx_dispatch++;
    return NULL;
  }
  if((in[0] & 0xD8) == 0xC0) {
    /* 11000xxx FRAG1 or 11100xxx FRAGN */
    return frag_input(in, len, src, dst, now, out_len);
  }
  if(in[0] == DISPATCH_IPV6) {
    if(len < 41 || (uint16_t)(len - 1) > sizeof(small_buf)) {
      sixlo_stats.rx_iphc++;
      return NULL;
    }
    memcpy(small_buf, in + 1, (size_t)(len - 1));
    *out_len = (uint16_t)(len - 1);
    return small_buf;
  }
  if((in[0] & 0xE0) == 0x60) {
    uint8_t used;
    int h = sixlo_decompress(in, len, src, dst, &sixlo_ctx0, 0, small_buf, sizeof(small_buf), &used);
    if(h < 0 || (size_t)h + (size_t)(len - used) > sizeof(small_buf)) {
      sixlo_stats.rx_iphc++;
      return NULL;
    }
    memcpy(small_buf + h, in + used, (size_t)(len - used));
    *out_len = (uint16_t)(h + (len - used));
    return small_buf;
  }
  sixlo_stats.rx_dispatch++;
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
  if((uint16_t)c + payload_len <= room) {
    memcpy(o, chdr, (size_t)c);
    memcpy(o + c, payload, payload_len);
    if(mac_tx_send((uint8_t)(c + payload_len)) != 0) {
      sixlo_stats.tx_err++;
      return -1;
    }
    return 0;
  }
  /* FRAG1: header + as much payload as ends the uncompressed span on an 8-byte boundary. */
  tx_tag++;
  uint16_t off = 0; /* uncompressed payload bytes sent so far */
  for(uint8_t first = 1; off < payload_len; first = 0) {
    if(!first) {
      o = mac_tx_prepare(dst, &room);
    }
    uint8_t fh = first ? 4 : 5;
    o[0] = (uint8_t)((first ? DISPATCH_FRAG1 : DISPATCH_FRAGN) | (total >> 8));
    o[1] = (uint8_t)total;
    o[2] = (uint8_t)(tx_tag >> 8);
    o[3] = (uint8_t)tx_tag;
    uint16_t n;
    uint8_t p = fh;
    if(first) {
      memcpy(o + p, chdr, (size_t)c);
      p = (uint8_t)(p + c);
      n = (uint16_t)(((room - p + hdr_len) & ~7u) - hdr_len);
    } else {
      o[4] = (uint8_t)((hdr_len + off) / 8);
      n = (uint16_t)((room - p) & ~7u);
    }
    if(n > payload_len - off) {
      n = (uint16_t)(payload_len - off);
    }
    memcpy(o + p, payload + off, n);
    sixlo_stats.tx_frags++;
    if(mac_tx_send((uint8_t)(p + n)) != 0) {
      sixlo_stats.tx_err++;
      return -1;
    }
    off = (uint16_t)(off + n);
  }
  return 0;
}
