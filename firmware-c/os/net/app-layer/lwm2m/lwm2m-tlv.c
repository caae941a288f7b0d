/* OMA LwM2M TLV (content format 11542): reader, writer and the binary64 writer for floats
 * (decoding is shared with plain text: lwm2m_decode in lwm2m-text.c). */
#include "lwm2m.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): ~50 B less */
#pragma GCC optimize("no-tree-ch", "no-schedule-insns2", "no-optimize-sibling-calls", \
                     "no-ipa-pure-const", "no-ssa-phiopt", "no-tree-sink", \
                     "no-tree-vrp", "no-shrink-wrap", \
                     "no-tree-scev-cprop", "no-tree-tail-merge", "no-tree-reassoc", \
                     "no-tree-coalesce-vars", "no-tree-ccp", "ira-region=all")
/* thin wrappers: a branch to the shared routine, not a call (sibling calls are off above) */
#define TAIL_CALL __attribute__((optimize("optimize-sibling-calls")))
/* per-function exceptions to the set above, measured likewise */
#define SIZE_OPT(...) __attribute__((optimize(__VA_ARGS__)))
#else
#define TAIL_CALL
#define SIZE_OPT(...)
#endif

int
lwm2m_tlv_next(const uint8_t **pp, const uint8_t *end, lwm2m_tlv_t *t)
{
  const uint8_t *p = *pp;
  uint8_t h;
  uint32_t x = 0, len = 0;
  unsigned n;
  if(p >= end) {
    return 0;
  }
  h = *p++;
  t->type = h >> 6;
  /* identifier (1 or 2 bytes) then length (0..3 bytes), both big-endian */
  n = 1 + ((h >> 5) & 1) + ((h >> 3) & 3);
  if((uint32_t)(end - p) < n) {
    return -1;
  }
  for(unsigned i = 0; i < n; i++) {
    if(i == 1 + ((h >> 5) & 1u)) {
      t->id = (uint16_t)x; /* the identifier is complete: the length follows */
      x = 0;
    }
    x = (x << 8) | *p++;
  }
  if(h & 0x18) {
    len = x;
  } else {
    t->id = (uint16_t)x;
    len = h & 7;
  }
  if(len > (uint32_t)(end - p)) {
    return -1;
  }
  t->val = p;
  t->len = len;
  *pp = p + len;
  return 1;
}

/* Nesting rules, as the set of entry types (bit per LWM2M_TLV_*) a level may hold: an instance
 * holds resources and multiples (0xC), a multiple holds resource instances (0x2), the top level
 * anything (0xF, lwm2m_tlv_check: a write to /o/i/r/ri carries one resource instance). Instances
 * and multiples, the even types, hold entries: their sets are 0x2C >> (2 * type). */
int
lwm2m_tlv_check_in(const uint8_t *p, const uint8_t *end, unsigned holds)
{
  lwm2m_tlv_t t;
  int r;
  while((r = lwm2m_tlv_next(&p, end, &t)) > 0) {
    if(!((holds >> t.type) & 1) ||
       (!(t.type & 1) && lwm2m_tlv_check_in(t.val, t.val + t.len, 0x2Cu >> (2 * t.type)) < 0)) {
      return -1;
    }
  }
  return r;
}

/* Built back to front: the length bytes (none for a length below 8, which the type byte
 * holds), the identifier's one or two bytes, then the type byte that says how many of each */
void
lwm2m_tlv_header(coap_win_t *w, uint8_t type, uint16_t id, uint32_t len)
{
  uint8_t h[6], *e = h + sizeof(h), *q = e;
  unsigned t = type << 6;
  if(len > 7) {
    do { /* 1 to 3 bytes: a TLV length has 24 bits */
      *--q = (uint8_t)len;
    } while((len >>= 8) && q > e - 3);
    len = (unsigned)(e - q) << 3; /* their count, in bits 3-4 */
  }
  t |= len;
  *--q = (uint8_t)id;
  if(id > 255) {
    *--q = (uint8_t)(id >> 8);
    t |= 0x20;
  }
  *--q = (uint8_t)t;
  coap_win_put(w, q, (uint16_t)(e - q));
}

/* IEEE 754 binary64 bits of m/1000 by long division: exact to the last bit, rounded to nearest.
 * Inlined in lwm2m_tlv_value, its only user in the firmware (lwm2m_milli_to_double is for tests
 * and tools: the linker drops it there). */
static inline __attribute__((always_inline)) uint64_t
milli_to_bits(int32_t m)
{
  uint32_t a = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
  uint32_t r = a, d = 1000; /* d <= 1000 << 21 and r < 2 * d: 32 bits suffice */
  uint64_t mant = 0;
  /* sign and biased exponent minus one: the mantissa's leading 1 is added on top of it, so a
   * rounding carry out of the mantissa moves into the exponent by itself */
  uint32_t e = (m < 0 ? 0x800u : 0) + 1022;
  if(!a) {
    return 0;
  }
  /* scale so that 1 <= r / d < 2, then 54 quotient bits (53 + round) */
  for(; r < d; e--) {
    r <<= 1;
  }
  for(; r - d >= d; e++) {
    d <<= 1;
  }
  for(int i = 0; i < 54; i++, r <<= 1) {
    mant <<= 1;
    if(r >= d) {
      r -= d;
      mant |= 1;
    }
  }
  return ((uint64_t)e << 52) + ((mant + 1) >> 1); /* round half up on the 54th bit */
}

/* n bytes of x, big-endian */
static inline __attribute__((always_inline)) void
put_be(uint8_t *out, uint64_t x, unsigned n)
{
  while(n--) { /* last byte first */
    out[n] = (uint8_t)x;
    x >>= 8;
  }
}

void
lwm2m_milli_to_double(int32_t m, uint8_t out[8])
{
  put_be(out, milli_to_bits(m), 8);
}

/* One big-endian writer for every number: a float's 8 bytes, an object link's 4, an integer's
 * shortest of 1, 2 or 4 */
SIZE_OPT("no-if-conversion") void
lwm2m_tlv_value(coap_win_t *w, uint8_t type, const lwm2m_value_t *v)
{
  uint8_t b[8], n = 4;
  uint64_t x = (uint32_t)v->i;
  if(type == LWM2M_T_STR || type == LWM2M_T_OPAQUE) {
    coap_win_put(w, v->p, v->len);
    return;
  }
#if LWM2M_WITH_FLOAT
  if(type == LWM2M_T_FLOAT) {
    x = milli_to_bits(v->i);
    n = 8;
  } else
#endif
  if(type != LWM2M_T_OBJLNK) {
    n = (v->i >= -128 && v->i <= 127) ? 1 : (v->i >= -32768 && v->i <= 32767) ? 2 : 4;
  }
  put_be(b, x, n);
  coap_win_put(w, b, n);
}
