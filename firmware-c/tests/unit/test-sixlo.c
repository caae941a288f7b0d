/* 6LoWPAN: IPHC vectors (tests/vectors/iphc.txt), compress/decompress round trips,
 * fragmentation and reassembly incl. missing/duplicate/overlapping/oversized/timeout, garbage. */
#include <stdlib.h>

#include "cc.h"

#include "mac/mac.h"
#include "mock-radio.h"
#include "net-hex.h"
#include "sixlo/sixlo.h"
#include "unit.h"

#ifndef NET_VECTORS_DIR
#define NET_VECTORS_DIR "tests/vectors"
#endif

static const uint8_t node_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static const uint8_t router_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x02 };
static const uint8_t fd00[8] = { 0xfd, 0 };

UNIT_TEST(iphc_vectors)
{
  FILE *fp = fopen(NET_VECTORS_DIR "/iphc.txt", "r");
  UNIT_CHECK(fp != NULL);
  if(!fp) {
    return;
  }
  char line[4096];
  int count = 0;
  while(fgets(line, sizeof(line), fp)) {
    if(line[0] == '#' || line[0] == '\n') {
      continue;
    }
    char kind[8], src[20], dst[20], ctx[20], comp_hex[1024], unc_hex[1024];
    if(sscanf(line, "%7s %19s %19s %19s %1023s %1023s", kind, src, dst, ctx, comp_hex, unc_hex) != 6) {
      UNIT_CHECK(0 && "bad vector line");
      continue;
    }
    uint8_t comp[512], unc[512];
    int clen = unhex(comp_hex, comp, sizeof(comp));
    int ulen = unhex(unc_hex, unc, sizeof(unc));
    mac_addr_t ms, md;
    mac_from_hex(&ms, src);
    mac_from_hex(&md, dst);
    sixlo_ctx0.valid = 0;
    if(strcmp(ctx, "-") != 0) {
      sixlo_ctx0.valid = unhex(ctx, sixlo_ctx0.prefix, 8) == 8;
    }
    count++;
    /* Decompress. */
    uint16_t n = 0;
    sixlo_reset();
    uint8_t *d = sixlo_input(comp, (uint8_t)clen, &ms, &md, 0, &n);
    if(!d || n != ulen || memcmp(d, unc, (size_t)ulen) != 0) {
      printf("  vector %d decode mismatch: %s", count, line);
      UNIT_CHECK(0);
    }
    /* Compress. */
    if(strcmp(kind, "both") == 0) {
      uint8_t out[128], used;
      uint8_t hl = unc[6] == 17 ? 48 : 40;
      int c = sixlo_compress(unc, hl, &ms, &md, &sixlo_ctx0, out, sizeof(out), &used);
      int plen = ulen - used;
      if(c < 0 || used != hl || c + plen != clen || memcmp(out, comp, (size_t)c) != 0 ||
         memcmp(comp + c, unc + used, (size_t)plen) != 0) {
        printf("  vector %d encode mismatch: %s", count, line);
        UNIT_CHECK(0);
      }
    }
  }
  fclose(fp);
  UNIT_CHECK(count >= 20);
}

/* A UDP datagram fd00::212:4b00:0:1 -> fd00::1 with plen payload bytes (pattern). */
static uint16_t make_udp(uint8_t *pkt, uint16_t plen, uint16_t sport, uint16_t dport)
{
  memset(pkt, 0, 48);
  pkt[0] = 0x60;
  pkt[4] = (uint8_t)((plen + 8) >> 8);
  pkt[5] = (uint8_t)(plen + 8);
  pkt[6] = 17;
  pkt[7] = 64;
  memcpy(pkt + 8, fd00, 8);
  memcpy(pkt + 16, node_eui, 8);
  pkt[16] ^= 2;
  memcpy(pkt + 24, fd00, 8);
  pkt[39] = 1;
  pkt[40] = (uint8_t)(sport >> 8);
  pkt[41] = (uint8_t)sport;
  pkt[42] = (uint8_t)(dport >> 8);
  pkt[43] = (uint8_t)dport;
  pkt[44] = pkt[4];
  pkt[45] = pkt[5];
  pkt[46] = 0x12;
  pkt[47] = 0x34;
  for(uint16_t i = 0; i < plen; i++) {
    pkt[48 + i] = (uint8_t)(i * 7 + 3);
  }
  return (uint16_t)(48 + plen);
}

static mac_addr_t node_mac, router_mac;

