/* hello: the smallest useful image. Prints the banner first, blinks LED1 (red) every second from
 * an etimer, and echoes console input back (interrupt -> ringbuf -> poll -> process).
 * A few typed lines are commands, for rig tests of reset paths and stack measurement:
 *   reboot   hardware reset (SYSRESETREQ)       restart   soft restart through our vector table
 *   stack    "stack used=N size=M" (painted-stack high-water mark)
 *   time     "time ticks=T s=S us=U" (the firmware's clocks, to compare with virtual time) */
#include "clock.h"
#include "dev/console.h"
#include "dev/leds.h"
#include "etimer.h"
#include "fmt.h"
#include "platform.h"
#include "process.h"
#include "ringbuf.h"

#if CONTIKI_TARGET_CC2538
#include "reg.h"
#define HELLO_OWN_VTOR REG(SCS_VTOR)
#else
#define HELLO_OWN_VTOR 0u /* native: soft restart just exits */
#endif

#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif

PROCESS(hello_process, "hello");
AUTOSTART_PROCESSES(&hello_process);

static struct ringbuf hello_rx;
static uint8_t hello_rx_buf[64];

/* Interrupt context: store and wake the process; drop on overflow rather than block. */
static int
hello_input(unsigned char c)
{
  ringbuf_put(&hello_rx, c);
  process_poll(&hello_process);
  return 1;
}

static char hello_line[24];
static uint8_t hello_line_len;

/* newlib's strcmp is 442 bytes of speed-optimised code: a loop is all we need here. */
static int
hello_is(const char *a, const char *b)
{
  while(*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

static void
hello_command(const char *line)
{
  if(hello_is(line, "reboot")) {
    fmt_printf("rebooting\n");
    platform_reboot();
  } else if(hello_is(line, "restart")) {
    fmt_printf("restarting\n");
    platform_soft_restart(HELLO_OWN_VTOR);
  } else if(hello_is(line, "time")) {
    fmt_printf("time ticks=%lu s=%lu us=%llu\n", (unsigned long)clock_time(), clock_seconds(),
               (unsigned long long)clock_now_us());
  } else if(hello_is(line, "stack")) {
    fmt_printf("stack used=%u size=%u\n", (unsigned)platform_stack_max_used(),
               (unsigned)platform_stack_size());
  }
}

static void
hello_echo(char c)
{
  console_putc(c);
  if(c == '\r' || c == '\n') {
    hello_line[hello_line_len] = '\0';
    hello_line_len = 0;
    hello_command(hello_line);
  } else if(hello_line_len < sizeof(hello_line) - 1) {
    hello_line[hello_line_len++] = c;
  }
}

PROCESS_THREAD(hello_process, ev, data)
{
  static struct etimer blink;
  uint8_t eui[8];
  char eui_str[24];
  int c;

  PROCESS_BEGIN();

  platform_eui64(eui);
  fmt_printf("lwm2m-rig hello %s eui64=%s\n", FIRMWARE_VERSION,
             fmt_hex_colon(eui_str, sizeof(eui_str), eui, sizeof(eui)));

  ringbuf_init(&hello_rx, hello_rx_buf, sizeof(hello_rx_buf));
  console_set_input(hello_input);
  etimer_set(&blink, CLOCK_SECOND);

  while(1) {
    PROCESS_WAIT_EVENT();
    if(ev == PROCESS_EVENT_TIMER && data == &blink) {
      leds_toggle(LEDS_RED);
      etimer_reset(&blink);
    } else if(ev == PROCESS_EVENT_POLL) {
      while((c = ringbuf_get(&hello_rx)) >= 0) {
        hello_echo((char)c);
      }
    }
  }

  PROCESS_END();
}
