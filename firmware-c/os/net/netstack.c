/* Network stack glue (see netstack.h). */
#include "netstack.h"

#include "clock.h"
#include "etimer.h"
#include "fmt.h"
#include "ipv6/ipv6.h"
#include "mac/mac.h"
#include "platform.h"
#include "random.h"
#include "sixlo/sixlo.h"
#if CONTIKI_TARGET_CC2538
#include "rf-core.h"
#endif

#define RS_FIRST_INTERVAL (2u * CLOCK_SECOND)
#define RS_MAX_INTERVAL   (32u * CLOCK_SECOND)

PROCESS(net_process, "net");
process_event_t net_event_up;

static uint8_t up_pending;
static int16_t last_rssi;

#define RSSI_OFFSET 73 /* CC2538 user guide: dBm = RSSI register value - 73 */

int16_t netstack_last_rssi(void)
{
  return last_rssi;
}

static void on_up(void)
{
  up_pending = 1; /* announced from the net process, not from inside ipv6_input */
  process_poll(&net_process);
}

int netstack_is_up(void)
{
  return ipv6_global_valid;
}

const uint8_t *netstack_global_addr(void)
{
  return ipv6_global_addr;
}

const uint8_t *netstack_ll_addr(void)
{
  return ipv6_ll_addr;
}

void netstack_input(const uint8_t *frame, uint8_t len)
{
  mac_frame_t f;
  uint16_t n;
  if(mac_input(frame, len, &f) != 0) {
    return;
  }
  uint8_t *pkt = sixlo_input(f.payload, f.payload_len, &f.src, &f.dst, clock_time(), &n);
  if(pkt) {
    ipv6_input(pkt, n, &f.src);
  }
}

void netstack_print_stats(void)
{
  fmt_printf("net: stats mac tx %lu ok %lu noack %lu retries %lu rx %lu dup %lu bad %lu"
             " | 6lo iphc %lu frag_bad %lu busy %lu timeout %lu reass %lu txfrag %lu"
             " | ip rx %lu bad %lu tx %lu err %lu echo %lu\n",
             (unsigned long)mac_stats.tx, (unsigned long)mac_stats.tx_ok,
             (unsigned long)mac_stats.tx_noack, (unsigned long)mac_stats.retries,
             (unsigned long)mac_stats.rx, (unsigned long)mac_stats.rx_dup,
             (unsigned long)mac_stats.rx_bad, (unsigned long)sixlo_stats.rx_iphc,
             (unsigned long)sixlo_stats.frag_bad, (unsigned long)sixlo_stats.frag_busy,
             (unsigned long)sixlo_stats.frag_timeout, (unsigned long)sixlo_stats.reass_ok,
             (unsigned long)sixlo_stats.tx_frags, (unsigned long)ipv6_stats.rx,
             (unsigned long)ipv6_stats.rx_bad, (unsigned long)ipv6_stats.tx,
             (unsigned long)ipv6_stats.tx_err, (unsigned long)ipv6_stats.icmp_echo);
}

#if CONTIKI_TARGET_CC2538
static void rx_notify(void)
{
  process_poll(&net_process);
}
#endif

void netstack_init(void)
{
  uint8_t eui[8];
  char buf[40];
  platform_eui64(eui);
  net_event_up = process_alloc_event();
  mac_init(eui, MAC_DEFAULT_PAN_ID);
  mac_set_seq((uint8_t)random_rand());
  sixlo_set_tag(random_rand());
  ipv6_init(eui);
  ipv6_up_callback = on_up;
#if CONTIKI_TARGET_CC2538
  rf_core_set_rx_notify(rx_notify);
  rf_core_init(eui, MAC_DEFAULT_PAN_ID, 0xFFFEu, MAC_DEFAULT_CHANNEL);
#endif
  fmt_printf("net: eui64 %s\n", fmt_hex_colon(buf, sizeof(buf), eui, 8));
  process_start(&net_process, NULL);
}

PROCESS_THREAD(net_process, ev, data)
{
  static struct etimer rs_timer;
  static clock_time_t rs_interval;
  PROCESS_BEGIN();
  rs_interval = RS_FIRST_INTERVAL;
  ipv6_send_rs();
  etimer_set(&rs_timer, rs_interval);
  while(1) {
    PROCESS_WAIT_EVENT();
#if CONTIKI_TARGET_CC2538
    if(ev == PROCESS_EVENT_POLL) {
      /* Bounded per poll so other processes get a turn; re-poll if frames remain. */
      for(uint8_t i = 0; i < RF_CORE_CONF_RXQ; i++) {
        uint8_t n;
        int8_t rssi;
        const uint8_t *frame = rf_core_peek(&n, &rssi, NULL);
        if(!frame) {
          break;
        }
        last_rssi = (int16_t)(rssi - RSSI_OFFSET);
        netstack_input(frame, n);
        rf_core_release();
      }
      if(rf_core_peek(&(uint8_t){ 0 }, NULL, NULL)) {
        process_poll(&net_process);
      }
    }
#endif
    if(ev == PROCESS_EVENT_TIMER && data == &rs_timer && !ipv6_global_valid) {
      ipv6_send_rs();
      if(rs_interval < RS_MAX_INTERVAL) {
        rs_interval *= 2;
      }
      etimer_set(&rs_timer, rs_interval);
    }
    if(up_pending) {
      char buf[40];
      up_pending = 0;
      etimer_stop(&rs_timer);
      fmt_printf("net: up %s\n", ipv6_addr_fmt(buf, ipv6_global_addr));
      process_post(PROCESS_BROADCAST, net_event_up, NULL);
    }
  }
  PROCESS_END();
}
