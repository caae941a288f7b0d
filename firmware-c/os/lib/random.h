/* Pseudo-random numbers: xorshift32, seeded at boot from the platform's entropy (RFRND on the
 * CC2538, mixed with the EUI-64 so two nodes never share a sequence). Not cryptographic. */
#ifndef RANDOM_H_
#define RANDOM_H_

#include <stdint.h>

#define RANDOM_RAND_MAX 65535u

/* A zero seed is replaced by a fixed non-zero constant (xorshift needs a non-zero state). */
void random_init(uint32_t seed);
/* Mix more entropy into the state. */
void random_mix(uint32_t entropy);
uint16_t random_rand(void);
uint32_t random_u32(void);
/* Uniform in [0, bound) (bound > 0), without modulo bias. */
uint32_t random_below(uint32_t bound);

#endif /* RANDOM_H_ */
