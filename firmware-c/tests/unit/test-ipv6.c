/* IPv6/ICMPv6/UDP: RA → global address, RS, echo, NS → NA, UDP sockets, malformed input. */
#include "ipv6/ipv6.h"
#include "ipv6/udp-socket.h"
#include "mac/mac.h"
#include "mock-radio.h"
#include "sixlo/sixlo.h"
#include "unit.h"

static const uint8_t node_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static const uint8_t router_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x02 };
static const uint8_t node_ll[16] = { 0xfe, 0x80, [8] = 0x02, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static const uint8_t node_gl[16] = { 0xfd, 0x00, [8] = 0x02, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static const uint8_t router_ll[16] = { 0xfe, 0x80, [8] = 0x02, 0x12, 0x4b, 0, 0, 0, 0, 0x02 };
static const uint8_t server[16] = { 0xfd, 0x00, [15] = 1 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

static mac_addr_t router_mac;
static int up_calls;

static void on_up(void)
{
  up_calls++;
}

static void setup(void)
{
  router_mac.mode = MAC_AM_EXT;
  memcpy(router_mac.a, router_eui, 8);
  mac_init(node_eui, MAC_DEFAULT_PAN_ID);
  ipv6_init(node_eui);
  ipv6_up_callback = on_up;
  up_calls = 0;
  sixlo_reset();
  memset(&ipv6_stats, 0, sizeof(ipv6_stats));
  mock_radio_reset();
}

/* Builds an IPv6 packet with an upper-layer payload and a valid checksum at csum_off (-1: none). */
static uint16_t build(uint8_t *pkt, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim,
                      const uint8_t *body, uint16_t blen, int csum_off)
{
  memset(pkt, 0, 40);
  pkt[0] = 0x60;
  pkt[4] = (uint8_t)(blen >> 8);
  pkt[5] = (uint8_t)blen;
  pkt[6] = nh;
  pkt[7] = hlim;
  memcpy(pkt + 8, src, 16);
  memcpy(pkt + 24, dst, 16);
  memcpy(pkt + 40, body, blen);
  if(csum_off >= 0) {
    pkt[40 + csum_off] = pkt[41 + csum_off] = 0;
    uint16_t c = ipv6_csum(pkt, nh, NULL, 0, pkt + 40, blen);
    pkt[40 + csum_off] = (uint8_t)(c >> 8);
    pkt[41 + csum_off] = (uint8_t)c;
  }
  return (uint16_t)(40 + blen);
}

/* Decodes all captured frames as the router; returns the (last) reassembled datagram. */
static uint8_t *capture(uint16_t *n, mac_frame_t *last)
{
  uint8_t *got = NULL;
  for(int i = 0; i < mock_radio_count && i < MOCK_RADIO_MAX; i++) {
    mac_frame_t f;
    if(mac_frame_parse(mock_radio_frames[i], mock_radio_lens[i], &f) != 0) {
      return NULL;
    }
    uint8_t *r = sixlo_input(f.payload, f.payload_len, &f.src, &f.dst, 0, n);
    if(r) {
      got = r;
      if(last) {
        *last = f;
      }
    }
  }
  return got;
}

static void give_ra(int with_sllao)
{
  static uint8_t pkt[200];
  uint8_t ra[16 + 32 + 16];
  memset(ra, 0, sizeof(ra));
  ra[0] = 134;
  ra[4] = 64;
  ra[6] = 0x07; /* router lifetime 1800 s */
  ra[7] = 0x08;
  uint8_t *pio = ra + 16;
  pio[0] = 3;
  pio[1] = 4;
  pio[2] = 64;
  pio[3] = 0xC0; /* L and A */
  memset(pio + 4, 0xFF, 8);
  pio[16] = 0xfd;
  uint16_t blen = 48;
  if(with_sllao) {
    uint8_t *o = ra + 48;
    o[0] = 1;
    o[1] = 2;
    memcpy(o + 2, router_eui, 8);
    blen = 64;
  }
  uint16_t n = build(pkt, router_ll, all_nodes, 58, 255, ra, blen, 2);
  mac_addr_t src = router_mac;
  if(with_sllao) {
    src.a[7] = 0x77; /* the option wins over the frame's source */
  }
  ipv6_input(pkt, n, &src);
}

UNIT_TEST(addresses_and_ra)
{
  setup();
  UNIT_CHECK_MEM(ipv6_ll_addr, node_ll, 16);
  UNIT_CHECK(!ipv6_global_valid);
  give_ra(1);
  UNIT_CHECK(ipv6_global_valid);
  UNIT_CHECK_MEM(ipv6_global_addr, node_gl, 16);
  UNIT_CHECK(sixlo_ctx0.valid && sixlo_ctx0.prefix[0] == 0xfd);
  UNIT_CHECK(ipv6_router_valid && mac_addr_eq(&ipv6_router_mac, &router_mac));
  UNIT_CHECK_EQ(up_calls, 1);
  give_ra(0);
  UNIT_CHECK_EQ(up_calls, 1); /* only once */
  UNIT_CHECK_EQ(ipv6_stats.ra, 2);
  char buf[48];
  UNIT_CHECK(strcmp(ipv6_addr_fmt(buf, node_gl), "fd00::212:4b00:0:1") == 0);
  UNIT_CHECK(strcmp(ipv6_addr_fmt(buf, all_nodes), "ff02::1") == 0);
  static const uint8_t zero[16];
  UNIT_CHECK(strcmp(ipv6_addr_fmt(buf, zero), "::") == 0);
  static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
  UNIT_CHECK(strcmp(ipv6_addr_fmt(buf, a), "2001:db8:0:1::1") == 0);
}

UNIT_TEST(ra_rejected)
{
  static uint8_t pkt[200];
  uint8_t ra[16 + 8] = { 134 };
  setup();
  /* Hop limit not 255. */
  uint16_t n = build(pkt, router_ll, all_nodes, 58, 64, ra, 16, 2);
  ipv6_input(pkt, n, &router_mac);
  /* Global source. */
  n = build(pkt, server, all_nodes, 58, 255, ra, 16, 2);
  ipv6_input(pkt, n, &router_mac);
  /* Option with length 0 (would loop forever). */
  ra[16] = 3;
  ra[17] = 0;
  n = build(pkt, router_ll, all_nodes, 58, 255, ra, 24, 2);
  ipv6_input(pkt, n, &router_mac);
  /* Option running past the end. */
  ra[17] = 4;
  n = build(pkt, router_ll, all_nodes, 58, 255, ra, 24, 2);
  ipv6_input(pkt, n, &router_mac);
  /* Bad checksum. */
  n = build(pkt, router_ll, all_nodes, 58, 255, ra, 16, 2);
  pkt[42] ^= 1;
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK(!ipv6_global_valid && !ipv6_router_valid);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 5);
  UNIT_CHECK_EQ(ipv6_stats.ra, 0);
}

UNIT_TEST(router_solicitation)
{
  setup();
  UNIT_CHECK_EQ(ipv6_send_rs(), 0);
  UNIT_CHECK_EQ(mock_radio_count, 1);
  uint16_t n;
  mac_frame_t f;
  uint8_t *p = capture(&n, &f);
  UNIT_CHECK(p != NULL);
  if(!p) {
    return;
  }
  UNIT_CHECK(mac_addr_is_broadcast(&f.dst));
  UNIT_CHECK_EQ(n, 40 + 24);
  UNIT_CHECK_MEM(p + 8, node_ll, 16);
  UNIT_CHECK_EQ(p[24], 0xff);
  UNIT_CHECK_EQ(p[39], 2);
  UNIT_CHECK_EQ(p[7], 255);
  UNIT_CHECK_EQ(p[40], 133);
  UNIT_CHECK_EQ(ipv6_csum(p, 58, NULL, 0, p + 40, 24), 0);
  UNIT_CHECK_EQ(p[48], 1); /* SLLAO */
  UNIT_CHECK_EQ(p[49], 2);
  UNIT_CHECK_MEM(p + 50, node_eui, 8);
}

UNIT_TEST(echo_reply)
{
  static uint8_t pkt[1280];
  static uint8_t body[1000];
  setup();
  give_ra(1);
  body[0] = 128;
  body[4] = 0x12;
  body[5] = 0x34;
  for(int i = 8; i < (int)sizeof(body); i++) {
    body[i] = (uint8_t)i;
  }
  static const uint16_t sizes[] = { 8, 64, 1000 };
  for(int k = 0; k < 3; k++) {
    mock_radio_reset();
    uint16_t n = build(pkt, server, node_gl, 58, 64, body, sizes[k], 2);
    ipv6_input(pkt, n, &router_mac);
    uint16_t rn;
    uint8_t *r = capture(&rn, NULL);
    UNIT_CHECK(r != NULL);
    if(!r) {
      continue;
    }
    UNIT_CHECK_EQ(rn, n);
    UNIT_CHECK_MEM(r + 8, node_gl, 16);
    UNIT_CHECK_MEM(r + 24, server, 16);
    UNIT_CHECK_EQ(r[40], 129);
    UNIT_CHECK_EQ(ipv6_csum(r, 58, NULL, 0, r + 40, (uint16_t)(rn - 40)), 0);
    UNIT_CHECK_MEM(r + 44, body + 4, sizes[k] - 4u);
  }
  UNIT_CHECK_EQ(ipv6_stats.icmp_echo, 3);
  /* To the link-local address from a link-local source: reply from link-local, to the MAC. */
  mock_radio_reset();
  uint16_t n = build(pkt, router_ll, node_ll, 58, 64, body, 16, 2);
  ipv6_input(pkt, n, &router_mac);
  uint16_t rn;
  mac_frame_t f;
  uint8_t *r = capture(&rn, &f);
  UNIT_CHECK(r != NULL && memcmp(r + 8, node_ll, 16) == 0 && mac_addr_eq(&f.dst, &router_mac));
  /* Not for us. */
  mock_radio_reset();
  n = build(pkt, server, server, 58, 64, body, 16, 2);
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_not_ours, 1);
}

UNIT_TEST(neighbor_solicitation)
{
  static uint8_t pkt[200];
  uint8_t ns[24] = { 135 };
  setup();
  give_ra(1);
  memcpy(ns + 8, node_gl, 16);
  static const uint8_t sol[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 0x01 };
  mock_radio_reset();
  uint16_t n = build(pkt, router_ll, sol, 58, 255, ns, 24, 2);
  ipv6_input(pkt, n, &router_mac);
  uint16_t rn;
  mac_frame_t f;
  uint8_t *r = capture(&rn, &f);
  UNIT_CHECK(r != NULL);
  if(r) {
    UNIT_CHECK_EQ(r[40], 136);
    UNIT_CHECK_EQ(r[7], 255);
    UNIT_CHECK_EQ(r[44], 0x60); /* S | O */
    UNIT_CHECK_MEM(r + 48, node_gl, 16);
    UNIT_CHECK_MEM(r + 24, router_ll, 16);
    UNIT_CHECK_EQ(r[64], 2); /* TLLAO */
    UNIT_CHECK_MEM(r + 66, node_eui, 8);
    UNIT_CHECK_EQ(ipv6_csum(r, 58, NULL, 0, r + 40, (uint16_t)(rn - 40)), 0);
    UNIT_CHECK(mac_addr_eq(&f.dst, &router_mac));
  }
  /* Someone else's address: silence. */
  mock_radio_reset();
  memcpy(ns + 8, server, 16);
  n = build(pkt, router_ll, sol, 58, 255, ns, 24, 2);
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  /* Truncated NS. */
  n = build(pkt, router_ll, sol, 58, 255, ns, 20, 2);
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(ipv6_stats.ns, 1);
}

static int rx_calls;
static uint16_t rx_len, rx_sport;
static uint8_t rx_src[16];

static void echo_cb(struct udp_socket *s, const uint8_t *src, uint16_t sport, const uint8_t *data,
                    uint16_t len)
{
  rx_calls++;
  rx_len = len;
  rx_sport = sport;
  memcpy(rx_src, src, 16);
  udp_socket_sendto(s, src, sport, data, len);
}

static uint16_t build_udp(uint8_t *pkt, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                          uint16_t dport, const uint8_t *data, uint16_t len)
{
  static uint8_t body[1280];
  body[0] = (uint8_t)(sport >> 8);
  body[1] = (uint8_t)sport;
  body[2] = (uint8_t)(dport >> 8);
  body[3] = (uint8_t)dport;
  body[4] = (uint8_t)((len + 8) >> 8);
  body[5] = (uint8_t)(len + 8);
  memcpy(body + 8, data, len);
  return build(pkt, src, dst, 17, 64, body, (uint16_t)(len + 8), 6);
}

UNIT_TEST(udp_sockets)
{
  static uint8_t pkt[1280], data[1232];
  static struct udp_socket s7, s7b, s9;
  setup();
  for(int i = 0; i < (int)sizeof(data); i++) {
    data[i] = (uint8_t)(i ^ 0x5A);
  }
  UNIT_CHECK_EQ(udp_socket_open(&s7, 7, echo_cb, NULL), 0);
  UNIT_CHECK_EQ(udp_socket_open(&s7b, 7, echo_cb, NULL), -1); /* port taken */
  UNIT_CHECK_EQ(udp_socket_open(&s9, 0, echo_cb, NULL), -1);
  /* No route before the RA. */
  UNIT_CHECK_EQ(udp_socket_sendto(&s7, server, 5683, data, 4), -1);
  give_ra(1);
  static const uint16_t sizes[] = { 0, 1, 100, 1232 };
  for(int k = 0; k < 4; k++) {
    mock_radio_reset();
    rx_calls = 0;
    uint16_t n = build_udp(pkt, server, node_gl, 40000, 7, data, sizes[k]);
    ipv6_input(pkt, n, &router_mac);
    UNIT_CHECK_EQ(rx_calls, 1);
    UNIT_CHECK_EQ(rx_len, sizes[k]);
    UNIT_CHECK_EQ(rx_sport, 40000);
    UNIT_CHECK_MEM(rx_src, server, 16);
    uint16_t rn;
    uint8_t *r = capture(&rn, NULL);
    UNIT_CHECK(r != NULL);
    if(r) {
      UNIT_CHECK_EQ(rn, 48 + sizes[k]);
      UNIT_CHECK_MEM(r + 8, node_gl, 16);
      UNIT_CHECK_MEM(r + 24, server, 16);
      UNIT_CHECK_EQ(r[40] << 8 | r[41], 7);
      UNIT_CHECK_EQ(r[42] << 8 | r[43], 40000);
      UNIT_CHECK_EQ(ipv6_csum(r, 17, NULL, 0, r + 40, (uint16_t)(rn - 40)), 0);
      UNIT_CHECK_MEM(r + 48, data, sizes[k]);
    }
  }
  /* Too big to send. */
  UNIT_CHECK_EQ(udp_socket_sendto(&s7, server, 5683, data, 1233), -1);
  /* Bad checksum, zero checksum, length field too big, no socket. */
  rx_calls = 0;
  mock_radio_reset();
  uint16_t n = build_udp(pkt, server, node_gl, 1, 7, data, 10);
  pkt[50] ^= 0xFF;
  ipv6_input(pkt, n, &router_mac);
  n = build_udp(pkt, server, node_gl, 1, 7, data, 10);
  pkt[46] = pkt[47] = 0;
  ipv6_input(pkt, n, &router_mac);
  n = build_udp(pkt, server, node_gl, 1, 7, data, 10);
  pkt[45] = 30;
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 3);
  n = build_udp(pkt, server, node_gl, 1, 8, data, 10);
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.rx_proto, 1);
  UNIT_CHECK_EQ(rx_calls, 0);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  /* Closing frees the port. */
  udp_socket_close(&s7);
  UNIT_CHECK_EQ(udp_socket_open(&s7b, 7, echo_cb, NULL), 0);
  udp_socket_close(&s7b);
}

