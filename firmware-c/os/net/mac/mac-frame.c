/* IEEE 802.15.4-2006 MAC header encode/decode. */
#include "mac/mac-frame.h"

#include <string.h>

static uint8_t addr_len(uint8_t mode)
{
  return mode == MAC_AM_EXT ? 8 : mode == MAC_AM_SHORT ? 2 : 0;
}

/* On air addresses are little-endian: reverse while copying. */
static void rev_copy(uint8_t *dst, const uint8_t *src, uint8_t n)
{
  for(uint8_t i = 0; i < n; i++) {
    dst[i] = src[n - 1 - i];
  }
}

int mac_frame_parse(const uint8_t *buf, uint8_t len, mac_frame_t *f)
{
  if(len < 3) {
    return -1;
  }
  memset(f, 0, sizeof(*f));
  uint16_t fcf = (uint16_t)(buf[0] | (buf[1] << 8));
  f->type = fcf & 7;
  if((fcf & 0x08) || f->type > MAC_FT_CMD) {
    return -1; /* security and reserved frame types unsupported */
  }
  f->ack_req = (fcf >> 5) & 1;
  f->pan_compress = (fcf >> 6) & 1;
  f->dst.mode = (fcf >> 10) & 3;
  f->version = (fcf >> 12) & 3;
  f->src.mode = (fcf >> 14) & 3;
  f->seq = buf[2];
  if(f->dst.mode == 1 || f->src.mode == 1 || f->version > 1) {
    return -1;
  }
  uint8_t p = 3;
  uint8_t dl = addr_len(f->dst.mode), sl = addr_len(f->src.mode);
  /* PAN ID compression only makes sense with both addresses present. */
  if(f->pan_compress && (!dl || !sl)) {
    return -1;
  }
  uint8_t need = (uint8_t)(p + (dl ? 2 + dl : 0) + (sl ? (f->pan_compress ? 0 : 2) + sl : 0));
  if(need > len) {
    return -1;
  }
  if(dl) {
    f->dst_pan = (uint16_t)(buf[p] | (buf[p + 1] << 8));
    p += 2;
    rev_copy(f->dst.a, buf + p, dl);
    p += dl;
  }
  if(sl) {
    if(f->pan_compress) {
      f->src_pan = f->dst_pan;
    } else {
      f->src_pan = (uint16_t)(buf[p] | (buf[p + 1] << 8));
      p += 2;
    }
    rev_copy(f->src.a, buf + p, sl);
    p += sl;
  }
  f->payload = buf + p;
  f->payload_len = (uint8_t)(len - p);
  return 0;
}

int mac_frame_header(uint8_t *buf, uint8_t size, const mac_frame_t *f)
{
  uint8_t dl = addr_len(f->dst.mode), sl = addr_len(f->src.mode);
  uint8_t pc = f->pan_compress && dl && sl;
  uint8_t need = (uint8_t)(3 + (dl ? 2 + dl : 0) + (sl ? (pc ? 0 : 2) + sl : 0));
  if(need > size || f->dst.mode == 1 || f->src.mode == 1) {
    return -1;
  }
  uint16_t fcf = (uint16_t)((f->type & 7) | ((f->ack_req & 1) << 5) | (pc << 6) |
                            (f->dst.mode << 10) | ((f->version & 3) << 12) | (f->src.mode << 14));
  buf[0] = (uint8_t)fcf;
  buf[1] = (uint8_t)(fcf >> 8);
  buf[2] = f->seq;
  uint8_t p = 3;
  if(dl) {
    buf[p++] = (uint8_t)f->dst_pan;
    buf[p++] = (uint8_t)(f->dst_pan >> 8);
    rev_copy(buf + p, f->dst.a, dl);
    p += dl;
  }
  if(sl) {
    if(!pc) {
      buf[p++] = (uint8_t)f->src_pan;
      buf[p++] = (uint8_t)(f->src_pan >> 8);
    }
    rev_copy(buf + p, f->src.a, sl);
    p += sl;
  }
  return p;
}

int mac_addr_eq(const mac_addr_t *x, const mac_addr_t *y)
{
  return x->mode == y->mode && memcmp(x->a, y->a, addr_len(x->mode)) == 0;
}

int mac_addr_is_broadcast(const mac_addr_t *x)
{
  return x->mode == MAC_AM_SHORT && x->a[0] == 0xFF && x->a[1] == 0xFF;
}
