/* SHA-256 against FIPS 180-4 / NIST CAVS example vectors, incremental updates included. */
#include <stdint.h>

#include "sha256.h"
#include "unit.h"

static void
hex(const char *s, uint8_t *out)
{
  for(int i = 0; i < 32; i++) {
    unsigned v;
    sscanf(s + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
}

static int
check(const void *data, size_t len, const char *want_hex)
{
  uint8_t got[32], want[32];
  hex(want_hex, want);
  sha256(data, len, got);
  return memcmp(got, want, 32) == 0;
}

UNIT_TEST(test_fips_vectors)
{
  UNIT_CHECK(check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  UNIT_CHECK(check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  UNIT_CHECK(check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  UNIT_CHECK(check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                   "klmnopqrlmnopqrsmnopqrstnopqrstu", 112,
                   "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
}

UNIT_TEST(test_million_a)
{
  static uint8_t a[1000];
  sha256_ctx_t c;
  uint8_t got[32], want[32];
  memset(a, 'a', sizeof(a));
  sha256_init(&c);
  for(int i = 0; i < 1000; i++) {
    sha256_update(&c, a, sizeof(a));
  }
  sha256_final(&c, got);
  hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want);
  UNIT_CHECK_MEM(got, want, 32);
}

UNIT_TEST(test_split_updates_match_one_shot)
{
  /* every split point and the 55/56/63/64-byte padding boundaries */
  uint8_t msg[130], one[32], two[32];
  for(int i = 0; i < (int)sizeof(msg); i++) {
    msg[i] = (uint8_t)(i * 7 + 1);
  }
  for(size_t len = 0; len <= sizeof(msg); len++) {
    sha256(msg, len, one);
    for(size_t cut = 0; cut <= len; cut += 13) {
      sha256_ctx_t c;
      sha256_init(&c);
      sha256_update(&c, msg, cut);
      sha256_update(&c, msg + cut, len - cut);
      sha256_final(&c, two);
      UNIT_CHECK_MEM(one, two, 32);
    }
  }
}

int
main(void)
{
  UNIT_RUN(test_fips_vectors);
  UNIT_RUN(test_million_a);
  UNIT_RUN(test_split_updates_match_one_shot);
  return UNIT_DONE();
}
