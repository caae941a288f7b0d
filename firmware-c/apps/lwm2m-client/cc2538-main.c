/* LwM2M client on the CC2538: a Contiki-style process around the portable engine.
 *
 * Boot: banner, netstack_init, wait for the Router Advertisement (netstack_is_up), then register
 * with coap://[fd00::1]:5683 (the bridge maps it to the host's LwM2M server) as
 * "cc2538-<EUI-64 hex>", objects 0/1/3/4/3303/3311 (+5 with LWM2M_WITH_FW). With
 * LWM2M_BOOTSTRAP=1 (app lwm2m-client-bs) it starts with a bootstrap account only (/bs on the same
 * URI). The engine runs from one process: lwm2m_step is called when its etimer fires, when a
 * datagram arrives (input callback, then poll) and after every other event.
 *
 * UART status lines (tests rely on them):
 *   lwm2m-client <version> eui64=<xx:xx:...>       banner, first line after every reset
 *   lwm2m: up <address>, endpoint <ep>, <bootstrap|management> server <uri>
 *   lwm2m: registered /<location>   lwm2m: updated /<location>   lwm2m: deregistered
 *   lwm2m: bootstrap requested | bootstrap finished, server <uri> | bootstrap failed: <why>
 *   lwm2m: registration failed: <why>    lwm2m: light on|off    lwm2m: rebooting (<why>)
 * Console commands (one per line, for tests and bench work): "deregister", "register", "update". */
#include "clock.h"
#include "dev/console.h"
#include "dev/leds.h"
#include "etimer.h"
#include "fmt.h"
#include "ipv6/ipv6.h"
#include "ipv6/udp-socket.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"
#include "net/app-layer/lwm2m/lwm2m.h"
#include "netstack.h"
#include "platform.h"
#include "process.h"
#include "random.h"
#include "ringbuf.h"
#ifndef LWM2M_CLIENT_CORE_OBJECTS
#include "apps/lwm2m-client/lwm2m-client.h"
#endif

#include <string.h>

#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif
#ifndef LWM2M_CLIENT_SERVER_URI
#define LWM2M_CLIENT_SERVER_URI "coap://[fd00::1]:5683"
#endif
#ifndef LWM2M_CLIENT_LIFETIME
#define LWM2M_CLIENT_LIFETIME 300 /* seconds */
#endif
#ifndef LWM2M_CLIENT_PORT
#define LWM2M_CLIENT_PORT 5683 /* our local CoAP port */
#endif
#ifndef LWM2M_BOOTSTRAP
#define LWM2M_BOOTSTRAP 0
#endif
#define LWM2M_CLIENT_MAX_WAIT_MS 60000u /* cap on one etimer period (keeps CLOCK_MS in 32 bits) */

#ifdef LWM2M_WITH_FW
extern const lwm2m_object_t lwm2m_obj_fw; /* Object 5, lwm2m-obj-fw.c */
#endif
/* Your own objects without editing this file: LWM2M_CLIENT_EXTRA_OBJECTS='X(obj_a) X(obj_b)'
 * names their lwm2m_object_t tables (see firmware-c/README.md, "Adding an object") */
#ifdef LWM2M_CLIENT_EXTRA_OBJECTS
#define X(obj) extern const lwm2m_object_t obj;
LWM2M_CLIENT_EXTRA_OBJECTS
#undef X
#endif

/* One table (max 255 entries). LWM2M_CLIENT_CORE_OBJECTS (app lwm2m-client-min): objects 0/1/3 only. */
static const lwm2m_object_t *const client_objects[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device,
#ifndef LWM2M_CLIENT_CORE_OBJECTS
  &lwm2m_obj_connmon,
#ifdef LWM2M_WITH_FW
  &lwm2m_obj_fw,
#endif
  &lwm2m_obj_temperature, &lwm2m_obj_light,
#endif
#ifdef LWM2M_CLIENT_EXTRA_OBJECTS
#define X(obj) &obj,
  LWM2M_CLIENT_EXTRA_OBJECTS
#undef X
#endif
};

PROCESS(lwm2m_client_process, "lwm2m-client");
AUTOSTART_PROCESSES(&lwm2m_client_process);

