/* TLV reader/writer, integer-only float conversion, plain-text values. */
#include "unit.h"
#include "net/app-layer/lwm2m/lwm2m.h"

#include <math.h>

UNIT_TEST(tlv_headers)
{
  uint8_t buf[16];
  coap_win_t w;
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_header(&w, LWM2M_TLV_RES, 5, 3);
  UNIT_CHECK_EQ(w.pos, 2);
  UNIT_CHECK(buf[0] == 0xC3 && buf[1] == 5);
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_header(&w, LWM2M_TLV_INST, 300, 200);
  UNIT_CHECK_EQ(w.pos, 4);
  UNIT_CHECK(buf[0] == 0x28 && buf[1] == 1 && buf[2] == 44 && buf[3] == 200);
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_header(&w, LWM2M_TLV_MULTI, 1, 70000);
  UNIT_CHECK(buf[0] == 0x98 && buf[2] == 0x01 && buf[3] == 0x11 && buf[4] == 0x70);
}

UNIT_TEST(tlv_reader)
{
  /* object instance 0 { res 0 "abc", multiple 11 { [0] = 1, [1] = 2 } } */
  static const uint8_t d[] = { 0x08, 0x00, 0x0D, 0xC3, 0x00, 'a', 'b', 'c',
                               0x86, 0x0B, 0x41, 0x00, 0x01, 0x41, 0x01, 0x02 };
  const uint8_t *p = d, *q;
  lwm2m_tlv_t t, r;
  UNIT_CHECK_EQ(lwm2m_tlv_check(d, sizeof(d)), 0);
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, d + sizeof(d), &t), 1);
  UNIT_CHECK(t.type == LWM2M_TLV_INST && t.id == 0 && t.len == 13);
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, d + sizeof(d), &t), 0);
  q = d + 3;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&q, d + sizeof(d), &r), 1);
  UNIT_CHECK(r.type == LWM2M_TLV_RES && r.len == 3 && !memcmp(r.val, "abc", 3));
  UNIT_CHECK_EQ(lwm2m_tlv_next(&q, d + sizeof(d), &r), 1);
  UNIT_CHECK(r.type == LWM2M_TLV_MULTI && r.id == 11 && r.len == 6);
}

UNIT_TEST(tlv_malformed)
{
  static const uint8_t trunc_id[] = { 0xE3 };                 /* 16-bit id missing */
  static const uint8_t trunc_len[] = { 0xD0, 0x01 };          /* 16-bit length missing */
  static const uint8_t over[] = { 0xC5, 0x01, 'a' };          /* value past end */
  static const uint8_t bad_nest[] = { 0x03, 0x00, 0x01, 0x00, 0x00 }; /* inst in inst */
  static const uint8_t ri_in_inst[] = { 0x03, 0x00, 0x41, 0x00, 0x01 };
  static const uint8_t res_in_multi[] = { 0x83, 0x00, 0xC1, 0x00, 0x01 };
  const uint8_t *p = trunc_id;
  lwm2m_tlv_t t;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, trunc_id + 1, &t), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(trunc_len, 2), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(over, 3), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(bad_nest, sizeof(bad_nest)), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(ri_in_inst, sizeof(ri_in_inst)), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(res_in_multi, sizeof(res_in_multi)), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_check(NULL, 0), 0);
}

/* Every parent/child pair of entry types: an instance holds resources and multiples, a multiple
 * holds resource instances, a value (resource, resource instance) holds bytes, the top level
 * anything */
UNIT_TEST(tlv_nesting)
{
  static const int ok[4][4] = {
    /* child:      INST RES_INST MULTI RES */
    /* INST */     { -1, -1, 0, 0 },
    /* RES_INST */ { 0, 0, 0, 0 },
    /* MULTI */    { -1, 0, -1, -1 },
    /* RES */      { 0, 0, 0, 0 },
  };
  for(uint8_t pt = 0; pt < 4; pt++) {
    for(uint8_t ct = 0; ct < 4; ct++) {
      /* parent id 1 of 2 bytes: child id 2, empty */
      const uint8_t d[] = { (uint8_t)(pt << 6 | 2), 1, (uint8_t)(ct << 6), 2 };
      UNIT_CHECK_EQ(lwm2m_tlv_check(d + 2, 2), 0);
      if(lwm2m_tlv_check(d, sizeof(d)) != ok[pt][ct]) {
        printf("  parent %u child %u\n", pt, ct);
        UNIT_CHECK(0);
      }
    }
  }
  {
    /* two levels: instance 0 { multiple 1 { resource instance 0 = 7 } }, then with a resource
     * inside the multiple instead */
    static const uint8_t deep[] = { 0x05, 0x00, 0x83, 0x01, 0x41, 0x00, 0x07 };
    static const uint8_t deep_bad[] = { 0x04, 0x00, 0x82, 0x01, 0xC0, 0x01 };
    UNIT_CHECK_EQ(lwm2m_tlv_check(deep, sizeof(deep)), 0);
    UNIT_CHECK_EQ(lwm2m_tlv_check(deep_bad, sizeof(deep_bad)), -1);
  }
}