static void setup(void)
{
  node_mac.mode = router_mac.mode = MAC_AM_EXT;
  memcpy(node_mac.a, node_eui, 8);
  memcpy(router_mac.a, router_eui, 8);
  mac_init(node_eui, MAC_DEFAULT_PAN_ID);
  memcpy(sixlo_ctx0.prefix, fd00, 8);
  sixlo_ctx0.valid = 1;
  sixlo_reset();
  memset(&sixlo_stats, 0, sizeof(sixlo_stats));
  mock_radio_reset();
}

/* Feeds captured frame i to sixlo_input as the router would receive it. */
static uint8_t *deliver(int i, uint32_t now, uint16_t *n)
{
  mac_frame_t f;
  if(mac_frame_parse(mock_radio_frames[i], mock_radio_lens[i], &f) != 0) {
    return NULL;
  }
  return sixlo_input(f.payload, f.payload_len, &f.src, &f.dst, now, n);
}

UNIT_TEST(fragment_round_trips)
{
  static const uint16_t sizes[] = { 0, 1, 50, 80, 81, 96, 97, 200, 500, 1000, 1232 };
  static uint8_t pkt[1280];
  for(size_t k = 0; k < CC_ARRAY_LEN(sizes); k++) {
    setup();
    uint16_t len = make_udp(pkt, sizes[k], 5683, 5683);
    UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, sizes[k], &router_mac), 0);
    UNIT_CHECK(mock_radio_count >= 1 && mock_radio_count <= MOCK_RADIO_MAX);
    uint8_t *got = NULL;
    uint16_t n = 0;
    for(int i = 0; i < mock_radio_count; i++) {
      UNIT_CHECK(mock_radio_lens[i] <= MAC_MAX_FRAME);
      UNIT_CHECK(got == NULL); /* complete only after the last fragment */
      got = deliver(i, 0, &n);
    }
    UNIT_CHECK(got != NULL);
    UNIT_CHECK_EQ(n, len);
    if(got) {
      UNIT_CHECK_MEM(got, pkt, len);
    }
    if(mock_radio_count > 1) {
      UNIT_CHECK_EQ(sixlo_stats.reass_ok, 1);
      UNIT_CHECK_EQ(sixlo_stats.tx_frags, mock_radio_count);
    }
  }
  /* 1280-byte datagram, 21-byte MAC headers (104 bytes of room): FRAG1 = 4 + 17 compressed
   * header bytes + 80 payload bytes (128 uncompressed), FRAGNs 96 each: 1 + 1152 / 96 = 13. */
  UNIT_CHECK_EQ(mock_radio_count, 13);
}

UNIT_TEST(fragment_out_of_order_and_duplicates)
{
  static uint8_t pkt[1280];
  setup();
  uint16_t len = make_udp(pkt, 400, 1000, 2000);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 400, &router_mac), 0);
  int nf = mock_radio_count;
  UNIT_CHECK(nf >= 4);
  uint16_t n = 0;
  uint8_t *got = NULL;
  /* Last to first, with the third-last delivered twice. */
  for(int i = nf - 1; i >= 0; i--) {
    UNIT_CHECK(got == NULL);
    got = deliver(i, 5, &n);
    if(i == nf - 3) {
      UNIT_CHECK(deliver(i, 5, &n) == NULL);
    }
  }
  UNIT_CHECK(got != NULL && n == len && memcmp(got, pkt, len) == 0);
  UNIT_CHECK_EQ(sixlo_stats.frag_dup, 1);
}

UNIT_TEST(fragment_missing_then_timeout)
{
  static uint8_t pkt[1280];
  setup();
  make_udp(pkt, 300, 1, 2);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 300, &router_mac), 0);
  int nf = mock_radio_count;
  uint16_t n;
  for(int i = 0; i < nf; i++) {
    if(i != 1) {
      UNIT_CHECK(deliver(i, 100, &n) == NULL);
    }
  }
  /* A different datagram from another sender is refused while busy. */
  uint8_t frag1[] = { 0xC1, 0x00, 0x00, 0x07, 0x41 };
  mac_addr_t other = router_mac;
  other.a[7] = 9;
  UNIT_CHECK(sixlo_input(frag1, sizeof(frag1), &other, &node_mac, 200, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_busy, 1);
  /* After the timeout the buffer is free again: resend the whole datagram, it completes. */
  mock_radio_reset();
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 300, &router_mac), 0);
  uint8_t *got = NULL;
  for(int i = 0; i < mock_radio_count; i++) {
    got = deliver(i, 100 + SIXLO_REASS_TIMEOUT + 1, &n);
  }
  UNIT_CHECK(got != NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_timeout, 1);
}

