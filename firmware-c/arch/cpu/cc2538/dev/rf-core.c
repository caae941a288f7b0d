/* CC2538 RF core driver (see rf-core.h). */
#include "rf-core.h"

#include <string.h>

#include "critical.h"
#include "mac/radio.h"
#include "nvic.h"
#include "reg.h"
#include "sleep-timer.h"
#include "sys-ctrl.h"

#define RFC(off) REG(RFCORE_BASE + (off))

#define TXDONE_WAIT_TICKS 328u /* 10 ms of sleep timer: TX is instantaneous in emulation */
#define FRAME_MAX 127u
#define RX_WAIT_TICKS 164u /* 5 ms: a 127-byte frame takes 4.1 ms on air */

rf_core_stats_t rf_core_stats;

static struct {
  uint8_t len; /* frame length without FCS */
  int8_t rssi;
  uint8_t lqi;
  uint8_t data[FRAME_MAX - 2];
} rxq[RF_CORE_CONF_RXQ];
static volatile uint8_t rxq_head, rxq_tail; /* head written by the ISR, tail by the consumer */

static void (*rx_notify)(void);
static volatile uint8_t tx_done;
static volatile uint8_t ack_armed, ack_seq, ack_seen;
static uint8_t queue_acks;
static uint8_t channel;

int rf_core_set_channel(uint8_t ch)
{
  if(ch < 11 || ch > 26) {
    return -1;
  }
  channel = ch;
  RFC(RFC_XREG_FREQCTRL) = 11u + 5u * (ch - 11u);
  return 0;
}

uint8_t rf_core_get_channel(void)
{
  return channel;
}

void rf_core_set_pan_id(uint16_t pan_id)
{
  RFC(RFC_FFSM_PAN_ID0) = pan_id & 0xFFu;
  RFC(RFC_FFSM_PAN_ID1) = pan_id >> 8;
}

uint16_t rf_core_get_pan_id(void)
{
  return (uint16_t)((RFC(RFC_FFSM_PAN_ID0) & 0xFF) | ((RFC(RFC_FFSM_PAN_ID1) & 0xFF) << 8));
}

void rf_core_set_queue_acks(int on)
{
  queue_acks = (uint8_t)on;
}

void rf_core_set_rx_notify(void (*notify)(void))
{
  rx_notify = notify;
}

void rf_core_init(const uint8_t *eui64, uint16_t pan_id, uint16_t short_addr, uint8_t ch)
{
  REG(SYS_CTRL_RCGCRFC) = SYS_CTRL_RCGCRFC_RFC0;
  REG(SYS_CTRL_SCGCRFC) = SYS_CTRL_RCGCRFC_RFC0;
  REG(SYS_CTRL_DCGCRFC) = SYS_CTRL_RCGCRFC_RFC0;
  RFC(RFC_SFR_RFST) = RFC_SRFOFF;
  RFC(RFC_XREG_FRMCTRL0) = RFC_FRMCTRL0_AUTOCRC | RFC_FRMCTRL0_AUTOACK;
  /* Extended address registers hold the on-air (little-endian) byte order. */
  for(unsigned i = 0; i < 8; i++) {
    RFC(RFC_FFSM_EXT_ADDR0 + 4u * i) = eui64[7 - i];
  }
  rf_core_set_pan_id(pan_id);
  RFC(RFC_FFSM_SHORT0) = short_addr & 0xFFu;
  RFC(RFC_FFSM_SHORT1) = short_addr >> 8;
  /* Frame filtering on, not a PAN coordinator, frame versions 0..3 (the reset value). */
  RFC(RFC_XREG_FRMFILT0) = 0x0Du;
  if(rf_core_set_channel(ch) != 0) {
    rf_core_set_channel(26);
  }
  rxq_head = rxq_tail = 0;
  RFC(RFC_SFR_RFST) = RFC_ISFLUSHTX;
  RFC(RFC_SFR_RFST) = RFC_ISFLUSHRX;
  RFC(RFC_SFR_RFIRQF0) = 0;
  RFC(RFC_SFR_RFIRQF1) = 0;
  RFC(RFC_XREG_RFIRQM0) = RFC_IRQ0_FIFOP | RFC_IRQ0_RXPKTDONE;
  RFC(RFC_XREG_RFIRQM1) = RFC_IRQ1_TXDONE;
  nvic_enable(NVIC_IRQ_RF_RXTX);
  RFC(RFC_SFR_RFST) = RFC_ISRXON;
}