static lwm2m_ctx_t client_ctx;
static struct udp_socket client_sock;
static char client_ep[24]; /* "cc2538-" + 16 hex digits */
static uint8_t client_rx_buf[32]; /* console bytes from the UART interrupt: lines typed ahead wait */
static struct ringbuf client_rx;
static volatile uint8_t client_rx_lost;
static char client_line[12];
static uint8_t client_line_len; /* sizeof(client_line): the line is longer than any command */

/* Milliseconds since boot from the 128 Hz tick (ticks = 16q + r, ms = 125q + 125r/16: no 64-bit
 * division). The engine compares times modulo 2^32 ms, which this honours for the first 388 days
 * (until the 32-bit tick counter itself wraps). */
static uint32_t
client_now_ms(void)
{
  clock_time_t t = clock_time();
  return (t >> 4) * 125u + (((t & 15u) * 125u) >> 4);
}

static int
client_send(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  (void)user;
  return udp_socket_sendto(&client_sock, to->addr, to->port, buf, len);
}

static uint32_t
client_rand(void *user)
{
  (void)user;
  return random_u32();
}

/* Runs in the net process: hand the datagram to the engine, then let our process step it
 * (timers of what the input started, a Registration Update it asked for, deferred events). */
static void
client_input(struct udp_socket *s, const uint8_t *src, uint16_t sport, const uint8_t *data,
             uint16_t len)
{
  coap_ep_t from;
  (void)s;
  memcpy(from.addr, src, 16);
  from.port = sport;
  lwm2m_input(&client_ctx, client_now_ms(), data, len, &from);
  process_poll(&lwm2m_client_process);
}

