/* The net process on the native kernel with a fake clock and the mock radio: router solicitation
 * backoff until an RA, the "up" event, and frames through netstack_input. */
#include "etimer.h"
#include "ipv6/ipv6.h"
#include "kernel.h"
#include "mac/mac.h"
#include "mock-radio.h"
#include "native-clock.h"
#include "native-platform.h"
#include "netstack.h"
#include "process.h"
#include "unit.h"

static const uint8_t node_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
static const uint8_t router_eui[8] = { 0x00, 0x12, 0x4b, 0, 0, 0, 0, 0x02 };

static int up_events;
static clock_time_t up_time;

PROCESS(app_process, "app");
PROCESS_THREAD(app_process, ev, data)
{
  PROCESS_BEGIN();
  netstack_init();
  PROCESS_WAIT_EVENT_UNTIL(netstack_is_up());
  up_events++;
  up_time = clock_time();
  while(1) {
    PROCESS_WAIT_EVENT();
  }
  PROCESS_END();
}

static void run_until(clock_time_t until)
{
  for(int guard = 0; guard < 100000; guard++) {
    kernel_run_pending();
    if(!CLOCK_LT(clock_time(), until)) {
      return;
    }
    if(!etimer_pending() || CLOCK_LT(until, etimer_next_expiration_time())) {
      native_clock_set(until);
      etimer_request_poll();
      kernel_run_pending();
      return;
    }
    native_clock_set(etimer_next_expiration_time());
    etimer_request_poll();
  }
}

/* Broadcast frame from the router carrying an uncompressed (0x41) RA with a fd00::/64 PIO. */
static uint8_t ra_frame(uint8_t *f)
{
  uint8_t p = 0;
  f[p++] = 0x41;
  f[p++] = 0xD8;
  f[p++] = 0x10;
  f[p++] = 0xCD;
  f[p++] = 0xAB;
  f[p++] = 0xFF;
  f[p++] = 0xFF;
  for(int i = 7; i >= 0; i--) {
    f[p++] = router_eui[i];
  }
  f[p++] = 0x41;
  uint8_t *ip = f + p;
  memset(ip, 0, 40 + 48);
  ip[0] = 0x60;
  ip[5] = 48;
  ip[6] = 58;
  ip[7] = 255;
  ip[8] = 0xfe;
  ip[9] = 0x80;
  memcpy(ip + 16, router_eui, 8);
  ip[16] ^= 2;
  ip[24] = 0xff;
  ip[25] = 0x02;
  ip[39] = 1;
  uint8_t *ra = ip + 40;
  ra[0] = 134;
  ra[16] = 3;
  ra[17] = 4;
  ra[18] = 64;
  ra[19] = 0x40;
  ra[32] = 0xfd;
  uint16_t c = ipv6_csum(ip, 58, NULL, 0, ra, 48);
  ra[2] = (uint8_t)(c >> 8);
  ra[3] = (uint8_t)c;
  return (uint8_t)(p + 88);
}

UNIT_TEST(rs_backoff_then_up)
{
  native_clock_fake(0);
  native_set_eui64(node_eui);
  kernel_init();
  mock_radio_reset();
  process_start(&app_process, NULL);
  kernel_run_pending();
  UNIT_CHECK_EQ(mock_radio_count, 1); /* RS at boot */
  UNIT_CHECK(!netstack_is_up());
  run_until(2 * CLOCK_SECOND);
  UNIT_CHECK_EQ(mock_radio_count, 2);
  run_until(6 * CLOCK_SECOND - 1);
  UNIT_CHECK_EQ(mock_radio_count, 2);
  run_until(6 * CLOCK_SECOND);
  UNIT_CHECK_EQ(mock_radio_count, 3);
  run_until(14 * CLOCK_SECOND);
  UNIT_CHECK_EQ(mock_radio_count, 4);
  /* Every RS is a broadcast frame from our EUI-64. */
  mac_frame_t f;
  UNIT_CHECK_EQ(mac_frame_parse(mock_radio_frames[3], mock_radio_lens[3], &f), 0);
  UNIT_CHECK(mac_addr_is_broadcast(&f.dst));
  UNIT_CHECK_MEM(f.src.a, node_eui, 8);
  /* The RA configures the address; the app's wait ends; no more solicitations. */
  uint8_t ra[127];
  uint8_t n = ra_frame(ra);
  netstack_input(ra, n);
  kernel_run_pending();
  UNIT_CHECK(netstack_is_up());
  UNIT_CHECK_EQ(up_events, 1);
  UNIT_CHECK_EQ(up_time, 14 * CLOCK_SECOND);
  static const uint8_t gl[16] = { 0xfd, 0, [8] = 0x02, 0x12, 0x4b, 0, 0, 0, 0, 0x01 };
  UNIT_CHECK_MEM(netstack_global_addr(), gl, 16);
  run_until(200 * CLOCK_SECOND);
  UNIT_CHECK_EQ(mock_radio_count, 4);
  /* The same RA again (a duplicate MAC sequence number) is dropped by the MAC. */
  netstack_input(ra, n);
  UNIT_CHECK_EQ(mac_stats.rx_dup, 1);
  UNIT_CHECK_EQ(up_events, 1);
}

int main(void)
{
  UNIT_RUN(rs_backoff_then_up);
  return UNIT_DONE();
}