UNIT_TEST(malformed_ipv6)
{
  static uint8_t pkt[1280];
  uint8_t body[16] = { 128 };
  setup();
  give_ra(1);
  mock_radio_reset();
  uint16_t n = build(pkt, server, node_gl, 58, 64, body, 16, 2);
  /* Every truncation. */
  for(uint16_t l = 0; l < n; l++) {
    ipv6_input(pkt, l, &router_mac);
  }
  /* Wrong version. */
  pkt[0] = 0x40;
  ipv6_input(pkt, n, &router_mac);
  pkt[0] = 0x60;
  /* Multicast source. */
  pkt[8] = 0xff;
  ipv6_input(pkt, n, &router_mac);
  pkt[8] = 0xfd;
  /* Unknown next header (hop-by-hop). */
  pkt[6] = 0;
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_proto, 1);
  UNIT_CHECK(ipv6_stats.rx_bad >= 40);
  /* Extra bytes after the payload length are ignored (padding), the echo is answered. */
  pkt[6] = 58;
  ipv6_input(pkt, (uint16_t)(n + 8), &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.icmp_echo, 1);
  /* Random garbage never crashes. */
  uint32_t x = 99;
  for(int k = 0; k < 100000; k++) {
    uint16_t l = 0;
    for(int i = 0; i < 120; i++) {
      x = x * 1664525u + 1013904223u;
      pkt[i] = (uint8_t)(x >> 24);
    }
    pkt[0] = 0x60;
    pkt[6] = (x & 1) ? 58 : 17;
    memcpy(pkt + 24, (x & 2) ? node_gl : all_nodes, 16);
    l = (uint16_t)(x % 120);
    ipv6_input(pkt, l, &router_mac);
  }
}

