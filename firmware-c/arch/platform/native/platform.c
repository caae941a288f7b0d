/* Native platform: idle is a poll() on stdin bounded by the next etimer expiry; in fake-clock mode
 * idle advances the fake clock to that expiry instead of sleeping. */
#include "platform.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dev/leds.h"
#include "etimer.h"
#include "native-clock.h"
#include "native-platform.h"
#include "process.h"
#include "random.h"

extern int (*native_console_input)(unsigned char c);

static uint8_t native_eui64[8] = { 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01 };

void
native_set_eui64(const uint8_t eui64[8])
{
  memcpy(native_eui64, eui64, 8);
}

static void
native_eui64_from_env(void)
{
  const char *s = getenv("NATIVE_EUI64");
  unsigned v[8];

  if(s != NULL && sscanf(s, "%x:%x:%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                         &v[6], &v[7]) == 8) {
    for(int i = 0; i < 8; i++) {
      native_eui64[i] = (uint8_t)v[i];
    }
  }
}

void
platform_init(void)
{
  uint32_t seed;

  clock_init();
  leds_init();
  native_eui64_from_env();
  seed = (uint32_t)getpid() ^ (uint32_t)time(NULL);
  for(int i = 0; i < 8; i++) {
    seed = seed * 31u + native_eui64[i];
  }
  random_init(seed);
}

void
platform_irq_enable(void)
{
}

void
platform_idle(void)
{
  clock_time_t ticks;
  int timeout_ms;

  if(process_nevents() > 0) {
    return;
  }
  ticks = etimer_ticks_to_next();
  if(native_clock_is_fake()) {
    /* Virtual time: nothing else can happen, so jump to the next expiry. */
    if(ticks != (clock_time_t)-1 && ticks > 0) {
      native_clock_advance(ticks);
    }
    if(ticks != (clock_time_t)-1) {
      etimer_request_poll();
    }
    return;
  }
  if(ticks == (clock_time_t)-1) {
    timeout_ms = NATIVE_IDLE_MAX_MS;
  } else {
    uint64_t ms = ((uint64_t)ticks * 1000u + CLOCK_SECOND - 1) / CLOCK_SECOND;
    timeout_ms = ms > NATIVE_IDLE_MAX_MS ? NATIVE_IDLE_MAX_MS : (int)ms;
  }
  if(native_console_input != NULL) {
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    if(poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & POLLIN)) {
      unsigned char buf[64];
      ssize_t n = read(0, buf, sizeof(buf));
      for(ssize_t i = 0; i < n; i++) {
        native_console_input(buf[i]);
      }
      if(n == 0) {
        native_console_input = NULL; /* EOF: stop polling stdin */
      }
    }
  } else if(timeout_ms > 0) {
    struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
  }
  if(etimer_pending() && etimer_ticks_to_next() == 0) {
    etimer_request_poll();
  }
}

void
platform_reboot(void)
{
  fflush(stdout);
  exit(0);
}

void
platform_soft_restart(uint32_t vtor)
{
  (void)vtor;
  platform_reboot();
}

void
platform_eui64(uint8_t out[8])
{
  memcpy(out, native_eui64, 8);
}

size_t
platform_stack_max_used(void)
{
  return 0;
}

size_t
platform_stack_size(void)
{
  return 0;
}
