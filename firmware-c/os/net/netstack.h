/* Network stack glue: the "net" process (radio RX → MAC → 6LoWPAN → IPv6), router solicitation
 * at boot with backoff until a Router Advertisement configures the global address.
 * Usage: netstack_init() once after kernel_init(); wait for net_event_up (broadcast to every
 * process) or poll netstack_is_up(); then use udp-socket.h. */
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
/* Prints MAC/6LoWPAN/IPv6 counters as one "net: stats ..." line. */
void netstack_print_stats(void);

/* Handles one received frame (no FCS): what the net process does for each queued frame.
 * Exposed for native tests. */
void netstack_input(const uint8_t *frame, uint8_t len);

#endif /* NETSTACK_H_ */
