/* udp-echo: a node that joins the network (RS/RA), prints "udp-echo up <global address>", echoes
 * every UDP datagram on port 7 back to its sender (up to 1232 bytes) and answers ping. */
#include "fmt.h"
#include "ipv6/ipv6.h"
#include "ipv6/udp-socket.h"
#include "netstack.h"
#include "platform.h"
#include "process.h"

#define ECHO_PORT 7

PROCESS(udp_echo_process, "udp-echo");
AUTOSTART_PROCESSES(&udp_echo_process);

static struct udp_socket echo_sock;

static void echo_input(struct udp_socket *s, const uint8_t *src, uint16_t sport, const uint8_t *data,
                       uint16_t len)
{
  /* Quiet on success: a console line costs ~5 ms of UART time at 115200 baud. */
  if(udp_socket_sendto(s, src, sport, data, len) != 0) {
    char buf[40];
    fmt_printf("udp-echo: could not echo %u bytes to [%s]:%u\n", (unsigned)len, ipv6_addr_fmt(buf, src),
               (unsigned)sport);
  }
}

PROCESS_THREAD(udp_echo_process, ev, data)
{
  PROCESS_BEGIN();
  {
    uint8_t eui[8];
    char s[24];
    platform_eui64(eui);
    fmt_printf("udp-echo boot eui64 %s\n", fmt_hex_colon(s, sizeof(s), eui, 8));
  }
  netstack_init();
  udp_socket_open(&echo_sock, ECHO_PORT, echo_input, NULL);
  /* Re-checked on every event (net_event_up included), so an RA handled earlier is not missed. */
  PROCESS_WAIT_EVENT_UNTIL(netstack_is_up());
  {
    char buf[40];
    fmt_printf("udp-echo up %s\n", ipv6_addr_fmt(buf, netstack_global_addr()));
  }
  while(1) {
    PROCESS_WAIT_EVENT();
  }
  PROCESS_END();
}
