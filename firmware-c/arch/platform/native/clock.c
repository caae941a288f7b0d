/* Native clock: CLOCK_MONOTONIC since clock_init(), or a fake clock driven by tests. */
#include "clock.h"

#include <time.h>

#include "native-clock.h"

static struct timespec clock_boot;
static int clock_booted;
static int clock_fake_on;
static uint64_t clock_fake_us;

static uint64_t
clock_real_us(void)
{
  struct timespec now;
  int64_t sec, nsec;

  if(!clock_booted) {
    clock_init();
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  sec = (int64_t)now.tv_sec - (int64_t)clock_boot.tv_sec;
  nsec = (int64_t)now.tv_nsec - (int64_t)clock_boot.tv_nsec;
  return (uint64_t)(sec * 1000000 + nsec / 1000);
}

void
clock_init(void)
{
  clock_gettime(CLOCK_MONOTONIC, &clock_boot);
  clock_booted = 1;
}

uint64_t
clock_now_us(void)
{
  return clock_fake_on ? clock_fake_us : clock_real_us();
}

clock_time_t
clock_time(void)
{
  return (clock_time_t)(clock_now_us() * CLOCK_SECOND / 1000000u);
}

unsigned long
clock_seconds(void)
{
  return (unsigned long)(clock_now_us() / 1000000u);
}

void
clock_delay_usec(uint16_t usec)
{
  if(clock_fake_on) {
    clock_fake_us += usec;
    return;
  }
  struct timespec ts = { 0, (long)usec * 1000L };
  nanosleep(&ts, NULL);
}

static uint64_t
clock_ticks_to_us(clock_time_t t)
{
  /* Round up so that clock_time() reaches exactly t. */
  return ((uint64_t)t * 1000000u + CLOCK_SECOND - 1) / CLOCK_SECOND;
}

void
native_clock_fake(clock_time_t start)
{
  clock_fake_on = 1;
  clock_fake_us = clock_ticks_to_us(start);
}

void
native_clock_real(void)
{
  clock_fake_on = 0;
}

int
native_clock_is_fake(void)
{
  return clock_fake_on;
}

void
native_clock_advance(clock_time_t dt)
{
  if(clock_fake_on) {
    native_clock_set(clock_time() + dt);
  }
}

void
native_clock_set(clock_time_t t)
{
  if(clock_fake_on) {
    clock_fake_us = clock_ticks_to_us(t);
  }
}
