/* CC2538 RF core driver: IEEE 802.15.4 radio with hardware CRC, frame filtering and auto-ACK.
 * Uses only what Renode's CC2538RF models (see shared reference: TX through RFDATA, no ISRFOFF,
 * no ISTXONCCA, no CCA). Received frames are drained from the RX FIFO in the RF interrupt into a
 * small queue; the rx_notify callback (e.g. process_poll) is called from the interrupt.
 * Implements mac/radio.h (radio_tx, radio_ack_arm, radio_wait_ack). */
#ifndef RF_CORE_H_
#define RF_CORE_H_

#include <stdint.h>

#ifndef RF_CORE_CONF_RXQ
#define RF_CORE_CONF_RXQ 3 /* frames queued between the interrupt and the consumer */
#endif

/* Register offsets from RFCORE_BASE (0x40088000). */
#define RFC_FFSM_EXT_ADDR0 0x5A8u
#define RFC_FFSM_PAN_ID0   0x5C8u
#define RFC_FFSM_PAN_ID1   0x5CCu
#define RFC_FFSM_SHORT0    0x5D0u
#define RFC_FFSM_SHORT1    0x5D4u
#define RFC_XREG_FRMFILT0  0x600u
#define RFC_XREG_FRMCTRL0  0x624u
#define RFC_XREG_FREQCTRL  0x63Cu
#define RFC_XREG_FSMSTAT1  0x64Cu
#define RFC_XREG_RXFIFOCNT 0x66Cu
#define RFC_XREG_RFIRQM0   0x68Cu
#define RFC_XREG_RFIRQM1   0x690u
#define RFC_XREG_RFRND     0x69Cu
#define RFC_SFR_RFDATA     0x828u
#define RFC_SFR_RFIRQF1    0x830u
#define RFC_SFR_RFIRQF0    0x834u
#define RFC_SFR_RFST       0x838u

#define RFC_ISRXON     0xE3u
#define RFC_ISTXON     0xE9u
#define RFC_ISFLUSHRX  0xEDu
#define RFC_ISFLUSHTX  0xEEu
#define RFC_SRFOFF     0xDFu

#define RFC_FRMCTRL0_AUTOACK 0x20u
#define RFC_FRMCTRL0_AUTOCRC 0x40u
#define RFC_IRQ0_FIFOP       0x04u
#define RFC_IRQ0_RXPKTDONE   0x40u
#define RFC_IRQ1_TXDONE      0x02u
#define RFC_FSMSTAT1_FIFOP   0x40u
#define RFC_FSMSTAT1_FIFO    0x80u

typedef struct {
  uint32_t rx;          /* frames queued */
  uint32_t rx_acks;     /* ACK frames seen */
  uint32_t rx_bad_crc;  /* dropped: CRC_OK clear */
  uint32_t rx_bad_len;  /* dropped: impossible length (RX FIFO flushed) */
  uint32_t rx_overflow; /* dropped: queue full */
  uint32_t tx;          /* frames transmitted */
  uint32_t tx_timeout;  /* TXDONE never came */
} rf_core_stats_t;

extern rf_core_stats_t rf_core_stats;

/* eui64 in canonical order; short address 0xFFFE = none. Radio on, RX enabled, IRQ enabled. */
void rf_core_init(const uint8_t *eui64, uint16_t pan_id, uint16_t short_addr, uint8_t channel);
/* 11..26; returns 0, or -1 if out of range (nothing changed). */
int rf_core_set_channel(uint8_t channel);
uint8_t rf_core_get_channel(void);
void rf_core_set_pan_id(uint16_t pan_id);
uint16_t rf_core_get_pan_id(void);
/* Also queue received ACK frames (the border node forwards them for capture). */
void rf_core_set_queue_acks(int on);
/* Called from the RF interrupt after a frame was queued. */
void rf_core_set_rx_notify(void (*notify)(void));
/* Pops the oldest received frame (no FCS) into buf; returns its length, 0 if none (or if it did
 * not fit in size: dropped). rssi/lqi may be NULL. */
uint8_t rf_core_read(uint8_t *buf, uint8_t size, int8_t *rssi, uint8_t *lqi);
/* Zero-copy variant: the oldest frame in place (NULL if none), valid until rf_core_release(). */
const uint8_t *rf_core_peek(uint8_t *len, int8_t *rssi, uint8_t *lqi);
void rf_core_release(void);
/* The RF RX/TX interrupt (IRQ 141). */
void rf_core_isr(void);

#endif /* RF_CORE_H_ */
