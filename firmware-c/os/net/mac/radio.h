/* The two radio primitives the MAC needs. Implemented by the CC2538 RF core driver
 * (arch/cpu/cc2538/dev/rf-core.c) and by a mock in native tests. */
#ifndef RADIO_H_
#define RADIO_H_

#include <stdint.h>

/* Sends frame (MAC header + payload, no FCS: the radio appends it). 0 on success. */
int radio_tx(const uint8_t *frame, uint8_t len);
/* Clears any previously seen ACK, so radio_wait_ack only sees ACKs received after this call. */
void radio_ack_arm(uint8_t seq);
/* Waits up to timeout_us for an ACK frame with sequence number seq; 1 if it arrived. */
int radio_wait_ack(uint8_t seq, uint32_t timeout_us);

#endif /* RADIO_H_ */
