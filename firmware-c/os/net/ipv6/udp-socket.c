/* UDP: socket list, input demultiplexing, output. */
#include "ipv6/udp-socket.h"

#include <string.h>

#include "ipv6/ipv6.h"

static struct udp_socket *sockets;

int udp_socket_open(struct udp_socket *s, uint16_t lport, udp_socket_input_t input, void *ptr)
{
  if(lport == 0) {
    return -1;
  }
  for(struct udp_socket *q = sockets; q; q = q->next) {
    if(q == s || q->lport == lport) {
      return -1;
    }
  }
  s->lport = lport;
  s->input = input;
  s->ptr = ptr;
  s->next = sockets;
  sockets = s;
  return 0;
}

void udp_socket_close(struct udp_socket *s)
{
  for(struct udp_socket **q = &sockets; *q; q = &(*q)->next) {
    if(*q == s) {
      *q = s->next;
      return;
    }
  }
}

int udp_socket_sendto(struct udp_socket *s, const uint8_t *dst_addr, uint16_t dst_port,
                      const uint8_t *data, uint16_t len)
{
  uint8_t hdr[IPV6_HDR_LEN + 8];
  if(len > UDP_SOCKET_MAX_PAYLOAD || dst_port == 0) {
    ipv6_stats.tx_err++;
    return -1;
  }
  ipv6_hdr_init(hdr, IPV6_PROTO_UDP, IPV6_DEFAULT_HLIM, dst_addr);
  uint8_t *u = hdr + IPV6_HDR_LEN;
  uint16_t ulen = (uint16_t)(len + 8);
  u[0] = (uint8_t)(s->lport >> 8);
  u[1] = (uint8_t)s->lport;
  u[2] = (uint8_t)(dst_port >> 8);
  u[3] = (uint8_t)dst_port;
  u[4] = (uint8_t)(ulen >> 8);
  u[5] = (uint8_t)ulen;
  u[6] = u[7] = 0;
  uint16_t c = ipv6_csum(hdr, IPV6_PROTO_UDP, u, 8, data, len);
  if(c == 0) {
    c = 0xFFFF; /* 0 means "no checksum", forbidden in IPv6 */
  }
  u[6] = (uint8_t)(c >> 8);
  u[7] = (uint8_t)c;
  return ipv6_output(hdr, sizeof(hdr), data, len, NULL);
}

void udp_input(uint8_t *pkt, uint16_t len)
{
  uint8_t *u = pkt + IPV6_HDR_LEN;
  uint16_t plen = (uint16_t)(len - IPV6_HDR_LEN);
  if(plen < 8) {
    ipv6_stats.rx_bad++;
    return;
  }
  uint16_t ulen = (uint16_t)((u[4] << 8) | u[5]);
  if(ulen < 8 || ulen > plen || (u[6] == 0 && u[7] == 0) ||
     ipv6_csum(pkt, IPV6_PROTO_UDP, NULL, 0, u, ulen) != 0) {
    ipv6_stats.rx_bad++;
    return;
  }
  uint16_t dport = (uint16_t)((u[2] << 8) | u[3]);
  for(struct udp_socket *s = sockets; s; s = s->next) {
    if(s->lport == dport) {
      if(s->input) {
        s->input(s, pkt + 8, (uint16_t)((u[0] << 8) | u[1]), u + 8, (uint16_t)(ulen - 8));
      }
      return;
    }
  }
  ipv6_stats.rx_proto++;
}
