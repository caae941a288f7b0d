/* Plain-text (content format 0) values and decimal helpers, and the value decoder plain text
 * shares with TLV (binary integers, IEEE 754 floats): here so the text-only users (SenML, link
 * format) need no TLV code. */
#include "lwm2m.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): ~160 B less */
#pragma GCC optimize("no-tree-loop-optimize", "no-optimize-sibling-calls", "no-ipa-modref", \
                     "no-move-loop-invariants", "no-tree-forwprop", "no-schedule-insns2", \
                     "no-tree-tail-merge", "no-tree-coalesce-vars", "no-if-conversion", \
                     "ira-algorithm=priority")
/* thin wrappers: a branch to the shared routine, not a call (sibling calls are off above) */
#define TAIL_CALL __attribute__((optimize("optimize-sibling-calls")))
/* per-function exceptions to the set above, measured likewise */
#define SIZE_OPT(...) __attribute__((optimize(__VA_ARGS__)))
#else
#define TAIL_CALL
#define SIZE_OPT(...)
#endif

/* One decimal writer for integers and thousandths (frac: 3 digits after the point, trailing
 * zeros dropped but at least one kept: 21.5, 21.0, 0.125). Digits are made right to left;
 * k counts the position, negative inside the fraction. */
static SIZE_OPT("no-expensive-optimizations") void
put_dec(coap_win_t *w, int32_t v, int k)
{
  char b[12], *q = b + sizeof(b), *e = q;
  uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  do {
    char c = (char)('0' + u % 10);
    u /= 10;
    if(k >= -1 || q != e || c != '0') {
      *--q = c;
    }
    if(++k == 0) {
      *--q = '.';
    }
  } while(u || k < 1);
  if(v < 0) {
    *--q = '-';
  }
  coap_win_put(w, q, (uint16_t)(e - q));
}

TAIL_CALL void
lwm2m_text_int(coap_win_t *w, int32_t v)
{
  put_dec(w, v, 0);
}

TAIL_CALL void
lwm2m_text_milli(coap_win_t *w, int32_t v)
{
  put_dec(w, v, -3);
}

/* [-+]digits, or with milli [-+]digits[.digits][e[-+]digits] in thousandths (extra fraction
 * digits truncated). One scanner for both; 32-bit arithmetic only (no 64-bit division helpers
 * on Cortex-M3). */
int
lwm2m_parse_num(const char *s, uint16_t len, int32_t *out, uint8_t milli)
{
  const char *e = s + len, *d;
  int neg = 0, digits = 0, x = 0, in_frac = 0;
  int exp = milli ? 3 : 0; /* 10^exp scales v to the result's unit */
  uint32_t v = 0;
  if(s < e && (*s == '-' || *s == '+')) {
    neg = *s++ == '-';
  }
  for(; s < e; s++) {
    if(*s == '.' && milli && !in_frac) {
      in_frac = 1;
      continue;
    }
    if(*s < '0' || *s > '9') {
      break;
    }
    digits = 1;
    if(v > 429496728u) {
      if(!in_frac) {
        return -1;
      }
      continue; /* precision beyond 32 bits: dropped */
    }
    v = v * 10 + (uint32_t)(*s - '0');
    exp -= in_frac;
  }
  if(!digits) {
    return -1;
  }
  if(milli && s < e && (*s == 'e' || *s == 'E')) {
    int eneg = 0;
    s++;
    if(s < e && (*s == '-' || *s == '+')) {
      eneg = *s++ == '-';
    }
    for(d = s; s < e && *s >= '0' && *s <= '9'; s++) {
      if(x < 100) {
        x = x * 10 + (*s - '0');
      }
    }
    if(s == d) {
      return -1;
    }
    exp += eneg ? -x : x;
  }
  if(s != e) {
    return -1;
  }
  for(; exp > 0; exp--) { /* scale to thousandths */
    if(v > 0x7FFFFFFFu / 10) {
      return -1;
    }
    v *= 10;
  }
  for(; exp < 0 && v; exp++) {
    v /= 10;
  }
  /* integers reach INT32_MIN; thousandths stay symmetric */
  if(v > 0x7FFFFFFFu + (uint32_t)(neg && !milli)) {
    return -1;
  }
  *out = neg ? (int32_t)(0u - v) : (int32_t)v;
  return 0;
}

TAIL_CALL int
lwm2m_parse_int(const char *s, uint16_t len, int32_t *out)
{
  return lwm2m_parse_num(s, len, out, 0);
}

TAIL_CALL int
lwm2m_parse_milli(const char *s, uint16_t len, int32_t *out)
{
  return lwm2m_parse_num(s, len, out, 1);
}

int
lwm2m_text_encode(coap_win_t *w, uint8_t type, const lwm2m_value_t *v)
{
  switch(type) {
  case LWM2M_T_STR:
    coap_win_put(w, v->p, v->len);
    break;
#if LWM2M_WITH_FLOAT
  case LWM2M_T_FLOAT:
    lwm2m_text_milli(w, v->i);
    break;
#endif
  case LWM2M_T_OBJLNK:
    lwm2m_text_int(w, (int32_t)((uint32_t)v->i >> 16));
    coap_win_byte(w, ':');
    lwm2m_text_int(w, v->i & 0xFFFF);
    break;
  case LWM2M_T_INT:
  case LWM2M_T_TIME:
  case LWM2M_T_BOOL:
    lwm2m_text_int(w, v->i);
    break;
  default:
    return -1;
  }
  return 0;
}