/* On a real chip FIFOP may rise before the whole frame is in (FIFOPCTRL threshold): wait, bounded,
 * until the FIFO holds len bytes. Renode reports the first frame's length + 1 and our emulator the
 * bytes left of it, so this returns at once there. */
static int rx_wait_bytes(uint8_t len)
{
  uint32_t start = sleep_timer_now();
  while(RFC(RFC_XREG_RXFIFOCNT) < len) {
    if(sleep_timer_now() - start > RX_WAIT_TICKS) {
      return 0;
    }
  }
  return 1;
}

/* Drains every complete frame from the RX FIFO. */
static void rx_drain(void)
{
  for(unsigned guard = 0; guard < 8; guard++) {
    uint32_t st = RFC(RFC_XREG_FSMSTAT1);
    if(!(st & RFC_FSMSTAT1_FIFOP)) {
      break;
    }
    if(!(st & RFC_FSMSTAT1_FIFO)) {
      /* FIFOP without FIFO: RX FIFO overflow on the real chip; RX stalls until flushed. */
      rf_core_stats.rx_overflow++;
      RFC(RFC_SFR_RFST) = RFC_ISFLUSHRX;
      return;
    }
    uint8_t len = (uint8_t)RFC(RFC_SFR_RFDATA);
    if(len < 5 || len > FRAME_MAX || !rx_wait_bytes(len)) {
      /* Inconsistent FIFO: nothing after this byte can be trusted. */
      rf_core_stats.rx_bad_len++;
      RFC(RFC_SFR_RFST) = RFC_ISFLUSHRX;
      return;
    }
    uint8_t h = rxq_head;
    uint8_t next = (uint8_t)((h + 1) % RF_CORE_CONF_RXQ);
    uint8_t *d = rxq[h].data;
    uint8_t n = (uint8_t)(len - 2);
    for(uint8_t i = 0; i < n; i++) {
      d[i] = (uint8_t)RFC(RFC_SFR_RFDATA);
    }
    int8_t rssi = (int8_t)RFC(RFC_SFR_RFDATA);
    uint8_t corr = (uint8_t)RFC(RFC_SFR_RFDATA);
    if(!(corr & 0x80)) {
      rf_core_stats.rx_bad_crc++;
      continue;
    }
    int is_ack = n == 3 && (d[0] & 7) == 2;
    if(is_ack) {
      rf_core_stats.rx_acks++;
      if(ack_armed && d[2] == ack_seq) {
        ack_seen = 1;
      }
      if(!queue_acks) {
        continue;
      }
    }
    if(next == rxq_tail) {
      rf_core_stats.rx_overflow++;
      continue;
    }
    rxq[h].len = n;
    rxq[h].rssi = rssi;
    rxq[h].lqi = corr & 0x7F;
    rxq_head = next;
    rf_core_stats.rx++;
  }
}

void rf_core_isr(void)
{
  uint32_t f0 = RFC(RFC_SFR_RFIRQF0);
  uint32_t f1 = RFC(RFC_SFR_RFIRQF1);
  if(f1 & RFC_IRQ1_TXDONE) {
    tx_done = 1;
  }
  /* Writing the flag registers replaces them: clear what we handle. */
  RFC(RFC_SFR_RFIRQF1) = 0;
  RFC(RFC_SFR_RFIRQF0) = 0;
  if(f0 & (RFC_IRQ0_FIFOP | RFC_IRQ0_RXPKTDONE) || (RFC(RFC_XREG_FSMSTAT1) & RFC_FSMSTAT1_FIFOP)) {
    uint8_t before = rxq_head;
    rx_drain();
    if(rxq_head != before && rx_notify) {
      rx_notify();
    }
  }
}

