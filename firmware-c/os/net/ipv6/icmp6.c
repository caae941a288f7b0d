/* ICMPv6: echo, router solicitation/advertisement, neighbor solicitation/advertisement. */
#include <string.h>

#include "ipv6/ipv6.h"
#include "mac/mac.h"
#include "sixlo/sixlo.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ICMP6_RS           133
#define ICMP6_RA           134
#define ICMP6_NS           135
#define ICMP6_NA           136
#define OPT_SLLAO          1
#define OPT_TLLAO          2
#define OPT_PIO            3

static void put_csum(uint8_t *hdr, uint8_t *icmp, uint16_t len)
{
  icmp[2] = icmp[3] = 0;
  uint16_t c = ipv6_csum(hdr, IPV6_PROTO_ICMP6, NULL, 0, icmp, len);
  icmp[2] = (uint8_t)(c >> 8);
  icmp[3] = (uint8_t)c;
}

/* A link-layer address option (16 bytes) with our EUI-64 in canonical order (RFC 4944 §8). */
static void put_llao(uint8_t *o, uint8_t type)
{
  memset(o, 0, 16);
  o[0] = type;
  o[1] = 2;
  memcpy(o + 2, mac_own_addr()->a, 8);
}

int ipv6_send_rs(void)
{
  static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
  uint8_t hdr[IPV6_HDR_LEN];
  uint8_t m[24];
  ipv6_hdr_init(hdr, IPV6_PROTO_ICMP6, 255, all_routers);
  memset(m, 0, 8);
  m[0] = ICMP6_RS;
  put_llao(m + 8, OPT_SLLAO);
  put_csum(hdr, m, sizeof(m));
  return ipv6_output(hdr, IPV6_HDR_LEN, m, sizeof(m), NULL);
}

static void ra_input(const uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll)
{
  const uint8_t *prefix = NULL;
  mac_addr_t router = *src_ll;
  /* Options start after the 16-byte RA body. */
  for(uint16_t p = IPV6_HDR_LEN + 16; p + 2 <= len;) {
    uint16_t olen = (uint16_t)(pkt[p + 1] * 8u);
    if(olen == 0 || p + olen > len) {
      ipv6_stats.rx_bad++;
      return;
    }
    const uint8_t *o = pkt + p;
    if(o[0] == OPT_SLLAO && olen >= 10) {
      router.mode = MAC_AM_EXT;
      memcpy(router.a, o + 2, 8);
    } else if(o[0] == OPT_PIO && olen == 32 && o[2] == 64 && (o[3] & 0x40) && !prefix) {
      prefix = o + 16;
    }
    p = (uint16_t)(p + olen);
  }
  ipv6_stats.ra++;
  ipv6_router_mac = router;
  ipv6_router_valid = 1;
  if(!prefix) {
    return;
  }
  uint8_t was_up = ipv6_global_valid;
  memcpy(sixlo_ctx0.prefix, prefix, 8);
  sixlo_ctx0.valid = 1;
  memcpy(ipv6_global_addr, prefix, 8);
  memcpy(ipv6_global_addr + 8, ipv6_ll_addr + 8, 8);
  ipv6_global_valid = 1;
  if(!was_up && ipv6_up_callback) {
    ipv6_up_callback();
  }
}

static void ns_input(const uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll)
{
  static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
  static const uint8_t zero[16];
  const uint8_t *target = pkt + IPV6_HDR_LEN + 8;
  if(len < IPV6_HDR_LEN + 24 || target[0] == 0xff) {
    ipv6_stats.rx_bad++;
    return;
  }
  if(!ipv6_is_ours(target)) {
    ipv6_stats.rx_not_ours++;
    return;
  }
  int unspec = memcmp(pkt + 8, zero, 16) == 0;
  uint8_t hdr[IPV6_HDR_LEN];
  uint8_t m[40];
  ipv6_hdr_init(hdr, IPV6_PROTO_ICMP6, 255, unspec ? all_nodes : pkt + 8);
  memcpy(hdr + 8, target, 16);
  memset(m, 0, 8);
  m[0] = ICMP6_NA;
  m[4] = unspec ? 0x20 : 0x60; /* S only when answering a unicast-sourced NS; O always */
  memcpy(m + 8, target, 16);
  put_llao(m + 24, OPT_TLLAO);
  put_csum(hdr, m, sizeof(m));
  ipv6_stats.ns++;
  ipv6_output(hdr, IPV6_HDR_LEN, m, sizeof(m), unspec ? NULL : src_ll);
}

void icmp6_input(uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll)
{
  uint8_t *icmp = pkt + IPV6_HDR_LEN;
  uint16_t ilen = (uint16_t)(len - IPV6_HDR_LEN);
  if(ilen < 4 || ipv6_csum(pkt, IPV6_PROTO_ICMP6, NULL, 0, icmp, ilen) != 0) {
    ipv6_stats.rx_bad++;
    return;
  }
  uint8_t type = icmp[0];
  if(type == ICMP6_ECHO_REQUEST) {
    if(ilen < 8 || icmp[1] != 0) {
      ipv6_stats.rx_bad++;
      return;
    }
    static const uint8_t zero[16];
    uint8_t src[16];
    memcpy(src, pkt + 8, 16);
    if(memcmp(src, zero, 16) == 0) {
      ipv6_stats.rx_bad++;
      return;
    }
    /* Reply in place: from the address the request was sent to (or the best one for multicast). */
    uint8_t to_us[16];
    memcpy(to_us, pkt + 24, 16);
    ipv6_hdr_init(pkt, IPV6_PROTO_ICMP6, IPV6_DEFAULT_HLIM, src);
    if(to_us[0] != 0xff) {
      memcpy(pkt + 8, to_us, 16);
    }
    icmp[0] = ICMP6_ECHO_REPLY;
    put_csum(pkt, icmp, ilen);
    ipv6_stats.icmp_echo++;
    ipv6_output(pkt, IPV6_HDR_LEN, icmp, ilen, src_ll);
    return;
  }
  /* Neighbor discovery: hop limit must be 255 and code 0 (RFC 4861 §6.1, §7.1). */
  if((type == ICMP6_RA || type == ICMP6_NS) && (pkt[7] != 255 || icmp[1] != 0)) {
    ipv6_stats.rx_bad++;
    return;
  }
  if(type == ICMP6_RA) {
    if(ilen < 16 || pkt[8] != 0xfe || (pkt[9] & 0xC0) != 0x80) {
      ipv6_stats.rx_bad++;
      return;
    }
    ra_input(pkt, len, src_ll);
  } else if(type == ICMP6_NS) {
    ns_input(pkt, len, src_ll);
  }
  /* Everything else (NA, RS, errors) is ignored. */
}