UNIT_TEST(fragment_new_tag_same_sender_replaces)
{
  static uint8_t pkt[1280];
  setup();
  make_udp(pkt, 300, 1, 2);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 300, &router_mac), 0);
  uint16_t n;
  UNIT_CHECK(deliver(0, 0, &n) == NULL); /* only FRAG1 of datagram 1 */
  mock_radio_reset();
  uint16_t len = make_udp(pkt, 300, 1, 2);
  pkt[48] ^= 0xFF; /* datagram 2 differs in its first fragment: none of datagram 1 may remain */
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 300, &router_mac), 0); /* next tag */
  uint8_t *got = NULL;
  for(int i = 0; i < mock_radio_count; i++) {
    got = deliver(i, 1, &n);
  }
  UNIT_CHECK(got != NULL && n == len);
  if(got) {
    UNIT_CHECK_MEM(got, pkt, len);
  }
  UNIT_CHECK_EQ(sixlo_stats.frag_timeout, 1);
}

/* Crafted fragments: a 160-byte uncompressed-IPv6 datagram (dispatch 0x41 in FRAG1). */
static uint8_t frag_buf[128];
static uint8_t *craft(int first, uint16_t size, uint16_t tag, uint8_t off8, uint8_t dlen, uint8_t *len)
{
  uint8_t p = 0;
  frag_buf[p++] = (uint8_t)((first ? 0xC0 : 0xE0) | (size >> 8));
  frag_buf[p++] = (uint8_t)size;
  frag_buf[p++] = (uint8_t)(tag >> 8);
  frag_buf[p++] = (uint8_t)tag;
  if(!first) {
    frag_buf[p++] = off8;
  } else {
    frag_buf[p++] = 0x41;
  }
  for(uint8_t i = 0; i < dlen; i++) {
    frag_buf[p++] = (uint8_t)(0x60 + i);
  }
  *len = p;
  return frag_buf;
}

UNIT_TEST(fragment_bad_inputs)
{
  uint8_t len;
  uint16_t n;
  uint8_t *f;
  setup();
  /* Overlap: FRAGN at 64 (8 units) then FRAGN at 72 overlapping it. */
  f = craft(0, 160, 1, 8, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 160, 1, 9, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 1);
  /* Out of bounds: offset 152 + 16 > 160. */
  f = craft(0, 160, 2, 19, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 2);
  /* Oversized datagram (2000 > 1280) and too small (< 40). */
  f = craft(0, 2000, 3, 8, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 20, 3, 1, 8, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 4);
  /* Size mismatch between fragments of one datagram. */
  f = craft(0, 160, 4, 8, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 168, 4, 10, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 5);
  /* Non-final fragment whose length is not a multiple of 8. */
  f = craft(0, 160, 5, 8, 12, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 6);
  /* FRAGN with offset 0, and headers only. */
  f = craft(0, 160, 6, 0, 16, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 160, 6, 1, 0, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 8);
  /* A valid uncompressed datagram in fragments: FRAG1 (0x41 + 48 bytes) + FRAGN (112 bytes). */
  sixlo_reset();
  f = craft(1, 160, 7, 0, 48, &len);
  frag_buf[5] = 0x60; /* version 6 */
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 160, 7, 6, 112, &len);
  uint8_t *got = sixlo_input(f, len, &router_mac, &node_mac, 0, &n);
  UNIT_CHECK(got != NULL && n == 160);
}

