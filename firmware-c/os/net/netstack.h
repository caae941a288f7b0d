/* Network stack glue: the "net" process (radio RX → MAC → 6LoWPAN → IPv6), router solicitation
 * at boot with backoff until a Router Advertisement configures the global address.
 * Usage: netstack_init() once from a process; then PROCESS_WAIT_EVENT_UNTIL(netstack_is_up())
 * (net_event_up is broadcast to every process when the global address gets configured, so the
 * condition is re-checked right then); then use udp-socket.h. Prints "net: eui64 ..." at init and
 * "net: up <global address>" when configured. */
#ifndef NETSTACK_H_
#define NETSTACK_H_

#include <stdint.h>

#include "process.h"

PROCESS_NAME(net_process);

/* Broadcast (PROCESS_BROADCAST) once, when the global address is configured. */
extern process_event_t net_event_up;

void netstack_init(void);
int netstack_is_up(void);
/* Our global address (valid once up) and link-local address, 16 bytes each. */
const uint8_t *netstack_global_addr(void);
const uint8_t *netstack_ll_addr(void);
/* RSSI in dBm of the last received frame handed to the stack (CC2538: raw RSSI - 73; the
 * emulators report a constant); 0 before any frame. For LwM2M object 4. */
int16_t netstack_last_rssi(void);
/* Prints MAC/6LoWPAN/IPv6 counters as one "net: stats ..." line. */
void netstack_print_stats(void);

/* Handles one received frame (no FCS): what the net process does for each queued frame.
 * Exposed for native tests. */
void netstack_input(const uint8_t *frame, uint8_t len);

#endif /* NETSTACK_H_ */
