/* 6LoWPAN: RFC 6282 IPHC + UDP NHC, RFC 4944 fragmentation and reassembly.
 * Header compression is pure (sixlo_compress/sixlo_decompress); sixlo_input keeps the reassembly
 * state and takes the time as an argument; sixlo_output sends through mac_tx_prepare/mac_tx_send. */
#ifndef SIXLO_H_
#define SIXLO_H_

#include <stdint.h>

#include "mac/mac-frame.h"

#define SIXLO_MTU           1280u
#define SIXLO_SMALL_BUF     160u  /* unfragmented datagrams: <= 116-byte MAC payload, +42 decompressed */
#define SIXLO_REASS_TIMEOUT (8u * 128u) /* clock ticks (CLOCK_SECOND = 128): 8 s */

typedef struct {
  uint8_t prefix[8]; /* a /64 */
  uint8_t valid;
} sixlo_ctx_t;

typedef struct {
  uint32_t rx_dispatch;    /* unknown dispatch / NHC dropped */
  uint32_t rx_iphc;        /* malformed or unsupported IPHC dropped */
  uint32_t frag_bad;       /* malformed fragment / size mismatch / out of bounds / overlap */
  uint32_t frag_busy;      /* fragment of another datagram while reassembling */
  uint32_t frag_timeout;   /* reassemblies abandoned after the timeout */
  uint32_t frag_dup;       /* duplicate fragments ignored */
  uint32_t reass_ok;       /* datagrams reassembled */
  uint32_t tx_frags;       /* fragments sent */
  uint32_t tx_err;         /* datagrams not sent (too big, MAC failure) */
} sixlo_stats_t;

extern sixlo_stats_t sixlo_stats;
/* Context 0: the /64 prefix learned from the Router Advertisement (PROTOCOL.md §3). */
extern sixlo_ctx_t sixlo_ctx0;

/* Compresses the IPv6 header at ip (hdr_len = 40, or 48 when it is followed by a UDP header that
 * should be NHC-compressed). Returns the compressed length written to out or -1; *consumed = number
 * of uncompressed header bytes represented (40 or 48). */
int sixlo_compress(const uint8_t *ip, uint8_t hdr_len, const mac_addr_t *lls, const mac_addr_t *lld,
                   const sixlo_ctx_t *ctx, uint8_t *out, uint8_t out_size, uint8_t *consumed);

/* Decompresses an IPHC header (starting with the 011xxxxx dispatch) into out. dgram_size is the
 * total uncompressed datagram size from a FRAG1 header, or 0 for an unfragmented frame. Returns the
 * uncompressed header length (40, or 48 with UDP NHC) or -1; *consumed = compressed bytes read. */
int sixlo_decompress(const uint8_t *in, uint8_t in_len, const mac_addr_t *lls,
                     const mac_addr_t *lld, const sixlo_ctx_t *ctx, uint16_t dgram_size,
                     uint8_t *out, uint16_t out_size, uint8_t *consumed);

/* Handles a MAC payload. Returns the complete IPv6 datagram (valid until the next call) and its
 * length, or NULL (fragment stored, or dropped and counted). now: clock ticks. */
uint8_t *sixlo_input(const uint8_t *frame, uint8_t len, const mac_addr_t *src,
                     const mac_addr_t *dst, uint32_t now, uint16_t *out_len);

/* Sends an IPv6 datagram: hdr (40 bytes, or 48 with the UDP header) followed by payload, to the link
 * address dst (NULL = broadcast), fragmenting as needed. 0 ok, -1 on failure (counted). */
int sixlo_output(const uint8_t *hdr, uint8_t hdr_len, const uint8_t *payload, uint16_t payload_len,
                 const mac_addr_t *dst);

/* Sets the datagram tag of the next fragmented datagram (seeded randomly at boot). */
void sixlo_set_tag(uint16_t tag);

/* Drops any partial reassembly (tests, reboot). */
void sixlo_reset(void);

/* IID (8 bytes) derived from a link address: EUI-64 with U/L flipped, or 0000:00ff:fe00:XXXX. */
void sixlo_iid_from_mac(uint8_t *iid, const mac_addr_t *ll);

#endif /* SIXLO_H_ */