UNIT_TEST(iphc_truncations_and_garbage)
{
  static uint8_t pkt[1280];
  uint8_t comp[128], used;
  uint16_t n;
  setup();
  make_udp(pkt, 10, 0xF0B1, 5683);
  int c = sixlo_compress(pkt, 48, &node_mac, &router_mac, &sixlo_ctx0, comp, sizeof(comp), &used);
  UNIT_CHECK(c > 0);
  /* Every strict truncation of the compressed header must fail cleanly. */
  for(int l = 0; l < c; l++) {
    UNIT_CHECK(sixlo_input(comp, (uint8_t)l, &node_mac, &router_mac, 0, &n) == NULL);
  }
  UNIT_CHECK(sixlo_input(comp, (uint8_t)c, &node_mac, &router_mac, 0, &n) != NULL);
  /* The output buffer bound is honoured. */
  UNIT_CHECK_EQ(sixlo_compress(pkt, 48, &node_mac, &router_mac, &sixlo_ctx0, comp, 3, &used), -1);
  /* Unknown context, CID extension with a non-zero context, unsupported NHC, elided checksum. */
  static const uint8_t cid1[] = { 0x7e, 0xf5, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 0xF3, 0x12, 0, 0 };
  UNIT_CHECK(sixlo_input(cid1, sizeof(cid1), &node_mac, &router_mac, 0, &n) == NULL);
  static const uint8_t ext_nhc[] = { 0x7e, 0x33, 0xE0, 0, 0, 0 };
  UNIT_CHECK(sixlo_input(ext_nhc, sizeof(ext_nhc), &node_mac, &router_mac, 0, &n) == NULL);
  static const uint8_t udp_c[] = { 0x7e, 0x33, 0xF7, 0x12 };
  UNIT_CHECK(sixlo_input(udp_c, sizeof(udp_c), &node_mac, &router_mac, 0, &n) == NULL);
  sixlo_ctx0.valid = 0;
  UNIT_CHECK(sixlo_input(cid1, sizeof(cid1), &node_mac, &router_mac, 0, &n) == NULL);
  /* Unknown dispatches (NALP, mesh, broadcast). */
  static const uint8_t nalp[] = { 0x00, 1, 2 }, mesh[] = { 0x80, 1, 2 }, bc0[] = { 0x50, 1 };
  UNIT_CHECK(sixlo_input(nalp, sizeof(nalp), &node_mac, &router_mac, 0, &n) == NULL);
  UNIT_CHECK(sixlo_input(mesh, sizeof(mesh), &node_mac, &router_mac, 0, &n) == NULL);
  UNIT_CHECK(sixlo_input(bc0, sizeof(bc0), &node_mac, &router_mac, 0, &n) == NULL);
  UNIT_CHECK(sixlo_input(nalp, 0, &node_mac, &router_mac, 0, &n) == NULL);
  UNIT_CHECK(sixlo_stats.rx_dispatch >= 4);
  /* Deterministic random garbage: never crashes (ASan/UBSan watch), returned lengths in bounds. */
  uint32_t x = 12345;
  uint8_t g[125];
  for(int k = 0; k < 200000; k++) {
    for(int i = 0; i < 125; i++) {
      x = x * 1103515245u + 12345u;
      g[i] = (uint8_t)(x >> 16);
    }
    uint8_t gl = (uint8_t)(x % 126);
    /* Bias towards meaningful dispatches. */
    static const uint8_t d[] = { 0x78, 0x7e, 0x60, 0xC0, 0xE0, 0x41, 0x7b };
    if(gl) {
      g[0] = (uint8_t)((d[(x >> 8) % sizeof(d)]) | (g[0] & 0x07));
    }
    uint8_t *r = sixlo_input(g, gl, (k & 1) ? &node_mac : &router_mac, &router_mac, (uint32_t)k, &n);
    if(r) {
      UNIT_CHECK(n >= 40 && n <= SIXLO_MTU);
    }
  }
}

/* Writes address kind k (the SAC/SAM or DAC/DAM it must compress to is in modes[k]) for link
 * address ll: link-local / context 0 prefix with the IID from ll, 0000:00ff:fe00:XXXX or inline;
 * a global inline address, the unspecified address, multicast 8 / 32 / 48 / 128 bits. */
static const uint8_t addr_modes[12] = { 0x3, 0x2, 0x1, 0x7, 0x6, 0x5, 0x0, 0x4, 0xB, 0xA, 0x9, 0x8 };

static void make_addr(uint8_t *a, int k, const mac_addr_t *ll)
{
  memset(a, 0, 16);
  if(k < 6) {
    if(k < 3) {
      a[0] = 0xfe;
      a[1] = 0x80;
    } else {
      memcpy(a, fd00, 8);
    }
    sixlo_iid_from_mac(a + 8, ll);
    if(k % 3 == 1) {
      a[8] = a[9] = a[10] = a[13] = 0;
      a[11] = 0xff;
      a[12] = 0xfe;
    } else if(k % 3 == 2) {
      a[15] ^= 0x5a;
      a[9] = 0x77;
    }
  } else if(k == 6) {
    memcpy(a, "\x20\x01\x0d\xb8\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06", 16);
  } else if(k >= 8) {
    static const uint8_t tails[4][4] = { { 2, 15 }, { 5, 13 }, { 0x0e, 11 }, { 0x1e, 1 } };
    a[0] = 0xff;
    a[1] = tails[k - 8][0];
    for(int i = tails[k - 8][1]; i < 16; i++) {
      a[i] = (uint8_t)(0xa0 + i);
    }
  }
}

/* Every address mode for source and destination, with every traffic class/flow label form, hop
 * limit, next header and UDP port form in turn: compressed to the expected modes, decompressed
 * back to the same datagram, and every truncation of the compressed frame dropped and counted. */