/* ---- Boundaries found by the mutation audit ---- */

UNIT_TEST(checksum_known_vector)
{
  /* ICMPv6 echo request fe80::1 -> fe80::2, id 0x1234, seq 1, data "abc" (odd length): checksum
   * computed independently (RFC 4443 pseudo-header, ones' complement) as 0xac1d. */
  uint8_t pkt[40 + 11];
  memset(pkt, 0, sizeof(pkt));
  pkt[8] = pkt[24] = 0xfe;
  pkt[9] = pkt[25] = 0x80;
  pkt[23] = 1;
  pkt[39] = 2;
  static const uint8_t body[11] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c' };
  memcpy(pkt + 40, body, sizeof(body));
  UNIT_CHECK_EQ(ipv6_csum(pkt, 58, NULL, 0, pkt + 40, 11), 0xac1d);
  /* Split as header + data (the UDP layout) gives the same sum. */
  UNIT_CHECK_EQ(ipv6_csum(pkt, 58, pkt + 40, 8, pkt + 48, 3), 0xac1d);
  char buf[48];
  static const uint8_t two_runs[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
  UNIT_CHECK(strcmp(ipv6_addr_fmt(buf, two_runs), "2001:db8::1:0:0:1") == 0); /* the first run */
}

/* Delivers an ICMPv6 message (valid checksum) from src to dst with hop limit 255. */
static void give_icmp(const uint8_t *src, const uint8_t *dst, const uint8_t *body, uint16_t blen)
{
  static uint8_t pkt[300];
  uint16_t n = build(pkt, src, dst, 58, 255, body, blen, 2);
  ipv6_input(pkt, n, &router_mac);
}

UNIT_TEST(echo_boundaries)
{
  static const uint8_t zero[16];
  uint8_t body[16] = { 128 };
  setup();
  give_ra(1);
  /* Too short for id and sequence, a non-zero code, from the unspecified address, from a
   * multicast source: no reply, each counted bad. */
  give_icmp(server, node_gl, body, 4);
  body[1] = 1;
  give_icmp(server, node_gl, body, 8);
  body[1] = 0;
  give_icmp(zero, node_gl, body, 8);
  give_icmp(all_nodes, node_gl, body, 8);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 4);
  UNIT_CHECK_EQ(ipv6_stats.icmp_echo, 0);
  /* To all-nodes: answered from our unicast address, never from the multicast one. */
  give_icmp(server, all_nodes, body, 8);
  uint16_t rn;
  uint8_t *r = capture(&rn, NULL);
  UNIT_CHECK(r != NULL);
  if(r) {
    UNIT_CHECK_MEM(r + 8, node_gl, 16);
    UNIT_CHECK_MEM(r + 24, server, 16);
  }
  /* Before any RA the (zero) global address is not ours. */
  setup();
  give_icmp(server, zero, body, 8);
  UNIT_CHECK_EQ(ipv6_stats.rx_not_ours, 1);
  UNIT_CHECK_EQ(mock_radio_count, 0);
}