/* Header sizes at the boundaries of the identifier (1 / 2 bytes) and length (0..3 bytes) */
UNIT_TEST(tlv_header_sizes)
{
  static const struct { uint16_t id; uint32_t len; uint8_t n, h0; } c[] = {
    { 0, 0, 2, 0xC0 }, { 255, 7, 2, 0xC7 }, { 256, 7, 3, 0xE7 }, { 1, 8, 3, 0xC8 },
    { 1, 255, 3, 0xC8 }, { 1, 256, 4, 0xD0 }, { 65534, 65535, 5, 0xF0 }, { 1, 65536, 5, 0xD8 },
    { 1, 0xFFFFFF, 5, 0xD8 },
  };
  for(unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    uint8_t b[8];
    coap_win_t w;
    coap_win_init(&w, b, sizeof(b), 0);
    lwm2m_tlv_header(&w, LWM2M_TLV_RES, c[i].id, c[i].len);
    UNIT_CHECK_EQ(w.pos, c[i].n);
    UNIT_CHECK_EQ(b[0], c[i].h0);
    if(c[i].n >= 2 && c[i].len > 7) { /* the last byte is the length's lowest */
      UNIT_CHECK_EQ(b[c[i].n - 1], (uint8_t)c[i].len);
    }
  }
}

UNIT_TEST(tlv_values)
{
  lwm2m_value_t v;
  uint8_t buf[8];
  coap_win_t w;
  static const uint8_t i8[] = { 0xFF }, i16[] = { 0x01, 0x00 }, i64[] = { 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF };
  static const uint8_t big64[] = { 0, 0, 0, 1, 0, 0, 0, 0 }, i3[] = { 1, 2, 3 };
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_INT, i8, 1, &v) && v.i == -1);
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_INT, i16, 2, &v) && v.i == 256);
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_INT, i64, 8, &v) && v.i == 0x7FFFFFFF);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_INT, big64, 8, &v), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_INT, i3, 3, &v), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_BOOL, i3, 1, &v), 0);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_BOOL, i8, 1, &v), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_OBJLNK, i3, 3, &v), -1);
  v.i = -200;
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_value(&w, LWM2M_T_INT, &v);
  UNIT_CHECK(w.pos == 2 && buf[0] == 0xFF && buf[1] == 0x38);
  v.i = 100000;
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_value(&w, LWM2M_T_INT, &v);
  UNIT_CHECK_EQ(w.pos, 4);
  v.i = (3 << 16) | 1;
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_value(&w, LWM2M_T_OBJLNK, &v);
  UNIT_CHECK(w.pos == 4 && buf[1] == 3 && buf[3] == 1);
}

/* 2- and 3-byte lengths and a 16-bit identifier read back; a header or value one byte short of
 * what it claims is malformed (a mutation audit found these unchecked) */