UNIT_TEST(iphc_every_mode_round_trips)
{
  static const uint8_t hlims[4] = { 64, 1, 255, 17 };
  static const uint16_t ports[4][2] = { { 1000, 2000 }, { 1000, 0xF077 }, { 0xF012, 5683 },
                                        { 0xF0B3, 0xF0BC } };
  static const uint32_t tcfl[4] = { 0x6B812345, 0x60012345, 0x6B800000, 0x60000000 };
  setup();
  int count = 0;
  for(int sk = 0; sk < 8; sk++) {
    for(int dk = 0; dk < 12; dk++) {
      if(dk == 7) {
        continue; /* the unspecified address is a source only */
      }
      int v = count++;
      uint8_t pkt[60], comp[64], used;
      uint8_t udp = (uint8_t)(v & 1);
      uint8_t hl = udp ? 48 : 40;
      uint16_t len = (uint16_t)(hl + 12);
      for(int i = 0; i < 4; i++) {
        pkt[i] = (uint8_t)(tcfl[v % 4] >> (24 - 8 * i));
      }
      pkt[4] = 0;
      pkt[5] = (uint8_t)(len - 40);
      pkt[6] = udp ? 17 : 58;
      pkt[7] = hlims[(v / 4) % 4];
      make_addr(pkt + 8, sk, &node_mac);
      make_addr(pkt + 24, dk, &router_mac);
      if(udp) {
        const uint16_t *pp = ports[(v / 2) % 4];
        pkt[40] = (uint8_t)(pp[0] >> 8);
        pkt[41] = (uint8_t)pp[0];
        pkt[42] = (uint8_t)(pp[1] >> 8);
        pkt[43] = (uint8_t)pp[1];
        pkt[44] = 0;
        pkt[45] = (uint8_t)(len - 40);
        pkt[46] = 0xab;
        pkt[47] = (uint8_t)v;
      }
      for(int i = hl; i < len; i++) {
        pkt[i] = (uint8_t)(i * 3 + v);
      }
      int c = sixlo_compress(pkt, hl, &node_mac, &router_mac, &sixlo_ctx0, comp, sizeof(comp), &used);
      UNIT_CHECK(c > 0 && used == hl);
      if(c <= 0) {
        continue;
      }
      UNIT_CHECK_EQ(comp[1] & 0x7F, (addr_modes[sk] << 4) | addr_modes[dk]);
      UNIT_CHECK_EQ((comp[0] >> 3) & 3, v % 4);
      memcpy(comp + c, pkt + hl, 12);
      uint16_t n = 0;
      uint8_t *d = sixlo_input(comp, (uint8_t)(c + 12), &node_mac, &router_mac, 0, &n);
      UNIT_CHECK(d != NULL && n == len && memcmp(d, pkt, len) == 0);
      /* Truncated inside the compressed header: dropped, counted. */
      uint32_t before = sixlo_stats.rx_iphc;
      for(int l = 1; l < c; l++) {
        UNIT_CHECK(sixlo_input(comp, (uint8_t)l, &node_mac, &router_mac, 0, &n) == NULL);
      }
      UNIT_CHECK_EQ(sixlo_stats.rx_iphc - before, (uint32_t)(c - 1));
    }
  }
  UNIT_CHECK_EQ(count, 88);
  /* A link-address-derived IID needs a link address. */
  static const uint8_t sam3[] = { 0x7b, 0x33, 58 };
  mac_addr_t none = { MAC_AM_NONE, { 0 } };
  uint16_t n;
  uint32_t before = sixlo_stats.rx_iphc;
  UNIT_CHECK(sixlo_input(sam3, sizeof(sam3), &none, &router_mac, 0, &n) == NULL);
  UNIT_CHECK(sixlo_input(sam3, sizeof(sam3), &node_mac, &none, 0, &n) == NULL);
  UNIT_CHECK(sixlo_input(sam3, sizeof(sam3), &node_mac, &router_mac, 0, &n) != NULL);
  UNIT_CHECK_EQ(sixlo_stats.rx_iphc - before, 2);
}

UNIT_TEST(output_errors)
{
  static uint8_t pkt[1300];
  setup();
  make_udp(pkt, 10, 1, 2);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 1233, &router_mac), -1); /* > 1280 */
  mock_radio_no_ack = -1;
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 500, &router_mac), -1); /* MAC gives up */
  UNIT_CHECK_EQ(mock_radio_count, 1 + MAC_MAX_RETRIES); /* stops after the first fragment */
  UNIT_CHECK_EQ(sixlo_stats.tx_err, 2);
  /* Broadcast output: no ACK needed. */
  mock_radio_reset();
  mock_radio_no_ack = -1;
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 10, NULL), 0);
}

/* ---- Boundaries found by the mutation audit ---- */

/* Compresses the hl-byte header of pkt (len bytes in all) for lls -> lld, decompresses it through
 * sixlo_input and checks the datagram comes back; returns the compressed header length. */