/* An RA (hop limit 255, from router_ll) with the given options after the 16-byte body. */
static void give_ra_opts(const uint8_t *opts, uint16_t olen, const mac_addr_t *from)
{
  static uint8_t pkt[300];
  uint8_t ra[16 + 96];
  memset(ra, 0, 16);
  ra[0] = 134;
  memcpy(ra + 16, opts, olen);
  uint16_t n = build(pkt, router_ll, all_nodes, 58, 255, ra, (uint16_t)(16 + olen), 2);
  ipv6_input(pkt, n, from);
}

/* A prefix information option: prefix fd00:: (or fd01::), length plen, flags. */
static void pio(uint8_t *o, uint8_t len8, uint8_t plen, uint8_t flags, uint8_t second)
{
  memset(o, 0, 32);
  o[0] = 3;
  o[1] = len8;
  o[2] = plen;
  o[3] = flags;
  o[16] = 0xfd;
  o[17] = second;
}

UNIT_TEST(ra_option_boundaries)
{
  uint8_t o[96];
  /* Only an RA body of 16 bytes counts. */
  setup();
  uint8_t short_ra[8] = { 134 };
  give_icmp(router_ll, all_nodes, short_ra, 8);
  UNIT_CHECK_EQ(ipv6_stats.ra, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 1);
  /* Two bytes left after the options: an option header whose option does not fit. */
  pio(o, 4, 64, 0xC0, 0);
  o[32] = 1;
  o[33] = 1;
  give_ra_opts(o, 34, &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.ra, 0);
  /* An option 8 bytes longer than what is left. */
  pio(o, 4, 64, 0xC0, 0);
  o[32] = 1;
  o[33] = 2; /* 16 bytes, 8 present */
  memset(o + 34, 0, 6);
  give_ra_opts(o, 40, &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.ra, 0);
  UNIT_CHECK(!ipv6_router_valid && !ipv6_global_valid);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 3);
  /* An 8-byte SLLAO cannot hold an EUI-64: the frame's source stays the router's address. */
  memset(o, 0, 8);
  o[0] = 1;
  o[1] = 1;
  o[2] = 0x55;
  give_ra_opts(o, 8, &router_mac);
  UNIT_CHECK(ipv6_router_valid && mac_addr_eq(&ipv6_router_mac, &router_mac));
  /* PIOs that give no address: 24 bytes long, prefix length 48, A flag clear. */
  pio(o, 3, 64, 0xC0, 0);
  give_ra_opts(o, 24, &router_mac);
  pio(o, 4, 48, 0xC0, 0);
  give_ra_opts(o, 32, &router_mac);
  pio(o, 4, 64, 0x80, 0);
  give_ra_opts(o, 32, &router_mac);
  UNIT_CHECK(!ipv6_global_valid);
  UNIT_CHECK_EQ(up_calls, 0);
  /* Two usable PIOs: the first one wins. */
  pio(o, 4, 64, 0x40, 1);
  pio(o + 32, 4, 64, 0x40, 2);
  give_ra_opts(o, 64, &router_mac);
  UNIT_CHECK(ipv6_global_valid && ipv6_global_addr[1] == 1);
  UNIT_CHECK_EQ(ipv6_stats.ra, 5);
}

