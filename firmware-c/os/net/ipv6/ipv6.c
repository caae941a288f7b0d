/* IPv6: addresses, checksum, input dispatch and output through 6LoWPAN. */
#include "ipv6/ipv6.h"

#include <string.h>

#include "ipv6/udp-socket.h"
#include "sixlo/sixlo.h"

ipv6_stats_t ipv6_stats;
uint8_t ipv6_ll_addr[16];
uint8_t ipv6_global_addr[16];
uint8_t ipv6_global_valid;
mac_addr_t ipv6_router_mac;
uint8_t ipv6_router_valid;
void (*ipv6_up_callback)(void);

void ipv6_init(const uint8_t *eui64)
{
  mac_addr_t m = { MAC_AM_EXT, { 0 } };
  memcpy(m.a, eui64, 8);
  memset(ipv6_ll_addr, 0, 16);
  ipv6_ll_addr[0] = 0xfe;
  ipv6_ll_addr[1] = 0x80;
  sixlo_iid_from_mac(ipv6_ll_addr + 8, &m);
  memset(ipv6_global_addr, 0, 16);
  ipv6_global_valid = 0;
  ipv6_router_valid = 0;
  sixlo_ctx0.valid = 0;
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, uint16_t n)
{
  for(; n > 1; n -= 2, p += 2) {
    sum += (uint32_t)((p[0] << 8) | p[1]);
  }
  if(n) {
    sum += (uint32_t)(p[0] << 8);
  }
  return sum;
}

uint16_t ipv6_csum(const uint8_t *ip, uint8_t nh, const uint8_t *a, uint16_t alen,
                   const uint8_t *b, uint16_t blen)
{
  /* a is always a whole header (even length), so concatenating the sums stays aligned. */
  uint32_t len = (uint32_t)alen + blen;
  uint32_t sum = sum_bytes(0, ip + 8, 32) + len + nh;
  sum = sum_bytes(sum, a, alen);
  sum = sum_bytes(sum, b, blen);
  while(sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return (uint16_t)~sum;
}

static int is_ll(const uint8_t *a)
{
  return a[0] == 0xfe && (a[1] & 0xC0) == 0x80;
}

int ipv6_is_ours(const uint8_t *a)
{
  return memcmp(a, ipv6_ll_addr, 16) == 0 ||
         (ipv6_global_valid && memcmp(a, ipv6_global_addr, 16) == 0);
}

static int accept_dst(const uint8_t *a)
{
  static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
  static const uint8_t sol_node[13] = { 0xff, 0x02, [11] = 1, [12] = 0xff };
  if(ipv6_is_ours(a) || memcmp(a, all_nodes, 16) == 0) {
    return 1;
  }
  /* Solicited-node multicast of our IID (shared by both addresses). */
  return memcmp(a, sol_node, 13) == 0 && memcmp(a + 13, ipv6_ll_addr + 13, 3) == 0;
}

void ipv6_input(uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll)
{
  ipv6_stats.rx++;
  if(len < IPV6_HDR_LEN || (pkt[0] >> 4) != 6) {
    ipv6_stats.rx_bad++;
    return;
  }
  uint16_t plen = (uint16_t)((pkt[4] << 8) | pkt[5]);
  if(plen > len - IPV6_HDR_LEN || pkt[8] == 0xff) {
    ipv6_stats.rx_bad++; /* truncated, or a multicast source */
    return;
  }
  len = (uint16_t)(IPV6_HDR_LEN + plen);
  if(!accept_dst(pkt + 24)) {
    ipv6_stats.rx_not_ours++;
    return;
  }
  if(pkt[6] == IPV6_PROTO_ICMP6) {
    icmp6_input(pkt, len, src_ll);
  } else if(pkt[6] == IPV6_PROTO_UDP) {
    udp_input(pkt, len);
  } else {
    ipv6_stats.rx_proto++;
  }
}

void ipv6_hdr_init(uint8_t *hdr, uint8_t nh, uint8_t hlim, const uint8_t *dst)
{
  memset(hdr, 0, IPV6_HDR_LEN);
  hdr[0] = 0x60;
  hdr[6] = nh;
  hdr[7] = hlim;
  int local = is_ll(dst) || (dst[0] == 0xff && (dst[1] & 0x0F) <= 2);
  memcpy(hdr + 8, (!local && ipv6_global_valid) ? ipv6_global_addr : ipv6_ll_addr, 16);
  memcpy(hdr + 24, dst, 16);
}

int ipv6_output(uint8_t *hdr, uint8_t hdr_len, const uint8_t *payload, uint16_t payload_len,
                const mac_addr_t *nexthop)
{
  mac_addr_t nh;
  const uint8_t *dst = hdr + 24;
  uint32_t plen = (uint32_t)hdr_len - IPV6_HDR_LEN + payload_len;
  if(plen + IPV6_HDR_LEN > SIXLO_MTU) {
    ipv6_stats.tx_err++;
    return -1;
  }
  hdr[4] = (uint8_t)(plen >> 8);
  hdr[5] = (uint8_t)plen;
  if(!nexthop) {
    if(dst[0] == 0xff) {
      nexthop = NULL; /* broadcast */
    } else if(is_ll(dst)) {
      static const uint8_t short_iid[6] = { 0, 0, 0, 0xff, 0xfe, 0 };
      if(memcmp(dst + 8, short_iid, 6) == 0) {
        nh.mode = MAC_AM_SHORT;
        nh.a[0] = dst[14];
        nh.a[1] = dst[15];
      } else {
        nh.mode = MAC_AM_EXT;
        memcpy(nh.a, dst + 8, 8);
        nh.a[0] ^= 0x02;
      }
      nexthop = &nh;
    } else if(ipv6_router_valid) {
      nexthop = &ipv6_router_mac;
    } else {
      ipv6_stats.tx_err++;
      return -1;
    }
  }
  if(sixlo_output(hdr, hdr_len, payload, payload_len, nexthop) != 0) {
    ipv6_stats.tx_err++;
    return -1;
  }
  ipv6_stats.tx++;
  return 0;
}

char *ipv6_addr_fmt(char *buf, const uint8_t *a)
{
  static const char hex[] = "0123456789abcdef";
  /* Longest run (>= 2) of zero groups becomes "::". */
  int best = -1, best_len = 1;
  for(int i = 0; i < 8;) {
    int j = i;
    while(j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0) {
      j++;
    }
    if(j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  char *o = buf;
  for(int i = 0; i < 8; i++) {
    if(i == best) {
      *o++ = ':';
      if(i == 0) {
        *o++ = ':';
      }
      i += best_len - 1;
      continue;
    }
    uint16_t g = (uint16_t)((a[2 * i] << 8) | a[2 * i + 1]);
    int started = 0;
    for(int s = 12; s >= 0; s -= 4) {
      uint8_t d = (g >> s) & 0xF;
      if(d || started || s == 0) {
        *o++ = hex[d];
        started = 1;
      }
    }
    if(i < 7) {
      *o++ = ':';
    }
  }
  *o = 0;
  return buf;
}
