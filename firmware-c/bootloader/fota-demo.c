/* fota-demo: a slot-A application for bootloader tests without a network. It reports the boot
 * state, confirms a trial boot by itself (unless built with FOTA_DEMO_NO_CONFIRM: the "never
 * registers" image, which instead restarts after FOTA_DEMO_TRIAL_S seconds, as the real client
 * does when it cannot register; or FOTA_DEMO_HANG: the image that hangs on a trial boot and is
 * reset by the watchdog the bootloader armed), and takes console commands:
 *   status   "APP version=V phase=P trials=T"
 *   update   request the swap (slot B must hold a package) and restart into the bootloader
 *   restart  soft restart into the bootloader
 *   clear    erase the boot state page (a new download would do this) */
#include "bootloader/bootstate.h"
#include "clock.h"
#include "dev/console.h"
#include "etimer.h"
#include "fmt.h"
#include "platform.h"
#include "process.h"
#include "ringbuf.h"

#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif
#ifndef FOTA_DEMO_TRIAL_S
#define FOTA_DEMO_TRIAL_S 2
#endif

PROCESS(fota_demo_process, "fota-demo");
AUTOSTART_PROCESSES(&fota_demo_process);

static struct ringbuf demo_rx;
static uint8_t demo_rx_buf[32];
static char demo_line[16];
static uint8_t demo_line_len;

static int
demo_input(unsigned char c)
{
  ringbuf_put(&demo_rx, c);
  process_poll(&fota_demo_process);
  return 1;
}

static int
demo_is(const char *a, const char *b)
{
  while(*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

/* The version sealed into our own header, or the compile-time one for an unsealed build. */
static const char *
demo_version(void)
{
  const char *v = (const char *)(uintptr_t)(FW_SLOT_A + FW_OFF_VERSION);
  return fw_image_parse((const uint8_t *)(uintptr_t)FW_SLOT_A, NULL) == FW_OK ? v : FIRMWARE_VERSION;
}

static void
demo_status(void)
{
  bs_state_t s;
  bs_read(&s);
  fmt_printf("APP version=%s phase=%s trials=%u\n", demo_version(), bs_phase_name(s.phase),
             (unsigned)s.trials);
}

static void
demo_command(const char *line)
{
  if(demo_is(line, "status")) {
    demo_status();
  } else if(demo_is(line, "update")) {
    bs_request_swap();
    fmt_printf("APP restarting into the bootloader\n");
    platform_soft_restart(FW_BOOT_ADDR);
  } else if(demo_is(line, "restart")) {
    platform_soft_restart(FW_BOOT_ADDR);
  } else if(demo_is(line, "clear")) {
    fmt_printf("APP clear %d\n", bs_clear());
  }
}

PROCESS_THREAD(fota_demo_process, ev, data)
{
  static struct etimer trial;
  bs_state_t s;
  int c;

  PROCESS_BEGIN();

  ringbuf_init(&demo_rx, demo_rx_buf, sizeof(demo_rx_buf));
  console_set_input(demo_input);
  demo_status();
  bs_read(&s);
  if(s.phase == BS_SWAPPED) {
#if defined(FOTA_DEMO_HANG)
    fmt_printf("APP trial: hanging\n");
    for(;;) {
    }
#elif defined(FOTA_DEMO_NO_CONFIRM)
    etimer_set(&trial, FOTA_DEMO_TRIAL_S * CLOCK_SECOND);
    fmt_printf("APP trial: not confirming\n");
#else
    fmt_printf("APP confirm %d\n", bs_confirm());
#endif
  }
  while(1) {
    PROCESS_WAIT_EVENT();
    if(ev == PROCESS_EVENT_TIMER && data == &trial) {
      fmt_printf("APP trial timeout, restarting\n");
      platform_soft_restart(FW_BOOT_ADDR);
    } else if(ev == PROCESS_EVENT_POLL) {
      while((c = ringbuf_get(&demo_rx)) >= 0) {
        if(c == '\r' || c == '\n') {
          demo_line[demo_line_len] = '\0';
          demo_line_len = 0;
          demo_command(demo_line);
        } else if(demo_line_len < sizeof(demo_line) - 1) {
          demo_line[demo_line_len++] = (char)c;
        }
      }
    }
  }

  PROCESS_END();
}
