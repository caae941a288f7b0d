/* SHA-256 (FIPS 180-4), small and table-light: used to verify firmware images (bootloader and
 * the Firmware Update object). Streaming: init, update any number of times, final. */
#ifndef SHA256_H_
#define SHA256_H_

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

typedef struct sha256_ctx {
  uint32_t h[8];
  uint32_t nbytes_lo, nbytes_hi; /* message length in bytes (64-bit) */
  uint8_t buf[64];
  uint8_t used;                  /* bytes pending in buf */
} sha256_ctx_t;

void sha256_init(sha256_ctx_t *c);
void sha256_update(sha256_ctx_t *c, const void *data, size_t len);
void sha256_final(sha256_ctx_t *c, uint8_t out[SHA256_DIGEST_LEN]);
/* One-shot convenience */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

#endif /* SHA256_H_ */