static int round_trip(const uint8_t *pkt, uint8_t hl, uint16_t len, const mac_addr_t *lls,
                      const mac_addr_t *lld)
{
  uint8_t comp[128], used;
  uint16_t n = 0;
  int c = sixlo_compress(pkt, hl, lls, lld, &sixlo_ctx0, comp, 64, &used);
  UNIT_CHECK(c > 0 && used == hl);
  if(c <= 0 || c + len - hl > (int)sizeof(comp)) {
    return -1;
  }
  memcpy(comp + c, pkt + hl, (size_t)(len - hl));
  uint8_t *d = sixlo_input(comp, (uint8_t)(c + len - hl), lls, lld, 0, &n);
  UNIT_CHECK(d != NULL && n == len);
  if(d && n == len) {
    UNIT_CHECK_MEM(d, pkt, len);
  }
  return c;
}

UNIT_TEST(iphc_compression_boundaries)
{
  static uint8_t pkt[1280];
  uint8_t comp[64], used;
  setup();
  /* Traffic class with only the lowest DSCP bit set: TF=1 would drop it, TF=0 keeps it. */
  make_udp(pkt, 4, 1000, 2000);
  pkt[0] = 0x60;
  pkt[1] = 0x41; /* tc 0x04 (DSCP 1), flow label 0x1.... */
  pkt[2] = 0x23;
  UNIT_CHECK_EQ(round_trip(pkt, 48, 52, &node_mac, &router_mac), 2 + 4 + 8 + 7);
  /* A 4-bit-compressible source port with a destination port that is only 8-bit compressible. */
  make_udp(pkt, 4, 0xF0B1, 0xF012);
  round_trip(pkt, 48, 52, &node_mac, &router_mac);
  make_udp(pkt, 4, 0xF012, 0xF0B1);
  round_trip(pkt, 48, 52, &node_mac, &router_mac);
  /* An IID that only starts like 0000:00ff:fe00:XXXX (byte 13 non-zero): carried in full. */
  make_udp(pkt, 4, 1000, 2000);
  memset(pkt + 16, 0, 8);
  pkt[19] = 0xff;
  pkt[20] = 0xfe;
  pkt[21] = 0x01;
  pkt[22] = 0x02;
  pkt[23] = 0x03;
  round_trip(pkt, 48, 52, &node_mac, &router_mac);
  /* Multicast ffXX::XX:XXXX:XXXX with byte 12 non-zero: too long for the 32-bit form. */
  make_udp(pkt, 4, 1000, 2000);
  memset(pkt + 24, 0, 16);
  pkt[24] = 0xff;
  pkt[25] = 0x0e;
  for(int i = 12; i < 16; i++) {
    pkt[24 + i] = (uint8_t)(0x10 + i);
  }
  round_trip(pkt, 48, 52, &node_mac, &router_mac);
  pkt[24 + 12] = 0; /* now it fits the 32-bit form: flags + 3 bytes */
  UNIT_CHECK_EQ(round_trip(pkt, 48, 52, &node_mac, &router_mac), 2 + 4 + 7);
  /* The unspecified address as a destination is carried inline (SAC-style elision is for sources). */
  make_udp(pkt, 4, 1000, 2000);
  memset(pkt + 24, 0, 16);
  round_trip(pkt, 48, 52, &node_mac, &router_mac);
  /* Header length bounds: 39 bytes is no IPv6 header; a UDP next header with only the 40-byte IPv6
   * header given is not compressed with NHC (the UDP header is not there to read). */
  make_udp(pkt, 4, 1000, 2000);
  UNIT_CHECK_EQ(sixlo_compress(pkt, 39, &node_mac, &router_mac, &sixlo_ctx0, comp, 64, &used), -1);
  int c = sixlo_compress(pkt, 40, &node_mac, &router_mac, &sixlo_ctx0, comp, 64, &used);
  UNIT_CHECK(c > 0 && used == 40 && (comp[0] & 0x04) == 0);
  /* The output bound: exactly the compressed size fits, one byte less does not. */
  c = sixlo_compress(pkt, 48, &node_mac, &router_mac, &sixlo_ctx0, comp, 64, &used);
  UNIT_CHECK(c > 0);
  UNIT_CHECK_EQ(sixlo_compress(pkt, 48, &node_mac, &router_mac, &sixlo_ctx0, comp, (uint8_t)(c - 1), &used), -1);
  UNIT_CHECK_EQ(sixlo_compress(pkt, 48, &node_mac, &router_mac, &sixlo_ctx0, comp, (uint8_t)c, &used), c);
}