UNIT_TEST(tlv_reader_exact)
{
  static const uint8_t len16[] = { 0xD0, 0x05, 0x00, 0x02, 'a', 'b' };
  static const uint8_t len24[] = { 0xF8, 0x01, 0x02, 0x00, 0x00, 0x01, 'q' };
  static const uint8_t hdr_short[] = { 0xD0, 0x05, 0x00 };    /* 16-bit length: 1 of 2 bytes */
  static const uint8_t val_short[] = { 0xC3, 0x05, 'a', 'b' }; /* 3 claimed, 2 left */
  static const uint8_t val_fit[] = { 0xC2, 0x05, 'a', 'b' };
  const uint8_t *p;
  lwm2m_tlv_t t;
  p = len16;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, len16 + sizeof(len16), &t), 1);
  UNIT_CHECK(t.type == LWM2M_TLV_RES && t.id == 5 && t.len == 2 && t.val == len16 + 4);
  UNIT_CHECK(p == len16 + sizeof(len16));
  p = len24;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, len24 + sizeof(len24), &t), 1);
  UNIT_CHECK(t.type == LWM2M_TLV_RES && t.id == 0x0102 && t.len == 1 && t.val[0] == 'q');
  p = hdr_short;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, hdr_short + sizeof(hdr_short), &t), -1);
  p = val_short;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, val_short + sizeof(val_short), &t), -1);
  p = val_fit;
  UNIT_CHECK_EQ(lwm2m_tlv_next(&p, val_fit + sizeof(val_fit), &t), 1);
  UNIT_CHECK_EQ(t.len, 2);
}

/* Integers take the shortest of 1, 2 or 4 bytes that holds them, at exactly each boundary;
 * object links are always 4 bytes; opaque and string values are their bytes */
UNIT_TEST(tlv_value_widths_exact)
{
  static const struct { int32_t i; uint8_t n, b0, last; } c[] = {
    { 127, 1, 0x7F, 0x7F }, { 128, 2, 0x00, 0x80 }, { -128, 1, 0x80, 0x80 },
    { -129, 2, 0xFF, 0x7F }, { 32767, 2, 0x7F, 0xFF }, { 32768, 4, 0x00, 0x00 },
    { -32768, 2, 0x80, 0x00 }, { -32769, 4, 0xFF, 0xFF },
  };
  uint8_t buf[8];
  coap_win_t w;
  lwm2m_value_t v;
  for(unsigned k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
    v.i = c[k].i;
    coap_win_init(&w, buf, sizeof(buf), 0);
    lwm2m_tlv_value(&w, LWM2M_T_INT, &v);
    if(w.pos != c[k].n || buf[0] != c[k].b0 || buf[c[k].n - 1] != c[k].last) {
      printf("  %d: %u bytes\n", c[k].i, (unsigned)w.pos);
      UNIT_CHECK(0);
    }
    UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_INT, buf, w.pos, &v) && v.i == c[k].i);
  }
  v.i = 5; /* object link 0:5 */
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_value(&w, LWM2M_T_OBJLNK, &v);
  UNIT_CHECK(w.pos == 4 && buf[0] == 0 && buf[3] == 5);
  v.p = (const uint8_t *)"\x01\x02\x03";
  v.len = 3;
  v.i = 0;
  coap_win_init(&w, buf, sizeof(buf), 0);
  lwm2m_tlv_value(&w, LWM2M_T_OPAQUE, &v);
  UNIT_CHECK(w.pos == 3 && !memcmp(buf, "\x01\x02\x03", 3));
}

