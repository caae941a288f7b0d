/* Node MAC layer over the radio primitives (radio.h). */
#include "mac/mac.h"

#include <string.h>

#include "mac/radio.h"

#define MAC_DUP_SLOTS 4

mac_stats_t mac_stats;

static mac_addr_t own;
static uint16_t pan;
static uint8_t seq;
static uint8_t tx_buf[MAC_MAX_FRAME];
static uint8_t tx_hdr_len;

static struct {
  mac_addr_t src;
  uint8_t seq;
} dup[MAC_DUP_SLOTS];
static uint8_t dup_next;

void mac_init(const uint8_t *eui64, uint16_t pan_id)
{
  own.mode = MAC_AM_EXT;
  memcpy(own.a, eui64, 8);
  pan = pan_id;
  seq = eui64[7]; /* nodes start at different sequence numbers */
  memset(dup, 0, sizeof(dup));
  dup_next = 0;
}

const mac_addr_t *mac_own_addr(void)
{
  return &own;
}

void mac_set_seq(uint8_t next)
{
  seq = next;
}

uint16_t mac_pan_id(void)
{
  return pan;
}

uint8_t *mac_tx_prepare(const mac_addr_t *dst, uint8_t *room)
{
  mac_frame_t f;
  memset(&f, 0, sizeof(f));
  f.type = MAC_FT_DATA;
  f.version = 1;
  f.pan_compress = 1;
  f.seq = seq++;
  f.dst_pan = f.src_pan = pan;
  if(dst == NULL || mac_addr_is_broadcast(dst)) {
    f.dst.mode = MAC_AM_SHORT;
    f.dst.a[0] = f.dst.a[1] = 0xFF;
  } else {
    f.dst = *dst;
    f.ack_req = 1;
  }
  f.src = own;
  int n = mac_frame_header(tx_buf, sizeof(tx_buf), &f);
  tx_hdr_len = (uint8_t)(n < 0 ? 0 : n); /* cannot fail with the modes above */
  *room = (uint8_t)(sizeof(tx_buf) - tx_hdr_len);
  return tx_buf + tx_hdr_len;
}

int mac_tx_send(uint8_t payload_len)
{
  uint8_t count;
  if(payload_len > sizeof(tx_buf) - tx_hdr_len) {
    mac_stats.tx_err++;
    return -2;
  }
  return mac_tx_raw(tx_buf, (uint8_t)(tx_hdr_len + payload_len), &count);
}

int mac_tx_raw(const uint8_t *frame, uint8_t len, uint8_t *tx_count)
{
  *tx_count = 0;
  if(len < 3 || len > MAC_MAX_FRAME) {
    mac_stats.tx_err++;
    return -2;
  }
  uint8_t ar = (frame[0] >> 5) & 1;
  uint8_t s = frame[2];
  for(uint8_t attempt = 0; attempt <= MAC_MAX_RETRIES; attempt++) {
    if(attempt) {
      mac_stats.retries++;
    }
    if(ar) {
      radio_ack_arm(s);
    }
    mac_stats.tx++;
    (*tx_count)++;
    if(radio_tx(frame, len) != 0) {
      mac_stats.tx_err++;
      return -2;
    }
    if(!ar || radio_wait_ack(s, MAC_ACK_WAIT_US)) {
      mac_stats.tx_ok++;
      return 0;
    }
  }
  mac_stats.tx_noack++;
  return -1;
}

int mac_input(const uint8_t *frame, uint8_t len, mac_frame_t *f)
{
  if(mac_frame_parse(frame, len, f) != 0) {
    mac_stats.rx_bad++;
    return -1;
  }
  if(f->type != MAC_FT_DATA || f->src.mode == MAC_AM_NONE || f->dst.mode == MAC_AM_NONE ||
     f->dst_pan != pan) {
    mac_stats.rx_other++; /* ACKs (handled by the driver), beacons, commands, foreign PANs */
    return -1;
  }
  if(!mac_addr_is_broadcast(&f->dst) && !mac_addr_eq(&f->dst, &own)) {
    mac_stats.rx_other++;
    return -1;
  }
  for(uint8_t i = 0; i < MAC_DUP_SLOTS; i++) {
    if(dup[i].src.mode != MAC_AM_NONE && dup[i].seq == f->seq && mac_addr_eq(&dup[i].src, &f->src)) {
      mac_stats.rx_dup++;
      return -1;
    }
  }
  /* One slot per source: update it if present, else take the oldest. */
  uint8_t slot = dup_next;
  for(uint8_t i = 0; i < MAC_DUP_SLOTS; i++) {
    if(mac_addr_eq(&dup[i].src, &f->src)) {
      slot = i;
      break;
    }
  }
  if(slot == dup_next) {
    dup_next = (uint8_t)((dup_next + 1) % MAC_DUP_SLOTS);
  }
  dup[slot].src = f->src;
  dup[slot].seq = f->seq;
  mac_stats.rx++;
  return 0;
}
