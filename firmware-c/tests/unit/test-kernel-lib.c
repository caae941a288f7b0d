/* os/lib unit tests besides fmt: crc16, ringbuf, random, log macros. */
#include "unit.h"

#include "crc16.h"
#include "random.h"
#include "ringbuf.h"

#define LOG_MODULE "test"
#define LOG_LEVEL  LOG_LEVEL_WARN
#include "log.h"

UNIT_TEST(test_crc16_check_values)
{
  const char *s = "123456789";

  UNIT_CHECK_EQ(crc16_kermit(s, 9, 0), 0x2189);
  UNIT_CHECK_EQ(crc16_ccitt(s, 9, 0xFFFF), 0x29B1);
  UNIT_CHECK_EQ(crc16_ccitt(s, 9, 0), 0x31C3);
  /* Incremental equals one-shot. */
  UNIT_CHECK_EQ(crc16_kermit(s + 4, 5, crc16_kermit(s, 4, 0)), 0x2189);
  UNIT_CHECK_EQ(crc16_kermit(s, 0, 0x1234), 0x1234);
}

UNIT_TEST(test_ringbuf)
{
  struct ringbuf r;
  uint8_t buf[8];
  int i;

  ringbuf_init(&r, buf, sizeof(buf));
  UNIT_CHECK_EQ(ringbuf_size(&r), 8);
  UNIT_CHECK_EQ(ringbuf_get(&r), -1);
  for(i = 0; i < 8; i++) {
    UNIT_CHECK_EQ(ringbuf_put(&r, (uint8_t)(i + 250)), 1);
  }
  UNIT_CHECK_EQ(ringbuf_put(&r, 0), 0); /* full */
  UNIT_CHECK_EQ(ringbuf_elements(&r), 8);
  /* Values >= 128 come back positive. */
  UNIT_CHECK_EQ(ringbuf_get(&r), 250);
  /* Many laps around the 8-bit indices. */
  for(i = 0; i < 1000; i++) {
    UNIT_CHECK_EQ(ringbuf_put(&r, (uint8_t)i), 1);
    UNIT_CHECK_EQ(ringbuf_get(&r), (uint8_t)(i < 7 ? 251 + i : i - 7));
  }
  UNIT_CHECK_EQ(ringbuf_elements(&r), 7);
}

UNIT_TEST(test_random)
{
  uint32_t a[4], counts[10] = { 0 };
  int i;

  random_init(1234);
  for(i = 0; i < 4; i++) {
    a[i] = random_u32();
  }
  random_init(1234);
  for(i = 0; i < 4; i++) {
    UNIT_CHECK_EQ(random_u32(), a[i]); /* deterministic per seed */
  }
  random_init(0); /* zero seed must not lock xorshift at zero */
  UNIT_CHECK(random_u32() != 0);
  for(i = 0; i < 10000; i++) {
    uint32_t v = random_below(10);
    UNIT_CHECK(v < 10);
    if(v < 10) {
      counts[v]++;
    }
  }
  for(i = 0; i < 10; i++) {
    UNIT_CHECK(counts[i] > 800 && counts[i] < 1200);
  }
  UNIT_CHECK_EQ(random_below(1), 0);
  random_mix(0xdeadbeef);
  UNIT_CHECK(random_rand() <= RANDOM_RAND_MAX);
}

static int side_effects;
static int
bump(void)
{
  return ++side_effects;
}

UNIT_TEST(test_log_levels_compile_out)
{
  side_effects = 0;
  LOG_DBG("never %d\n", bump()); /* above LOG_LEVEL: not evaluated */
  LOG_INFO("never %d\n", bump());
  UNIT_CHECK_EQ(side_effects, 0);
  LOG_WARN("log test warn %d\n", bump());
  UNIT_CHECK_EQ(side_effects, 1);
  LOG_ASSERT(side_effects == 1);
}

int
main(void)
{
  UNIT_RUN(test_crc16_check_values);
  UNIT_RUN(test_ringbuf);
  UNIT_RUN(test_random);
  UNIT_RUN(test_log_levels_compile_out);
  return UNIT_DONE();
}
