/* compute-bench: a fixed compute-bound workload to measure emulator speed (guest MIPS).
 * BENCH_ROUNDS passes of a bitwise CRC-16 over a 1 KiB buffer that each pass perturbs, about
 * 70 k cycles per pass: the default 1000 rounds is ~72 M cycles (2.2 s of a 32 MHz core).
 * The result is deterministic, so a wrong emulation of any instruction shows up as a different number. */
#include <stdint.h>

#include "clock.h"
#include "crc16.h"
#include "fmt.h"
#include "process.h"

#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 1000u
#endif
#define BENCH_LEN 1024u

PROCESS(bench_process, "compute-bench");
AUTOSTART_PROCESSES(&bench_process);

static uint8_t bench_buf[BENCH_LEN];

static uint32_t
bench_run(unsigned rounds)
{
  uint32_t x = 0x12345678u;
  uint16_t crc = 0xFFFFu;
  uint32_t acc = 0;
  unsigned i;

  for(i = 0; i < BENCH_LEN; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    bench_buf[i] = (uint8_t)x;
  }
  for(i = 0; i < rounds; i++) {
    crc = crc16_ccitt(bench_buf, BENCH_LEN, crc);
    bench_buf[i % BENCH_LEN] ^= (uint8_t)crc;
    acc = (acc << 5 | acc >> 27) ^ crc;
  }
  return acc;
}

PROCESS_THREAD(bench_process, ev, data)
{
  uint64_t t0, t1;
  uint32_t result;

  PROCESS_BEGIN();

  fmt_printf("compute start rounds=%u\n", (unsigned)BENCH_ROUNDS);
  t0 = clock_now_us();
  result = bench_run(BENCH_ROUNDS);
  t1 = clock_now_us();
  fmt_printf("compute done %08lx us=%lu\n", (unsigned long)result, (unsigned long)(t1 - t0));

  PROCESS_END();
}