UNIT_TEST(ns_boundaries)
{
  static const uint8_t zero[16];
  static const uint8_t sol[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 0x01 };
  static const uint8_t sol_other[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 0x02 };
  uint8_t ns[24] = { 135 };
  setup();
  give_ra(1);
  mock_radio_reset();
  memcpy(ns + 8, node_gl, 16);
  /* 23 bytes: the target address is cut. */
  give_icmp(router_ll, sol, ns, 23);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 1);
  /* To another node's solicited-node address: not ours. */
  give_icmp(router_ll, sol_other, ns, 24);
  UNIT_CHECK_EQ(ipv6_stats.rx_not_ours, 1);
  /* A multicast target is malformed (RFC 4861 7.1.1), not merely someone else's. */
  uint8_t ns_mc[24] = { 135 };
  memcpy(ns_mc + 8, all_nodes, 16);
  give_icmp(router_ll, sol, ns_mc, 24);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 2);
  UNIT_CHECK_EQ(ipv6_stats.rx_not_ours, 1);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  /* Duplicate address detection (unspecified source): the NA goes to all-nodes, broadcast,
   * without the S flag. */
  give_icmp(zero, sol, ns, 24);
  uint16_t rn;
  mac_frame_t f;
  uint8_t *r = capture(&rn, &f);
  UNIT_CHECK(r != NULL);
  if(r) {
    UNIT_CHECK_EQ(r[44], 0x20);
    UNIT_CHECK_MEM(r + 24, all_nodes, 16);
    UNIT_CHECK(mac_addr_is_broadcast(&f.dst));
  }
}

