/* xorshift32 (Marsaglia): 3 shifts per number, period 2^32 - 1, tiny code. */
#include "random.h"

static uint32_t random_state = 0x2545F491u;

void
random_init(uint32_t seed)
{
  random_state = seed != 0 ? seed : 0x2545F491u;
}

void
random_mix(uint32_t entropy)
{
  random_state ^= entropy;
  if(random_state == 0) {
    random_state = 0x2545F491u;
  }
  (void)random_u32();
}

uint32_t
random_u32(void)
{
  uint32_t x = random_state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  random_state = x;
  return x;
}

uint16_t
random_rand(void)
{
  /* The high half has the better statistical quality in xorshift. */
  return (uint16_t)(random_u32() >> 16);
}

uint32_t
random_below(uint32_t bound)
{
  /* Reject the first (2^32 mod bound) values so every residue is equally likely. */
  uint32_t threshold = (uint32_t)(0u - bound) % bound;
  uint32_t r;

  do {
    r = random_u32();
  } while(r < threshold);
  return r % bound;
}
