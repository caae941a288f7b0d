/* LwM2M client firmware for the CC2538: the portable engine in a Contiki-style process over the
 * UDP socket API. Joins the network (RS/RA), then registers (or bootstraps) with the server set at
 * build time. Status lines match the native client's ("lwm2m: registered /rd/..."). */
#include "clock.h"
#include "etimer.h"
#include "fmt.h"
#include "ipv6/udp-socket.h"
#include "dev/leds.h"
#include "netstack.h"
#include "platform.h"
#include "process.h"
#include "random.h"
#include "net/app-layer/lwm2m/lwm2m.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"

#include <string.h>

#ifndef LWM2M_SERVER_URI
#define LWM2M_SERVER_URI "coap://[fd00::1]:5683"
#endif
#ifndef LWM2M_BOOTSTRAP
#define LWM2M_BOOTSTRAP 0 /* 1: LWM2M_SERVER_URI is a bootstrap server */
#endif
#ifndef LWM2M_LIFETIME
#define LWM2M_LIFETIME 300
#endif
#ifndef LWM2M_LOCAL_PORT
#define LWM2M_LOCAL_PORT 5683
#endif
#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif

PROCESS(lwm2m_process, "lwm2m");
AUTOSTART_PROCESSES(&lwm2m_process);

static lwm2m_ctx_t ctx;
static struct udp_socket sock;
static struct etimer timer;
static char ep_name[24]; /* "cc2538-" + 16 hex digits */

static const lwm2m_object_t *const objects[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device, &lwm2m_obj_connmon,
  &lwm2m_obj_temperature, &lwm2m_obj_light,
};

static uint32_t
now_ms(void)
{
  return (uint32_t)(((uint64_t)clock_time() * 1000u) / CLOCK_SECOND);
}

static int
udp_send(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  (void)user;
  return udp_socket_sendto(&sock, to->addr, to->port, buf, len);
}

static uint32_t
rnd(void *user)
{
  (void)user;
  return random_u32();
}

static void
udp_in(struct udp_socket *s, const uint8_t *src, uint16_t sport, const uint8_t *data, uint16_t len)
{
  coap_ep_t from;
  (void)s;
  memcpy(from.addr, src, 16);
  from.port = sport;
  lwm2m_input(&ctx, now_ms(), data, len, &from);
  process_poll(&lwm2m_process); /* recompute the next wake-up */
}

static void
on_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  (void)c;
  switch(ev) {
  case LWM2M_EV_BOOTSTRAP_REQ:
    fmt_printf("lwm2m: bootstrap requested\n");
    break;
  case LWM2M_EV_BOOTSTRAPPED:
    fmt_printf("lwm2m: bootstrap finished, server %s\n", detail);
    break;
  case LWM2M_EV_BOOTSTRAP_FAILED:
    fmt_printf("lwm2m: bootstrap failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_REGISTERED:
    fmt_printf("lwm2m: registered /%s\n", detail);
    break;
  case LWM2M_EV_UPDATED:
    fmt_printf("lwm2m: updated /%s\n", detail);
    break;
  case LWM2M_EV_REG_FAILED:
    fmt_printf("lwm2m: registration failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_DEREGISTERED:
    fmt_printf("lwm2m: deregistered\n");
    break;
  case LWM2M_EV_REBOOT:
  case LWM2M_EV_FACTORY_RESET:
    fmt_printf("lwm2m: %s: rebooting\n", ev == LWM2M_EV_REBOOT ? "reboot" : "factory reset");
    platform_reboot();
    break;
  }
}

/* ---- platform hooks for the objects ---- */
const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_MANUFACTURER ? "lwm2m-rig"
       : which == LWM2M_PLAT_MODEL ? "cc2538" : FIRMWARE_VERSION;
}

void
lwm2m_plat_eui64(uint8_t eui[8])
{
  platform_eui64(eui);
}

uint32_t
lwm2m_plat_free_memory_kb(void)
{
  size_t sz = platform_stack_size(), used = platform_stack_max_used();
  return (uint32_t)((sz > used ? sz - used : 0) / 1024);
}

int32_t
lwm2m_plat_time_base(void)
{
  return 0; /* no real-time clock: Current Time counts from boot until the server writes it */
}

int16_t
lwm2m_plat_rssi(void)
{
  return netstack_last_rssi();
}

uint8_t
lwm2m_plat_bearer(void)
{
  return 23; /* IEEE 802.15.4 */
}

uint8_t
lwm2m_plat_ip_count(void)
{
  return 2;
}

void
lwm2m_plat_ip(uint8_t idx, uint8_t addr[16])
{
  memcpy(addr, idx ? netstack_ll_addr() : netstack_global_addr(), 16);
}

void
lwm2m_plat_light(uint8_t on, uint8_t dimmer)
{
  /* one GPIO: the LED is lit when switched on with a non-zero dimmer */
  if(on && dimmer) {
    leds_on(LEDS_GREEN);
  } else {
    leds_off(LEDS_GREEN);
  }
  fmt_printf("lwm2m: light on=%u dimmer=%u\n", on, dimmer);
}

PROCESS_THREAD(lwm2m_process, ev, data)
{
  PROCESS_BEGIN();
  {
    uint8_t eui[8];
    platform_eui64(eui);
    memcpy(ep_name, "cc2538-", 7);
    for(int i = 0; i < 16; i++) {
      ep_name[7 + i] = "0123456789abcdef"[(eui[i / 2] >> (i & 1 ? 0 : 4)) & 15];
    }
    ep_name[23] = 0;
  }
  netstack_init();
  PROCESS_WAIT_EVENT_UNTIL(netstack_is_up());
  if(udp_socket_open(&sock, LWM2M_LOCAL_PORT, udp_in, NULL) < 0) {
    fmt_printf("lwm2m: UDP port %u busy\n", (unsigned)LWM2M_LOCAL_PORT);
    PROCESS_EXIT();
  }
  lwm2m_init(&ctx, ep_name, objects, sizeof(objects) / sizeof(objects[0]), udp_send, rnd, NULL,
             now_ms());
  ctx.event = on_event;
  lwm2m_add_server(LWM2M_SERVER_URI, LWM2M_BOOTSTRAP, 1, LWM2M_LIFETIME);
  fmt_printf("lwm2m: endpoint %s, %s server %s, lifetime %u s, local port %u\n", ep_name,
             LWM2M_BOOTSTRAP ? "bootstrap" : "management", LWM2M_SERVER_URI,
             (unsigned)LWM2M_LIFETIME, (unsigned)LWM2M_LOCAL_PORT);
  lwm2m_start(&ctx);
  while(1) {
    uint32_t wait = lwm2m_step(&ctx, now_ms());
    if(wait > 60000) {
      wait = 60000;
    }
    etimer_set(&timer, wait ? CLOCK_MS(wait) : 1);
    PROCESS_WAIT_EVENT();
  }
  PROCESS_END();
}