UNIT_TEST(iphc_decompress_refusals)
{
  uint16_t n;
  setup();
  uint8_t f[40];
  memset(f, 0x11, sizeof(f));
  /* TF=3, NH inline, HLIM 255; SAC=0 SAM=3; then M=1 DAC=1 (unicast-prefix multicast): refused. */
  f[0] = 0x7b;
  f[1] = 0x3C;
  f[2] = 58;
  UNIT_CHECK(sixlo_input(f, sizeof(f), &node_mac, &router_mac, 0, &n) == NULL);
  /* M=0 DAC=1 DAM=0: reserved. */
  f[1] = 0x34;
  UNIT_CHECK(sixlo_input(f, sizeof(f), &node_mac, &router_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.rx_iphc, 2);
  /* SAC=1 (context 0) needs a valid context. */
  f[1] = 0x73;
  sixlo_ctx0.valid = 0;
  UNIT_CHECK(sixlo_input(f, sizeof(f), &node_mac, &router_mac, 0, &n) == NULL);
  sixlo_ctx0.valid = 1;
  UNIT_CHECK(sixlo_input(f, sizeof(f), &node_mac, &router_mac, 0, &n) != NULL);
  /* UDP NHC with the checksum elided (C=1): only the inline checksum is supported, the two bytes
   * after the ports are payload, not a checksum. */
  static const uint8_t elided[] = { 0x7e, 0x33, 0xF7, 0x12, 0xAA, 0xBB, 1, 2, 3, 4 };
  UNIT_CHECK(sixlo_input(elided, sizeof(elided), &node_mac, &router_mac, 0, &n) == NULL);
  static const uint8_t elided0[] = { 0x7e, 0x33, 0xF4, 0, 1, 0, 2, 0xAA, 0xBB, 1, 2 };
  UNIT_CHECK(sixlo_input(elided0, sizeof(elided0), &node_mac, &router_mac, 0, &n) == NULL);
  static const uint8_t inline0[] = { 0x7e, 0x33, 0xF0, 0, 1, 0, 2, 0xAA, 0xBB, 1, 2 };
  UNIT_CHECK(sixlo_input(inline0, sizeof(inline0), &node_mac, &router_mac, 0, &n) != NULL);
  /* The direct decoder: the output must hold 48 bytes, a first fragment's size holds the headers
   * and at most the MTU. */
  uint8_t out[48], used;
  UNIT_CHECK_EQ(sixlo_decompress(inline0, 9, &node_mac, &router_mac, &sixlo_ctx0, 0, out, 47, &used), -1);
  UNIT_CHECK_EQ(sixlo_decompress(inline0, 9, &node_mac, &router_mac, &sixlo_ctx0, 47, out, 48, &used), -1);
  UNIT_CHECK_EQ(sixlo_decompress(inline0, 9, &node_mac, &router_mac, &sixlo_ctx0, 48, out, 48, &used), 48);
  UNIT_CHECK_EQ(sixlo_decompress(inline0, 9, &node_mac, &router_mac, &sixlo_ctx0, 1281, out, 48, &used), -1);
  UNIT_CHECK_EQ(sixlo_decompress(inline0, 9, &node_mac, &router_mac, &sixlo_ctx0, 1280, out, 48, &used), 48);
  /* An empty frame is refused without reading its first byte (ASan watches the byte after). */
  uint8_t one[1] = { 0x41 };
  UNIT_CHECK(sixlo_input(one + 1, 0, &node_mac, &router_mac, 0, &n) == NULL);
}

UNIT_TEST(fragment_boundaries)
{
  uint8_t len;
  uint16_t n;
  uint8_t *f;
  setup();
  /* Datagram sizes 39 and 1281 are refused, 40 and 1280 start a reassembly. */
  f = craft(0, 39, 1, 1, 8, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 1281, 1, 1, 8, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 2);
  f = craft(0, 40, 2, 1, 8, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 1280, 3, 1, 8, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_bad, 2);
  /* 161 bytes: 48 in FRAG1, 112 in a FRAGN, and a last FRAGN of a single byte in a unit of its own:
   * complete only after that last byte. */
  sixlo_reset();
  f = craft(1, 161, 4, 0, 48, &len);
  frag_buf[5] = 0x60;
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 161, 4, 6, 112, &len);
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 0, &n) == NULL);
  f = craft(0, 161, 4, 20, 1, &len);
  uint8_t *got = sixlo_input(f, len, &router_mac, &node_mac, 0, &n);
  UNIT_CHECK(got != NULL && n == 161);
  UNIT_CHECK_EQ(sixlo_stats.frag_dup, 0);
  /* Reassembly timeout boundary: busy for another sender up to SIXLO_REASS_TIMEOUT ticks after the
   * first fragment, free one tick later. */
  mac_addr_t other = router_mac;
  other.a[7] = 9;
  memset(&sixlo_stats, 0, sizeof(sixlo_stats));
  f = craft(1, 160, 5, 0, 48, &len);
  frag_buf[5] = 0x60;
  UNIT_CHECK(sixlo_input(f, len, &router_mac, &node_mac, 1000, &n) == NULL);
  f = craft(1, 160, 6, 0, 48, &len);
  frag_buf[5] = 0x60;
  UNIT_CHECK(sixlo_input(f, len, &other, &node_mac, 1000 + SIXLO_REASS_TIMEOUT, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_busy, 1);
  UNIT_CHECK_EQ(sixlo_stats.frag_timeout, 0);
  UNIT_CHECK(sixlo_input(f, len, &other, &node_mac, 1000 + SIXLO_REASS_TIMEOUT + 1, &n) == NULL);
  UNIT_CHECK_EQ(sixlo_stats.frag_busy, 1);
  UNIT_CHECK_EQ(sixlo_stats.frag_timeout, 1);
  f = craft(0, 160, 6, 6, 112, &len);
  UNIT_CHECK(sixlo_input(f, len, &other, &node_mac, 1000 + SIXLO_REASS_TIMEOUT + 2, &n) != NULL);
}