static uint64_t
bits_of(double d)
{
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

UNIT_TEST(float_conversion_exact)
{
  static const int32_t samples[] = { 0, 1, -1, 999, 1000, 1001, 20100, -40000, 85000, 123456789,
                                     -2147483647, 2147483647, 125, 500, 3, 7, 333 };
  uint8_t out[8];
  for(unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
    uint64_t got = 0, want = bits_of((double)samples[i] / 1000.0);
    int32_t back;
    lwm2m_milli_to_double(samples[i], out);
    for(int k = 0; k < 8; k++) {
      got = (got << 8) | out[k];
    }
    if(got != want) {
      printf("  %d: got %016llx want %016llx\n", samples[i], (unsigned long long)got,
             (unsigned long long)want);
    }
    UNIT_CHECK(got == want);
    UNIT_CHECK_EQ(lwm2m_float_to_milli(out, 8, &back), 0);
    UNIT_CHECK_EQ(back, samples[i]);
  }
  /* pseudo-random sweep */
  {
    uint32_t x = 12345;
    for(int i = 0; i < 20000; i++) {
      int32_t m;
      uint64_t got = 0;
      x = x * 1664525u + 1013904223u;
      m = (int32_t)x;
      lwm2m_milli_to_double(m, out);
      for(int k = 0; k < 8; k++) {
        got = (got << 8) | out[k];
      }
      if(got != bits_of((double)m / 1000.0)) {
        UNIT_CHECK(0);
        break;
      }
    }
  }
}

static void
be_double(double d, uint8_t b[8])
{
  uint64_t x = bits_of(d);
  for(int i = 0; i < 8; i++) {
    b[i] = (uint8_t)(x >> (56 - 8 * i));
  }
}

/* Range limits of the binary decoders at exactly each edge (a mutation audit found these
 * unchecked) */
UNIT_TEST(decode_bounds_exact)
{
  static const uint8_t z[40] = { 0 };
  uint8_t b[8];
  int32_t m;
  lwm2m_value_t v;
  /* 2^49: the first exponent with no room left for the rounding shift */
  be_double(562949953421312.0, b);
  UNIT_CHECK_EQ(lwm2m_float_to_milli(b, 8, &m), -1);
  be_double(2147483.647, b);
  UNIT_CHECK(!lwm2m_float_to_milli(b, 8, &m) && m == 2147483647);
  be_double(2147483.648, b); /* 2^31 thousandths: one past INT32_MAX */
  UNIT_CHECK_EQ(lwm2m_float_to_milli(b, 8, &m), -1);
  be_double(-2147483.648, b);
  UNIT_CHECK(!lwm2m_float_to_milli(b, 8, &m) && m == -2147483647 - 1);
  /* integers: 1, 2, 4 or 8 bytes; an object link: 4; a boolean: 1 */
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_INT, z, 0, &v), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_INT, z, 9, &v), -1);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_INT, z, 40, &v), -1);
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_INT, z, 8, &v) && v.i == 0);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_OBJLNK, z, 8, &v), -1);
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_OBJLNK, z, 4, &v) && v.i == 0);
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_BOOL, (const uint8_t *)"\x01", 0, &v), -1);
  /* a length that does not fit the 16-bit value length */
  UNIT_CHECK_EQ(lwm2m_tlv_decode(LWM2M_T_STR, z, 0x10000, &v), -1);
  UNIT_CHECK(!lwm2m_tlv_decode(LWM2M_T_STR, z, 0xFFFF, &v) && v.len == 0xFFFF);
}

/* Plain-text number edges: sign, digit range, 32-bit overflow inside the digit loop, precision
 * beyond 32 bits in a fraction, symmetric thousandths, object-link halves */
UNIT_TEST(text_parse_bounds_exact)
{
  int32_t x;
  lwm2m_value_t v;
  UNIT_CHECK(!lwm2m_parse_int("+5", 2, &x) && x == 5);
  UNIT_CHECK_EQ(lwm2m_parse_int("1:", 2, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_int("4294967296", 10, &x), -1); /* wraps to 0 in 32 bits */
  UNIT_CHECK_EQ(lwm2m_parse_int("4294967295", 10, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_milli("4294967.296", 11, &x), -1);
  UNIT_CHECK(!lwm2m_parse_milli("1.00000000000009", 16, &x) && x == 1000);
  UNIT_CHECK(!lwm2m_parse_milli("-2147483.647", 12, &x) && x == -2147483647);
  UNIT_CHECK_EQ(lwm2m_parse_milli("-2147483.648", 12, &x), -1);
  UNIT_CHECK(!lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"65535:65535", 11, &v) &&
             v.i == -1);
  UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"65536:0", 7, &v), -1);
  UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"0:65536", 7, &v), -1);
  { /* no colon, all digits, nothing after the buffer: nothing read past it */
    static const uint8_t digits[5] = { '1', '2', '3', '4', '5' };
    UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_OBJLNK, digits, sizeof(digits), &v), -1);
  }
}

UNIT_TEST(float_decode)
{
  uint8_t b[8];
  int32_t m;
  float f = 21.5f;
  uint32_t fb;
  double d;
  memcpy(&fb, &f, 4);
  for(int i = 0; i < 4; i++) {
    b[i] = (uint8_t)(fb >> (24 - 8 * i));
  }
  UNIT_CHECK(!lwm2m_float_to_milli(b, 4, &m) && m == 21500);
  d = -0.0004;
  {
    uint64_t x = bits_of(d);
    for(int i = 0; i < 8; i++) {
      b[i] = (uint8_t)(x >> (56 - 8 * i));
    }
  }
  UNIT_CHECK(!lwm2m_float_to_milli(b, 8, &m) && m == 0);
  d = 1e12;
  {
    uint64_t x = bits_of(d);
    for(int i = 0; i < 8; i++) {
      b[i] = (uint8_t)(x >> (56 - 8 * i));
    }
  }
  UNIT_CHECK_EQ(lwm2m_float_to_milli(b, 8, &m), -1);
  d = NAN;
  {
    uint64_t x = bits_of(d);
    for(int i = 0; i < 8; i++) {
      b[i] = (uint8_t)(x >> (56 - 8 * i));
    }
  }
  UNIT_CHECK_EQ(lwm2m_float_to_milli(b, 8, &m), -1);
  UNIT_CHECK_EQ(lwm2m_float_to_milli(b, 5, &m), -1);
}

