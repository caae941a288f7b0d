/* Node MAC: unicast with ACK request and bounded retries, broadcast without ACK, duplicate
 * detection by (source, sequence number). Extended addresses, PAN ID compression (PROTOCOL.md §2). */
#ifndef MAC_H_
#define MAC_H_

#include <stdint.h>

#include "mac/mac-frame.h"

#define MAC_DEFAULT_CHANNEL 26
#define MAC_DEFAULT_PAN_ID  0xABCDu
#define MAC_MAX_RETRIES     3
#define MAC_ACK_WAIT_US     4000u

typedef struct {
  uint32_t tx;        /* frames handed to the radio (each attempt) */
  uint32_t tx_ok;     /* frames sent (and ACKed when requested) */
  uint32_t tx_noack;  /* unicast frames given up after all retries */
  uint32_t retries;   /* retransmissions */
  uint32_t tx_err;    /* radio refused */
  uint32_t rx;        /* data frames delivered upwards */
  uint32_t rx_dup;    /* duplicates dropped */
  uint32_t rx_bad;    /* malformed frames dropped */
  uint32_t rx_other;  /* not for us / not data (ACKs, wrong PAN) dropped */
} mac_stats_t;

extern mac_stats_t mac_stats;

/* eui64 canonical order. */
void mac_init(const uint8_t *eui64, uint16_t pan_id);
const mac_addr_t *mac_own_addr(void);
/* Next sequence number (seeded randomly at boot so a rebooted node is not taken for duplicates). */
void mac_set_seq(uint8_t next);
uint16_t mac_pan_id(void);

/* Starts a data frame to dst (NULL = broadcast); returns where the payload goes and its room. */
uint8_t *mac_tx_prepare(const mac_addr_t *dst, uint8_t *room);
/* Sends the prepared frame with payload_len bytes of payload. 0 ok, -1 no ACK, -2 radio error. */
int mac_tx_send(uint8_t payload_len);

/* Sends a complete frame (no FCS); if its AR bit is set waits for the ACK and retries up to
 * MAC_MAX_RETRIES times. *tx_count gets the number of transmissions. Same return codes. */
int mac_tx_raw(const uint8_t *frame, uint8_t len, uint8_t *tx_count);

/* Parses and filters a received frame (no FCS). 0 and *f filled if it is a data frame for the
 * upper layer; -1 if dropped (counted). */
int mac_input(const uint8_t *frame, uint8_t len, mac_frame_t *f);

#endif /* MAC_H_ */