UNIT_TEST(output_addressing)
{
  static struct udp_socket s;
  uint8_t d[2] = { 1, 2 };
  setup();
  give_ra(1);
  UNIT_CHECK_EQ(udp_socket_open(&s, 1234, NULL, NULL), 0);
  /* To a link-local address: the MAC address is the IID with the U/L bit flipped back. */
  mock_radio_reset();
  UNIT_CHECK_EQ(udp_socket_sendto(&s, router_ll, 5683, d, 2), 0);
  mac_frame_t f;
  uint16_t rn;
  uint8_t *r = capture(&rn, &f);
  UNIT_CHECK(r != NULL && mac_addr_eq(&f.dst, &router_mac));
  if(r) {
    UNIT_CHECK_MEM(r + 8, node_ll, 16);
  }
  /* To fe80::ff:fe00:1234: the short address 0x1234. */
  static const uint8_t ll_short[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [14] = 0x12, [15] = 0x34 };
  mock_radio_reset();
  UNIT_CHECK_EQ(udp_socket_sendto(&s, ll_short, 5683, d, 2), 0);
  UNIT_CHECK(mac_frame_parse(mock_radio_frames[0], mock_radio_lens[0], &f) == 0 &&
             f.dst.mode == MAC_AM_SHORT && f.dst.a[0] == 0x12 && f.dst.a[1] == 0x34);
  /* Link-scope multicast (ff02::2) goes out from the link-local address even with a global one. */
  mock_radio_reset();
  UNIT_CHECK_EQ(ipv6_send_rs(), 0);
  r = capture(&rn, NULL);
  UNIT_CHECK(r != NULL);
  if(r) {
    UNIT_CHECK_MEM(r + 8, node_ll, 16);
  }
  /* Destination port 0 is refused. */
  UNIT_CHECK_EQ(udp_socket_sendto(&s, server, 0, d, 2), -1);
  /* A payload whose checksum computes to 0 is sent with 0xFFFF (0 means none in IPv6). */
  uint8_t z[2] = { 0, 0 };
  mock_radio_reset();
  UNIT_CHECK_EQ(udp_socket_sendto(&s, server, 5683, z, 2), 0);
  r = capture(&rn, NULL);
  UNIT_CHECK(r != NULL);
  if(r) {
    uint16_t c0 = (uint16_t)(r[46] << 8 | r[47]);
    z[0] = (uint8_t)(c0 >> 8);
    z[1] = (uint8_t)c0;
    mock_radio_reset();
    UNIT_CHECK_EQ(udp_socket_sendto(&s, server, 5683, z, 2), 0);
    r = capture(&rn, NULL);
    UNIT_CHECK(r != NULL && r[46] == 0xFF && r[47] == 0xFF);
  }
  udp_socket_close(&s);
}