static int
text_of(uint8_t type, int32_t i, const char *want)
{
  char buf[32];
  coap_win_t w;
  lwm2m_value_t v = { NULL, 0, i };
  coap_win_init(&w, (uint8_t *)buf, sizeof(buf) - 1, 0);
  lwm2m_text_encode(&w, type, &v);
  buf[coap_win_len(&w)] = 0;
  if(strcmp(buf, want)) {
    printf("  got '%s' want '%s'\n", buf, want);
    return 0;
  }
  return 1;
}

UNIT_TEST(text_values)
{
  int32_t x;
  lwm2m_value_t v;
  UNIT_CHECK(text_of(LWM2M_T_INT, 0, "0"));
  UNIT_CHECK(text_of(LWM2M_T_INT, -2147483647 - 1, "-2147483648"));
  UNIT_CHECK(text_of(LWM2M_T_FLOAT, 21500, "21.5"));
  UNIT_CHECK(text_of(LWM2M_T_FLOAT, -1, "-0.001"));
  UNIT_CHECK(text_of(LWM2M_T_FLOAT, 20000, "20.0"));
  UNIT_CHECK(text_of(LWM2M_T_FLOAT, 120, "0.12"));
  UNIT_CHECK(text_of(LWM2M_T_OBJLNK, (3 << 16) | 65535, "3:65535"));
  UNIT_CHECK(!lwm2m_parse_int("2147483647", 10, &x) && x == 2147483647);
  UNIT_CHECK(!lwm2m_parse_int("-2147483648", 11, &x) && x == -2147483647 - 1);
  UNIT_CHECK_EQ(lwm2m_parse_int("2147483648", 10, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_int("", 0, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_int("-", 1, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_int("1.5", 3, &x), -1);
  UNIT_CHECK(!lwm2m_parse_milli("23.456789", 9, &x) && x == 23456);
  UNIT_CHECK(!lwm2m_parse_milli("-0.5", 4, &x) && x == -500);
  UNIT_CHECK(!lwm2m_parse_milli("2.5e2", 5, &x) && x == 250000);
  UNIT_CHECK(!lwm2m_parse_milli("25E-1", 5, &x) && x == 2500);
  UNIT_CHECK(!lwm2m_parse_milli("7", 1, &x) && x == 7000);
  UNIT_CHECK_EQ(lwm2m_parse_milli("3000000", 7, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_milli("1e", 2, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_milli(".", 1, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_milli("1..2", 4, &x), -1);
  UNIT_CHECK_EQ(lwm2m_parse_milli("99999999999", 11, &x), -1);
  UNIT_CHECK(!lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"3:1", 3, &v) && v.i == 0x30001);
  UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"3:70000", 7, &v), -1);
  UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_OBJLNK, (const uint8_t *)"31", 2, &v), -1);
  UNIT_CHECK_EQ(lwm2m_text_decode(LWM2M_T_BOOL, (const uint8_t *)"2", 1, &v), -1);
  UNIT_CHECK(!lwm2m_text_decode(LWM2M_T_BOOL, (const uint8_t *)"1", 1, &v) && v.i == 1);
}

int
main(void)
{
  UNIT_RUN(tlv_headers);
  UNIT_RUN(tlv_reader);
  UNIT_RUN(tlv_malformed);
  UNIT_RUN(tlv_nesting);
  UNIT_RUN(tlv_header_sizes);
  UNIT_RUN(tlv_values);
  UNIT_RUN(tlv_reader_exact);
  UNIT_RUN(tlv_value_widths_exact);
  UNIT_RUN(float_conversion_exact);
  UNIT_RUN(float_decode);
  UNIT_RUN(decode_bounds_exact);
  UNIT_RUN(text_parse_bounds_exact);
  UNIT_RUN(text_values);
  return UNIT_DONE();
}
