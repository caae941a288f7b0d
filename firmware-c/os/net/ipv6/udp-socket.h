/* UDP sockets over the single-hop IPv6 stack.
 * Sockets are caller-owned structs kept in a list (no table to size, no heap). The input callback
 * runs in the net process; data points into the stack's receive buffer and is valid only during
 * the callback (a reply may be sent from inside it with udp_socket_sendto). */
#ifndef UDP_SOCKET_H_
#define UDP_SOCKET_H_

#include <stdint.h>

struct udp_socket;
typedef void (*udp_socket_input_t)(struct udp_socket *s, const uint8_t *src_addr,
                                   uint16_t src_port, const uint8_t *data, uint16_t len);

struct udp_socket {
  struct udp_socket *next;
  udp_socket_input_t input;
  void *ptr; /* for the owner */
  uint16_t lport;
};

/* Binds s to local port lport (non-zero) with input callback. 0 ok, -1 if the port is taken. */
int udp_socket_open(struct udp_socket *s, uint16_t lport, udp_socket_input_t input, void *ptr);
void udp_socket_close(struct udp_socket *s);

/* Sends len bytes (max UDP_SOCKET_MAX_PAYLOAD) to dst_addr (16 bytes) port dst_port, from s's port.
 * Blocks until sent (fragmented as needed). 0 ok, -1 error (no route yet, too big, radio). */
int udp_socket_sendto(struct udp_socket *s, const uint8_t *dst_addr, uint16_t dst_port,
                      const uint8_t *data, uint16_t len);

#define UDP_SOCKET_MAX_PAYLOAD 1232u /* 1280 - 40 - 8 */

/* Called by ipv6_input; pkt is the whole IPv6 datagram. */
void udp_input(uint8_t *pkt, uint16_t len);

#endif /* UDP_SOCKET_H_ */