/* Inlined in lwm2m_decode, its only user in the firmware (the public copy below is for tests
 * and tools, dropped by the linker there): measured -6 B */
static inline __attribute__((always_inline)) int
float_to_milli(const uint8_t *p, uint32_t len, int32_t *out)
{
  uint64_t bits = 0, mant;
  int e, neg;
  uint32_t i;
  if(len != 4 && len != 8) {
    return -1;
  }
  for(i = 0; i < len; i++) {
    bits = (bits << 8) | p[i];
  }
  neg = p[0] >> 7;
  if(len == 4) { /* binary32: exponent 8 bits (bias 127), mantissa 23 */
    e = (int)((bits >> 23) & 0xFF);
    mant = (bits & 0x7FFFFF) << 29;
    e = e == 0xFF ? 0x7FF : e ? e - 127 + 1023 : 0;
  } else {
    e = (int)((bits >> 52) & 0x7FF);
    mant = bits & 0xFFFFFFFFFFFFFull;
  }
  if(e == 0x7FF) {
    return -1; /* NaN / infinity */
  }
  if(!e) {
    *out = 0; /* zero and subnormals */
    return 0;
  }
  mant |= 1ull << 52;
  /* value = mant * 2^(e-1075); thousandths = (mant * 125) * 2^(e-1072), mant * 125 < 2^60 */
  e = 1072 - e;
  if(e <= 0) {
    return -1; /* mant * 125 >= 2^59: far beyond int32 */
  }
  mant *= 125;
  mant = e >= 64 ? 0 : ((mant >> (e - 1)) + 1) >> 1; /* rounded half up */
  if(mant > 0x7FFFFFFFull + (uint64_t)neg) {
    return -1;
  }
  *out = neg ? (int32_t)(0u - (uint32_t)mant) : (int32_t)mant;
  return 0;
}

int
lwm2m_float_to_milli(const uint8_t *p, uint32_t len, int32_t *out)
{
  return float_to_milli(p, len, out);
}

/* One decoder for TLV values and plain text (LWM2M_DEC_TEXT in type): same dispatch, same
 * range rules, only the spelling of a value differs. */
SIZE_OPT("no-thread-jumps", "no-code-hoisting") int
lwm2m_decode(uint8_t type, const uint8_t *p, uint32_t len, lwm2m_value_t *v)
{
  uint8_t text = type & LWM2M_DEC_TEXT;
  v->p = p;
  v->len = (uint16_t)len;
  v->i = 0;
  if(len > 0xFFFF) {
    return -1;
  }
  switch(type & 7) {
  case LWM2M_T_STR:
  case LWM2M_T_OPAQUE:
    return 0;
  case LWM2M_T_BOOL: {
    uint8_t c;
    if(len != 1 || (c = (uint8_t)(p[0] - (text ? '0' : 0))) > 1) {
      return -1;
    }
    v->i = c;
    return 0;
  }
#if LWM2M_WITH_FLOAT
  case LWM2M_T_FLOAT:
    return text ? lwm2m_parse_num((const char *)p, (uint16_t)len, &v->i, 1)
                : float_to_milli(p, len, &v->i);
#endif
  case LWM2M_T_OBJLNK:
    if(text) { /* "object:instance", each 0..65535 */
      const char *s = (const char *)p, *e = s + len, *c = memchr(s, ':', len);
      uint32_t x = 0;
      int32_t a;
      if(!c) {
        return -1;
      }
      for(;;) {
        if(lwm2m_parse_int(s, (uint16_t)(c - s), &a) || (uint32_t)a > 0xFFFF) {
          return -1;
        }
        x = x << 16 | (uint32_t)a;
        if(c == e) {
          break;
        }
        s = c + 1;
        c = e;
      }
      v->i = (int32_t)x;
      return 0;
    }
    __attribute__((fallthrough));
  case LWM2M_T_INT:
  case LWM2M_T_TIME: {
    int32_t x;
    uint32_t i;
    if(text) {
      return lwm2m_parse_num((const char *)p, (uint16_t)len, &v->i, 0);
    }
    /* integers: 1, 2, 4 or 8 bytes; object links: 4 (object id << 16 | instance id) */
    if(len > 8 || !((((type & 7) == LWM2M_T_OBJLNK ? 0x10u : 0x116u) >> len) & 1)) {
      return -1;
    }
    x = (int8_t)p[0]; /* sign-extend the first byte */
    for(i = 1; i < len; i++) {
      /* 8 bytes fit int32 only if the high half is the sign extension of the low half */
      if(i == len - 4 && x != -(int32_t)(p[i] >> 7)) {
        return -1;
      }
      x = (int32_t)((uint32_t)x << 8 | p[i]);
    }
    v->i = x;
    return 0;
  }
  }
  return -1;
}

TAIL_CALL int
lwm2m_tlv_decode(uint8_t type, const uint8_t *p, uint32_t len, lwm2m_value_t *v)
{
  return lwm2m_decode(type, p, len, v);
}

TAIL_CALL int
lwm2m_text_decode(uint8_t type, const uint8_t *p, uint16_t len, lwm2m_value_t *v)
{
  return lwm2m_decode(type | LWM2M_DEC_TEXT, p, len, v);
}