const uint8_t *rf_core_peek(uint8_t *len, int8_t *rssi, uint8_t *lqi)
{
  /* Single producer (ISR, writes only the slot at head) and single consumer (tail). */
  uint8_t t = rxq_tail;
  if(t == rxq_head) {
    return NULL;
  }
  *len = rxq[t].len;
  if(rssi) {
    *rssi = rxq[t].rssi;
  }
  if(lqi) {
    *lqi = rxq[t].lqi;
  }
  return rxq[t].data;
}

void rf_core_release(void)
{
  if(rxq_tail != rxq_head) {
    rxq_tail = (uint8_t)((rxq_tail + 1) % RF_CORE_CONF_RXQ);
  }
}

uint8_t rf_core_read(uint8_t *buf, uint8_t size, int8_t *rssi, uint8_t *lqi)
{
  uint8_t n;
  const uint8_t *p = rf_core_peek(&n, rssi, lqi);
  if(!p) {
    return 0;
  }
  if(n <= size) {
    memcpy(buf, p, n);
  } else {
    n = 0;
  }
  rf_core_release();
  return n;
}

int radio_tx(const uint8_t *frame, uint8_t len)
{
  if(len < 3 || len > FRAME_MAX - 2) {
    return -1;
  }
  RFC(RFC_SFR_RFST) = RFC_ISFLUSHTX;
  RFC(RFC_SFR_RFDATA) = (uint32_t)len + 2u; /* length byte counts the FCS the radio appends */
  for(uint8_t i = 0; i < len; i++) {
    RFC(RFC_SFR_RFDATA) = frame[i];
  }
  tx_done = 0;
  RFC(RFC_SFR_RFST) = RFC_ISTXON;
  uint32_t start = sleep_timer_now();
  while(!tx_done) {
    /* The ISR sets tx_done; poll the flag too in case interrupts are masked. */
    if(RFC(RFC_SFR_RFIRQF1) & RFC_IRQ1_TXDONE) {
      critical_state_t s = critical_enter();
      RFC(RFC_SFR_RFIRQF1) = RFC(RFC_SFR_RFIRQF1) & ~RFC_IRQ1_TXDONE;
      critical_exit(s);
      break;
    }
    if(sleep_timer_now() - start > TXDONE_WAIT_TICKS) {
      rf_core_stats.tx_timeout++;
      RFC(RFC_SFR_RFST) = RFC_ISFLUSHTX;
      return -1;
    }
  }
  /* The radio returns to RX by itself (FRMCTRL1.SET_RXENMASK_ON_TX, reset value 1). */
  RFC(RFC_SFR_RFST) = RFC_ISFLUSHTX; /* the model keeps the TX FIFO after sending */
  rf_core_stats.tx++;
  return 0;
}

void radio_ack_arm(uint8_t seq)
{
  ack_seen = 0;
  ack_seq = seq;
  ack_armed = 1;
}

int radio_wait_ack(uint8_t seq, uint32_t timeout_us)
{
  /* ceil(timeout_us * 32768 / 1e6) = ceil(timeout_us * 512 / 15625), split so it stays in 32 bits:
   * 64-bit division would pull ~1 KB of libgcc into every image. */
  _Static_assert(SLEEP_TIMER_HZ == 32768u, "tick conversion assumes the 32768 Hz sleep timer");
  uint32_t ticks = (timeout_us / 15625u) * 512u + ((timeout_us % 15625u) * 512u + 15624u) / 15625u;
  uint32_t start = sleep_timer_now();
  (void)seq; /* armed by radio_ack_arm */
  while(!ack_seen) {
    if(RFC(RFC_XREG_FSMSTAT1) & RFC_FSMSTAT1_FIFOP) {
      /* Interrupts may be masked by the caller: drain here so the ACK is seen anyway. */
      critical_state_t s = critical_enter();
      uint8_t before = rxq_head;
      rx_drain();
      critical_exit(s);
      if(rxq_head != before && rx_notify) {
        rx_notify();
      }
    }
    if(sleep_timer_now() - start > ticks) {
      break;
    }
  }
  ack_armed = 0;
  return ack_seen;
}
