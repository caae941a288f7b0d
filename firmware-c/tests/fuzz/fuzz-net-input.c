/* libFuzzer: the whole receive path of a node, frame by frame: MAC parse/filter → 6LoWPAN
 * (IPHC, fragments, reassembly) → IPv6 → ICMPv6 (echo, RA, NS) / UDP socket. Replies go to the
 * mock radio. Input: a sequence of [len][frame bytes] records; time advances per record so
 * reassembly timeouts are exercised. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ipv6/ipv6.h"
#include "ipv6/udp-socket.h"
#include "mac/mac.h"
#include "mock-radio.h"
#include "sixlo/sixlo.h"

static const uint8_t eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static struct udp_socket sock;

static void echo(struct udp_socket *s, const uint8_t *src, uint16_t sport, const uint8_t *data,
                 uint16_t len)
{
  udp_socket_sendto(s, src, sport, data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int once;
  if(!once) {
    once = 1;
    udp_socket_open(&sock, 7, echo, NULL);
  }
  mac_init(eui, MAC_DEFAULT_PAN_ID);
  ipv6_init(eui);
  sixlo_reset();
  mock_radio_reset();
  /* Half of the runs start with a configured prefix so context-based forms decode. */
  if(size && (data[0] & 1)) {
    sixlo_ctx0.prefix[0] = 0xfd;
    sixlo_ctx0.valid = 1;
  }
  uint32_t now = 0;
  size_t p = 0;
  while(p < size) {
    uint8_t len = data[p++];
    if(len > 127) {
      len = 127;
    }
    if(len > size - p) {
      len = (uint8_t)(size - p);
    }
    mac_frame_t f;
    uint16_t n;
    if(mac_input(data + p, len, &f) == 0) {
      uint8_t *pkt = sixlo_input(f.payload, f.payload_len, &f.src, &f.dst, now, &n);
      if(pkt) {
        if(n < 40 || n > SIXLO_MTU) {
          __builtin_trap();
        }
        ipv6_input(pkt, n, &f.src);
      }
    }
    p += len;
    now += 200; /* ~1.6 s per frame */
  }
  return 0;
}
