/* SHA-256 per FIPS 180-4 section 6.2. Written for size (-Os on Cortex-M3): one compression
 * function with a 16-word rolling message schedule, no unrolling. */
#include "sha256.h"

#include <string.h>

static const uint32_t sha256_k[64] = {
  0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
  0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
  0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
  0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
  0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
  0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
  0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
  0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
  0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
  0xc67178f2u
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(uint32_t h[8], const uint8_t *p)
{
  uint32_t w[16], s[8];
  unsigned i;

  for(i = 0; i < 16; i++) {
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  }
  memcpy(s, h, sizeof(s));
  for(i = 0; i < 64; i++) {
    uint32_t t1, t2;
    if(i >= 16) {
      /* W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], kept modulo 16 */
      uint32_t a = w[(i - 2) & 15], b = w[(i - 15) & 15];
      w[i & 15] += (ROR(a, 17) ^ ROR(a, 19) ^ (a >> 10)) + w[(i - 7) & 15] +
                   (ROR(b, 7) ^ ROR(b, 18) ^ (b >> 3));
    }
    t1 = s[7] + (ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25)) +
         ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha256_k[i] + w[i & 15];
    t2 = (ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22)) +
         ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
    memmove(&s[1], &s[0], 7 * sizeof(uint32_t));
    s[4] += t1;
    s[0] = t1 + t2;
  }
  for(i = 0; i < 8; i++) {
    h[i] += s[i];
  }
}

void
sha256_init(sha256_ctx_t *c)
{
  static const uint32_t iv[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u
  };
  memcpy(c->h, iv, sizeof(iv));
  c->nbytes_lo = c->nbytes_hi = 0;
  c->used = 0;
}

void
sha256_update(sha256_ctx_t *c, const void *data, size_t len)
{
  const uint8_t *p = data;

  while(len) {
    size_t n = 64u - c->used;
    if(n > len) {
      n = len;
    }
    memcpy(c->buf + c->used, p, n);
    c->used = (uint8_t)(c->used + n);
    p += n;
    len -= n;
    c->nbytes_lo += (uint32_t)n;
    if(c->nbytes_lo < n) {
      c->nbytes_hi++;
    }
    if(c->used == 64) {
      sha256_block(c->h, c->buf);
      c->used = 0;
    }
  }
}

void
sha256_final(sha256_ctx_t *c, uint8_t out[SHA256_DIGEST_LEN])
{
  uint32_t hi = c->nbytes_hi << 3 | c->nbytes_lo >> 29, lo = c->nbytes_lo << 3;
  unsigned i;

  c->buf[c->used++] = 0x80;
  if(c->used > 56) {
    memset(c->buf + c->used, 0, 64u - c->used);
    sha256_block(c->h, c->buf);
    c->used = 0;
  }
  memset(c->buf + c->used, 0, 56u - c->used);
  for(i = 0; i < 4; i++) {
    c->buf[56 + i] = (uint8_t)(hi >> (24 - 8 * i));
    c->buf[60 + i] = (uint8_t)(lo >> (24 - 8 * i));
  }
  sha256_block(c->h, c->buf);
  for(i = 0; i < 32; i++) {
    out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
  }
}

void
sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN])
{
  sha256_ctx_t c;
  sha256_init(&c);
  sha256_update(&c, data, len);
  sha256_final(&c, out);
}