UNIT_TEST(fragment_output_forms)
{
  static uint8_t pkt[1280];
  uint16_t n;
  /* Exactly fits one frame (21-byte MAC header, 17-byte compressed header, 87 payload bytes):
   * no fragment header; one more byte: fragmented. */
  setup();
  make_udp(pkt, 87, 5683, 5683);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 87, &router_mac), 0);
  UNIT_CHECK_EQ(mock_radio_count, 1);
  UNIT_CHECK_EQ(sixlo_stats.tx_frags, 0);
  UNIT_CHECK_EQ(mock_radio_lens[0], MAC_MAX_FRAME);
  mock_radio_reset();
  make_udp(pkt, 88, 5683, 5683);
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 88, &router_mac), 0);
  UNIT_CHECK_EQ(mock_radio_count, 2);
  /* Every datagram gets its own tag. */
  uint16_t tag1 = (uint16_t)((mock_radio_frames[0][23] << 8) | mock_radio_frames[0][24]);
  mock_radio_reset();
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 88, &router_mac), 0);
  uint16_t tag2 = (uint16_t)((mock_radio_frames[0][23] << 8) | mock_radio_frames[0][24]);
  UNIT_CHECK(tag1 != tag2);
  /* Other compressed header lengths (4-bit ports: 14 bytes) and broadcast (15-byte MAC header):
   * every fragment still ends on an 8-byte boundary, so the datagram reassembles. */
  static const uint16_t pp[3][2] = { { 0xF0B1, 0xF0B2 }, { 0xF012, 2000 }, { 1000, 0xF034 } };
  for(int k = 0; k < 3; k++) {
    for(int b = 0; b < 2; b++) {
      setup();
      uint16_t len = make_udp(pkt, 400, pp[k][0], pp[k][1]);
      UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 400, b ? NULL : &router_mac), 0);
      uint8_t *got = NULL;
      for(int i = 0; i < mock_radio_count; i++) {
        got = deliver(i, 0, &n);
      }
      UNIT_CHECK(got != NULL && n == len);
      if(got && n == len) {
        UNIT_CHECK_MEM(got, pkt, len);
      }
    }
  }
  /* A header the compressor cannot take whole (8 extension bytes after a non-UDP header): refused
   * rather than sent without them. */
  setup();
  make_udp(pkt, 10, 1, 2);
  pkt[6] = 58;
  UNIT_CHECK_EQ(sixlo_output(pkt, 48, pkt + 48, 10, &router_mac), -1);
  UNIT_CHECK_EQ(mock_radio_count, 0);
  UNIT_CHECK_EQ(sixlo_stats.tx_err, 1);
}

int main(void)
{
  UNIT_RUN(iphc_vectors);
  UNIT_RUN(fragment_round_trips);
  UNIT_RUN(fragment_out_of_order_and_duplicates);
  UNIT_RUN(fragment_missing_then_timeout);
  UNIT_RUN(fragment_new_tag_same_sender_replaces);
  UNIT_RUN(fragment_bad_inputs);
  UNIT_RUN(iphc_truncations_and_garbage);
  UNIT_RUN(iphc_every_mode_round_trips);
  UNIT_RUN(output_errors);
  UNIT_RUN(iphc_compression_boundaries);
  UNIT_RUN(iphc_decompress_refusals);
  UNIT_RUN(fragment_boundaries);
  UNIT_RUN(fragment_output_forms);
  return UNIT_DONE();
}
