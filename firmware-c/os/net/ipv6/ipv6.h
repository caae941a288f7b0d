/* Minimal single-hop IPv6: addresses (link-local from the EUI-64, global from the RA prefix),
 * checksum, input dispatch, output via 6LoWPAN. No extension headers, no RPL, no DAD. */
#ifndef IPV6_H_
#define IPV6_H_

#include <stdint.h>

#include "mac/mac-frame.h"

#define IPV6_PROTO_UDP    17
#define IPV6_PROTO_ICMP6  58
#define IPV6_HDR_LEN      40
#define IPV6_DEFAULT_HLIM 64

typedef struct {
  uint32_t rx;          /* datagrams received */
  uint32_t rx_bad;      /* malformed (version, length, checksum) dropped */
  uint32_t rx_not_ours; /* destination not ours */
  uint32_t rx_proto;    /* unsupported next header / no socket */
  uint32_t tx;          /* datagrams sent */
  uint32_t tx_err;      /* no route, too big, lower layer failure */
  uint32_t icmp_echo;   /* echo requests answered */
  uint32_t ra;          /* router advertisements accepted */
  uint32_t ns;          /* neighbor solicitations answered */
} ipv6_stats_t;

extern ipv6_stats_t ipv6_stats;

/* Our addresses. */
extern uint8_t ipv6_ll_addr[16];
extern uint8_t ipv6_global_addr[16];
extern uint8_t ipv6_global_valid;
/* The router's link address and link-local IPv6 address, learned from the RA. */
extern mac_addr_t ipv6_router_mac;
extern uint8_t ipv6_router_valid;

/* Called once when the global address gets configured (set by the net glue). */
extern void (*ipv6_up_callback)(void);

void ipv6_init(const uint8_t *eui64);

/* ICMPv6 (icmp6.c): input of a checked datagram, and a router solicitation to ff02::2. */
void icmp6_input(uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll);

/* Handles a complete IPv6 datagram (buffer may be modified: echo replies are built in place).
 * src_ll: the MAC source of the frame. */
void ipv6_input(uint8_t *pkt, uint16_t len, const mac_addr_t *src_ll);

/* Fills a 40-byte IPv6 header: version 6, next header nh, hop limit hlim, destination dst and
 * the best source for it (link-local for link-local/multicast destinations, else the global
 * address when configured). The payload length is set by ipv6_output. */
void ipv6_hdr_init(uint8_t *hdr, uint8_t nh, uint8_t hlim, const uint8_t *dst);

/* Sends hdr (40 bytes IPv6 [+8 UDP]) + payload; sets the payload length. The upper-layer checksum
 * must already be in place (ipv6_csum). nexthop NULL = derive from the destination (multicast:
 * broadcast; link-local: from the IID; otherwise the router). Returns 0 or -1. */
int ipv6_output(uint8_t *hdr, uint8_t hdr_len, const uint8_t *payload, uint16_t payload_len,
                const mac_addr_t *nexthop);

/* Sends a router solicitation to ff02::2. */
int ipv6_send_rs(void);

/* One's-complement sum helpers; ipv6_csum over the pseudo header of the IPv6 header at ip and the
 * upper-layer bytes (a, alen) then (b, blen). Returns the final checksum (0 on a valid packet). */
uint16_t ipv6_csum(const uint8_t *ip, uint8_t nh, const uint8_t *a, uint16_t alen,
                   const uint8_t *b, uint16_t blen);

int ipv6_is_ours(const uint8_t *addr);
/* "fd00::212:4b00:0:1" (RFC 5952 style); buf >= 40 bytes. Returns buf. */
char *ipv6_addr_fmt(char *buf, const uint8_t *addr);

#endif /* IPV6_H_ */