static void
client_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  (void)c;
  switch(ev) {
  case LWM2M_EV_BOOTSTRAP_REQ:
    fmt_printf("lwm2m: bootstrap requested\n");
    break;
  case LWM2M_EV_BOOTSTRAPPED:
    fmt_printf("lwm2m: bootstrap finished, server %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_BOOTSTRAP_FAILED:
    fmt_printf("lwm2m: bootstrap failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_REGISTERED:
    fmt_printf("lwm2m: registered /%s\n", detail ? detail : "");
    break;
  case LWM2M_EV_UPDATED:
    fmt_printf("lwm2m: updated /%s\n", detail ? detail : "");
    break;
  case LWM2M_EV_REG_FAILED:
    fmt_printf("lwm2m: registration failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_DEREGISTERED:
    fmt_printf("lwm2m: deregistered\n");
    break;
  case LWM2M_EV_REBOOT:
  case LWM2M_EV_FACTORY_RESET:
    /* The engine defers this until the 2.04 has been sent; platform_reboot drains the UART. */
    fmt_printf("lwm2m: rebooting (%s)\n",
               ev == LWM2M_EV_REBOOT ? "Execute /3/0/4" : "factory reset, Execute /3/0/5");
    platform_reboot();
    break;
  }
}

/* Interrupt context: queue the byte and wake the process (a full queue is reported, not silent). */
static int
client_console_input(unsigned char c)
{
  if(!ringbuf_put(&client_rx, c)) {
    client_rx_lost = 1;
  }
  process_poll(&lwm2m_client_process);
  return 1;
}

static int
client_is(const char *a, const char *b)
{
  while(*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

static void
client_command(void)
{
  if(client_is(client_line, "deregister")) {
    lwm2m_deregister(&client_ctx);
  } else if(client_is(client_line, "register")) {
    lwm2m_start(&client_ctx);
  } else if(client_is(client_line, "update")) {
    lwm2m_request_update(&client_ctx, LWM2M_UPD_NOW);
  } else {
    fmt_printf("lwm2m: unknown command '%s' (deregister, register, update)\n", client_line);
  }
}

/* Main loop: the queued bytes as lines; a line too long for any command is named, not cut short */
static void
client_console(void)
{
  int c;
  while((c = ringbuf_get(&client_rx)) >= 0) {
    if(c != '\r' && c != '\n') {
      if(client_line_len < sizeof(client_line) - 1) {
        client_line[client_line_len] = (char)c;
      }
      if(client_line_len < sizeof(client_line)) {
        client_line_len++;
      }
      continue;
    }
    if(client_line_len == sizeof(client_line)) {
      fmt_printf("lwm2m: console line too long\n");
    } else if(client_line_len) {
      client_line[client_line_len] = '\0';
      client_command();
    }
    client_line_len = 0;
  }
  if(client_rx_lost) {
    client_rx_lost = 0;
    fmt_printf("lwm2m: console input lost\n"); /* more than the queue holds, typed ahead */
  }
}

/* ---- platform hooks (lwm2m-plat.h) ---- */
const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_MANUFACTURER ? "lwm2m-rig"
       : which == LWM2M_PLAT_MODEL ? "CC2538" : FIRMWARE_VERSION;
}

void
lwm2m_plat_eui64(uint8_t eui[8])
{
  platform_eui64(eui);
}

uint32_t
lwm2m_plat_free_memory_kb(void)
{
  extern char _ram_end[]; /* linker script: end of .bss (the stack sits below .data) */
  uint32_t used = (uint32_t)(uintptr_t)_ram_end - 0x20000000u;
  return used < 32768u ? (32768u - used) / 1024u : 0;
}

int32_t
lwm2m_plat_time_base(void)
{
  return 0; /* no real-time clock: /3/0/13 counts from boot */
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
  return netstack_is_up() ? 2 : 1;
}

void
lwm2m_plat_ip(uint8_t idx, uint8_t addr[16])
{
  memcpy(addr, idx == 0 && netstack_is_up() ? netstack_global_addr() : netstack_ll_addr(), 16);
}

void
lwm2m_plat_light(uint8_t on, uint8_t dimmer)
{
  /* LED0 (PC0) is the bulb; a dimmer at 0 is dark too. */
  if(on && dimmer) {
    leds_on(LEDS_LED1);
  } else {
    leds_off(LEDS_LED1);
  }
  fmt_printf("lwm2m: light %s\n", on ? "on" : "off");
}

/* ---- the process ---- */
PROCESS_THREAD(lwm2m_client_process, ev, data)
{
  static struct etimer step_timer;
  uint32_t wait;

  PROCESS_BEGIN();
  {
    uint8_t eui[8];
    char s[24];
    platform_eui64(eui);
    fmt_printf("lwm2m-client " FIRMWARE_VERSION " eui64=%s\n", fmt_hex_colon(s, sizeof(s), eui, 8));
    memcpy(client_ep, "cc2538-", 7);
    for(uint8_t i = 0; i < 8; i++) {
      client_ep[7 + 2 * i] = "0123456789abcdef"[eui[i] >> 4];
      client_ep[8 + 2 * i] = "0123456789abcdef"[eui[i] & 15];
    }
    client_ep[23] = '\0';
  }
  netstack_init();
  udp_socket_open(&client_sock, LWM2M_CLIENT_PORT, client_input, NULL);
  PROCESS_WAIT_EVENT_UNTIL(netstack_is_up());

  {
    uint8_t n = (uint8_t)(sizeof(client_objects) / sizeof(client_objects[0]));
    const lwm2m_object_t *const *objs = client_objects;
#ifndef LWM2M_CLIENT_CORE_OBJECTS
    objs = lwm2m_client_objects_hook(objs, &n); /* an application's own table (lwm2m-client.h) */
#endif
    lwm2m_init(&client_ctx, client_ep, objs, n, client_send, client_rand, NULL, client_now_ms());
  }
  client_ctx.event = client_event;
  lwm2m_add_server(LWM2M_CLIENT_SERVER_URI, LWM2M_BOOTSTRAP, 1, LWM2M_CLIENT_LIFETIME);
  {
    char buf[40];
    fmt_printf("lwm2m: up %s, endpoint %s, %s server " LWM2M_CLIENT_SERVER_URI "\n",
               ipv6_addr_fmt(buf, netstack_global_addr()), client_ep,
               LWM2M_BOOTSTRAP ? "bootstrap" : "management");
  }
  lwm2m_start(&client_ctx);
  ringbuf_init(&client_rx, client_rx_buf, sizeof(client_rx_buf));
  console_set_input(client_console_input);

  while(1) {
    client_console();
    wait = lwm2m_step(&client_ctx, client_now_ms());
    if(wait == 0) {
      process_poll(&lwm2m_client_process);
    } else {
      etimer_set(&step_timer, CLOCK_MS(wait < LWM2M_CLIENT_MAX_WAIT_MS ? wait
                                                                        : LWM2M_CLIENT_MAX_WAIT_MS));
    }
    PROCESS_WAIT_EVENT();
  }
  PROCESS_END();
}