UNIT_TEST(udp_length_boundaries)
{
  static uint8_t pkt[1280];
  static struct udp_socket s7;
  uint8_t data[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  setup();
  give_ra(1);
  UNIT_CHECK_EQ(udp_socket_open(&s7, 7, echo_cb, NULL), 0);
  /* The same socket twice (another port) is refused: it would link the list into a loop. */
  UNIT_CHECK_EQ(udp_socket_open(&s7, 8, echo_cb, NULL), -1);
  rx_calls = 0;
  uint16_t n = build_udp(pkt, server, node_gl, 1, 9, data, 2); /* no socket: the walk ends */
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(ipv6_stats.rx_proto, 1);
  /* Trailing bytes after the UDP length are not data. */
  n = build_udp(pkt, server, node_gl, 1, 7, data, 10);
  pkt[5] = 20; /* IPv6 payload 20, UDP length 18 */
  pkt[58] = pkt[59] = 0xEE;
  ipv6_input(pkt, 60, &router_mac);
  UNIT_CHECK_EQ(rx_calls, 1);
  UNIT_CHECK_EQ(rx_len, 10);
  /* UDP length one byte past the IPv6 payload, checksum right over that extra byte: refused. */
  rx_calls = 0;
  n = build_udp(pkt, server, node_gl, 1, 7, data, 10);
  pkt[45] = 19;
  pkt[58] = 0x77;
  pkt[46] = pkt[47] = 0;
  uint16_t c = ipv6_csum(pkt, 17, NULL, 0, pkt + 40, 19);
  pkt[46] = (uint8_t)(c >> 8);
  pkt[47] = (uint8_t)c;
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(rx_calls, 0);
  /* UDP length 4 (below its own header), checksum right over those 4 bytes: refused. */
  n = build_udp(pkt, server, node_gl, 0, 7, data, 10);
  pkt[44] = 0;
  pkt[45] = 4;
  c = ipv6_csum(pkt, 17, NULL, 0, pkt + 40, 4);
  pkt[40] = (uint8_t)(c >> 8);
  pkt[41] = (uint8_t)c;
  pkt[46] = 0x12;
  pkt[47] = 0x34;
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(rx_calls, 0);
  /* A zero checksum field is "none", refused even when the sum would verify. */
  uint8_t z[2] = { 0, 0 };
  n = build_udp(pkt, server, node_gl, 1, 7, z, 2);
  uint16_t c0 = (uint16_t)(pkt[46] << 8 | pkt[47]);
  z[0] = (uint8_t)(c0 >> 8);
  z[1] = (uint8_t)c0;
  n = build_udp(pkt, server, node_gl, 1, 7, z, 2);
  UNIT_CHECK(pkt[46] == 0 && pkt[47] == 0);
  ipv6_input(pkt, n, &router_mac);
  UNIT_CHECK_EQ(rx_calls, 0);
  UNIT_CHECK_EQ(ipv6_stats.rx_bad, 3);
  udp_socket_close(&s7);
}

int main(void)
{
  UNIT_RUN(addresses_and_ra);
  UNIT_RUN(ra_rejected);
  UNIT_RUN(router_solicitation);
  UNIT_RUN(echo_reply);
  UNIT_RUN(neighbor_solicitation);
  UNIT_RUN(udp_sockets);
  UNIT_RUN(malformed_ipv6);
  UNIT_RUN(checksum_known_vector);
  UNIT_RUN(echo_boundaries);
  UNIT_RUN(ra_option_boundaries);
  UNIT_RUN(ns_boundaries);
  UNIT_RUN(output_addressing);
  UNIT_RUN(udp_length_boundaries);
  return UNIT_DONE();
}
