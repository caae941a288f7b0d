/* SenML JSON and SenML CBOR writers and readers (CBOR vectors checked against Python cbor2). */
#include "unit.h"
#include "net/app-layer/lwm2m/lwm2m.h"

#include <stdlib.h>

static char out[256];

static void
rec(uint8_t first, uint16_t o, uint16_t i, uint16_t r, uint8_t type, lwm2m_value_t v)
{
  coap_win_t w;
  lwm2m_path_t p = { { o, i, r }, 3 };
  coap_win_init(&w, (uint8_t *)out, sizeof(out) - 1, 0);
  lwm2m_senml_record(&w, first, &p, type, &v);
  out[coap_win_len(&w)] = 0;
}

UNIT_TEST(writer)
{
  lwm2m_value_t v = { (const uint8_t *)"a\"b\\c\n", 6, 0 };
  rec(1, 3, 0, 0, LWM2M_T_STR, v);
  UNIT_CHECK(!strcmp(out, "[{\"n\":\"/3/0/0\",\"vs\":\"a\\\"b\\\\c\\u000a\"}"));
  v.i = -1500;
  rec(0, 3303, 0, 5700, LWM2M_T_FLOAT, v);
  UNIT_CHECK(!strcmp(out, ",{\"n\":\"/3303/0/5700\",\"v\":-1.5}"));
  v.i = 1;
  rec(0, 3311, 0, 5850, LWM2M_T_BOOL, v);
  UNIT_CHECK(!strcmp(out, ",{\"n\":\"/3311/0/5850\",\"vb\":true}"));
  v.p = (const uint8_t *)"\xfb\xff";
  v.len = 2;
  rec(0, 5, 0, 0, LWM2M_T_OPAQUE, v);
  UNIT_CHECK(!strcmp(out, ",{\"n\":\"/5/0/0\",\"vd\":\"-_8\"}"));
  v.i = (3 << 16) | 0;
  rec(0, 1, 0, 9, LWM2M_T_OBJLNK, v);
  UNIT_CHECK(!strcmp(out, ",{\"n\":\"/1/0/9\",\"vlo\":\"3:0\"}"));
}

UNIT_TEST(reader)
{
  static const char js[] = " [ {\"bn\":\"/3/0/\", \"n\":\"1\",\"vs\":\"x\\u0041\\n\"},\n"
                           "{\"n\":\"13\",\"v\":1700000000,\"t\":0},{\"n\":\"/x\"} ] ";
  lwm2m_senml_reader_t r;
  lwm2m_senml_rec_t c;
  lwm2m_value_t v;
  lwm2m_senml_reader_init(&r, (const uint8_t *)js, sizeof(js) - 1);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(c.path.len == 3 && c.path.id[0] == 3 && c.path.id[2] == 1);
  UNIT_CHECK(c.kind == 's' && c.str_len == 3 && !memcmp(c.str, "xA\n", 3));
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c, LWM2M_T_STR, &v), 0);
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c, LWM2M_T_INT, &v), -1);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(c.kind == 'v' && c.path.id[2] == 13);
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_TIME, &v) && v.i == 1700000000);
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c, LWM2M_T_FLOAT, &v), -1); /* beyond thousandths range */
  /* third record: name "/3/0//x" is not a path */
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), -1);
}

UNIT_TEST(reader_values)
{
  static const char js[] = "[{\"n\":\"/1/0/6\",\"vb\":false},{\"n\":\"/5/0/0\",\"vd\":\"AQID\"},"
                           "{\"n\":\"/1/0/9\",\"vlo\":\"3:0\"},{\"n\":\"/3303/0/5700\",\"v\":-12.25}]";
  lwm2m_senml_reader_t r;
  lwm2m_senml_rec_t c;
  lwm2m_value_t v;
  lwm2m_senml_reader_init(&r, (const uint8_t *)js, sizeof(js) - 1);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_BOOL, &v) && v.i == 0);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_OPAQUE, &v) && v.len == 3 && v.p[2] == 3);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_OBJLNK, &v) && v.i == 0x30000);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 1);
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_FLOAT, &v) && v.i == -12250);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 0);
  UNIT_CHECK_EQ(lwm2m_senml_next(&r, &c), 0);
}

UNIT_TEST(reader_malformed)
{
  static const char *const bad[] = {
    "", "{", "[", "[{", "[{}]", "[{\"n\":\"/1/0/1\"", "[{\"n\":\"/1/0/1\",\"v\":}]",
    "[{\"n\":\"/1/0/1\",\"v\":1x}]", "[{\"n\":\"/1/0/1\",\"vb\":yes}]", "[{\"n\":\"/1/0/1\",\"vs\":\"\\q\"}]",
    "[{\"n\":\"/1/0/1\",\"vs\":\"\\u01\"}]", "[{\"n\":\"/1/0/1\",\"vs\":\"abc}]",
    "[{\"n\":\"/1/0/1\",\"v\":1}] x", "[{\"n\":\"/1/0/1\",\"v\":1},]",
    "[{\"n\":\"/1/0/1\",\"vd\":\"*\"}]", "[{\"bn\":\"/1/0/1/2/3\",\"v\":1}]",
    "[{\"n\":\"/99999/0/1\",\"v\":1}]", "[{\"n\":\"1/0/1\",\"v\":1}]",
    "[{\"n\":\"/1/0/1\",\"vs\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}]",
    "[{\"n\":\"/1/0/1\",\"v\":1,\"foo_\":1}]", "[{\"bv\":1,\"n\":\"/1/0/1\",\"v\":1}]",
    "[{\"bs\":1,\"n\":\"/1/0/1\",\"v\":1}]", "[{\"bver\":11,\"n\":\"/1/0/1\",\"v\":1}]",
    "[{\"n\":\"/1/0/1\",\"v\":1,\"vs\":\"x\"}]", "[{\"n\":\"/1/0/1\",\"vb\":true,\"v\":1}]",
  };
  for(unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    lwm2m_senml_reader_t r;
    lwm2m_senml_rec_t c;
    int k, guard = 0;
    lwm2m_senml_reader_init(&r, (const uint8_t *)bad[i], (uint16_t)strlen(bad[i]));
    while((k = lwm2m_senml_next(&r, &c)) > 0 && guard++ < 10) {
    }
    if(k != -1) {
      printf("  accepted: %s\n", bad[i]);
    }
    UNIT_CHECK_EQ(k, -1);
  }
}

/* Reads a whole pack from an exact-size heap copy (no NUL after it, so ASan sees any read past
 * the end); returns the last lwm2m_senml_next result and the records read. The copy lives until
 * the next call (a record's number points into it). */
static char *exact_buf;

static int
senml_exact(const char *js, int *nrec, lwm2m_senml_rec_t *last)
{
  size_t n = strlen(js);
  char *b;
  lwm2m_senml_reader_t r;
  int k, guard = 0;
  free(exact_buf);
  exact_buf = b = malloc(n ? n : 1);
  memcpy(b, js, n);
  lwm2m_senml_reader_init(&r, (const uint8_t *)b, (uint16_t)n);
  *nrec = 0;
  while((k = lwm2m_senml_next(&r, last)) > 0 && guard++ < 10) {
    (*nrec)++;
  }
  return k;
}

/* Reader edges a mutation audit found unchecked: input cut at every place a scanner looks one
 * byte ahead, string capacities at exactly full, \u and raw control characters, both base64
 * alphabets and padding, value labels of the wrong kind */
UNIT_TEST(reader_exact_edges)
{
  static const char *const bad[] = {
    "[{\"n\":\"/1/0/1\",\"v\":1} ", "[{\"n\":\"/1/0/1\",\"v\":1}", "[{\"n\":\"/1/0/1\",\"v\":1 ",
    "[{\"n\":\"/1/0/1\",\"vs\":\"a\\", "[{\"n\":\"/1/0/1\",\"vs\":\"\\u00", "[{\"n\":\"/1/0/1\",\"vs\":\"ab",
    "[ ", "[{\"n\":\"/1/0/1\",\"vs\":\"\x1f\"}]", "[{\"n\":\"/1/0/1\",\"vs\":\"\\u0100\"}]",
    "[{\"abcdefghi\":1,\"n\":\"/1/0/1\",\"v\":1}]", "[{\"n\":\"/1/0/1\",\"v\":1,\"vb\":true}]",
    "[{\"bver\":-1,\"n\":\"/1/0/1\",\"v\":1}]", "[{\"n\":\"/1/0/1\",\"vs\":true}]",
    "[{\"bn\":\"/1/0/1/2/3/4/5/6/7/8/9/1\",\"n\":\"\",\"v\":1}]",
    "[{\"n\":\"/1/0/1/000000000000000000\",\"v\":1}]", /* a name of 25 characters */
  };
  lwm2m_senml_rec_t c;
  lwm2m_value_t v;
  int n;
  for(unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if(senml_exact(bad[i], &n, &c) != -1) {
      printf("  accepted: %s\n", bad[i]);
      UNIT_CHECK(0);
    }
  }
  UNIT_CHECK_EQ(senml_exact("[{\"n\":\"/1/0/1\",\"vs\":\"\\u00ff\"}]", &n, &c), 0);
  UNIT_CHECK(n == 1 && c.str_len == 1 && (uint8_t)c.str[0] == 0xFF);
  UNIT_CHECK_EQ(senml_exact("[{\"abcdefgh\":1,\"n\":\"/1/0/1\",\"v\":1e+2}]", &n, &c), 0);
  UNIT_CHECK(n == 1 && !lwm2m_senml_decode(&c, LWM2M_T_FLOAT, &v) && v.i == 100000);
  UNIT_CHECK_EQ(senml_exact("[{\"bn\":\"/1/0/\",\"n\":\"1\",\"vd\":\"AQ==\"}]", &n, &c), 0);
  UNIT_CHECK(n == 1 && c.str_len == 1 && c.str[0] == 1);
  UNIT_CHECK_EQ(senml_exact("[{\"n\":\"/1/0/1\",\"vd\":\"+/8\"}]", &n, &c), 0); /* as "-_8" */
  UNIT_CHECK(n == 1 && c.str_len == 2 && (uint8_t)c.str[0] == 0xFB && (uint8_t)c.str[1] == 0xFF);
  /* a name of exactly 24 characters fits */
  UNIT_CHECK_EQ(senml_exact("[{\"n\":\"/1/0/1/00000000000000000\",\"v\":1}]", &n, &c), 0);
  UNIT_CHECK(n == 1 && c.path.len == 4 && c.path.id[3] == 0);
  UNIT_CHECK_EQ(senml_exact("[]", &n, &c), 0);
  UNIT_CHECK_EQ(n, 0);
  free(exact_buf);
  exact_buf = NULL;
}

/* ---- SenML CBOR ---- */

static size_t
cbor_rec(uint16_t o, uint16_t i, uint16_t r, uint8_t type, lwm2m_value_t v)
{
  coap_win_t w;
  lwm2m_path_t p = { { o, i, r }, 3 };
  coap_win_init(&w, (uint8_t *)out, sizeof(out), 0);
  lwm2m_senml_cbor_record(&w, &p, type, &v);
  return coap_win_len(&w);
}

#define CBOR_IS(n, lit) ((n) == sizeof(lit) - 1 && !memcmp(out, lit, sizeof(lit) - 1))

UNIT_TEST(cbor_writer)
{
  lwm2m_value_t v = { (const uint8_t *)"Open", 4, 0 };
  size_t n = cbor_rec(3, 0, 0, LWM2M_T_STR, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x66/3/0/0\x03\x64Open"));
  v.i = -1500;
  n = cbor_rec(3303, 0, 5700, LWM2M_T_FLOAT, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x6c/3303/0/5700\x02\xfb\xbf\xf8\x00\x00\x00\x00\x00\x00"));
  v.i = 1700000000;
  n = cbor_rec(3, 0, 13, LWM2M_T_TIME, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x67/3/0/13\x02\x1a\x65\x53\xf1\x00"));
  v.i = -5;
  n = cbor_rec(3, 0, 9, LWM2M_T_INT, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x66/3/0/9\x02\x24"));
  v.i = INT32_MIN;
  n = cbor_rec(3, 0, 9, LWM2M_T_INT, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x66/3/0/9\x02\x3a\x7f\xff\xff\xff"));
  v.i = 1;
  n = cbor_rec(3311, 0, 5850, LWM2M_T_BOOL, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x6c/3311/0/5850\x04\xf5"));
  v.p = (const uint8_t *)"\xfb\xff";
  v.len = 2;
  n = cbor_rec(5, 0, 0, LWM2M_T_OPAQUE, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x66/5/0/0\x08\x42\xfb\xff"));
  v.i = (3 << 16) | 0;
  n = cbor_rec(1, 0, 9, LWM2M_T_OBJLNK, v);
  UNIT_CHECK(CBOR_IS(n, "\xa2\x00\x66/1/0/9\x63vlo\x63" "3:0"));
  /* heads: 1, 2 and 4 argument bytes */
  {
    coap_win_t w;
    coap_win_init(&w, (uint8_t *)out, sizeof(out), 0);
    lwm2m_cbor_head(&w, 4, 23);
    lwm2m_cbor_head(&w, 4, 24);
    lwm2m_cbor_head(&w, 3, 256);
    lwm2m_cbor_head(&w, 2, 65536);
    UNIT_CHECK(CBOR_IS(coap_win_len(&w), "\x97\x98\x18\x79\x01\x00\x5a\x00\x01\x00\x00"));
  }
}

static int
cbor_read(const char *d, size_t n, lwm2m_senml_rec_t *recs, int max)
{
  lwm2m_senml_reader_t r;
  int k = 0, got;
  lwm2m_senml_reader_init(&r, (const uint8_t *)d, (uint16_t)n);
  while(k < max && (got = lwm2m_senml_cbor_next(&r, &recs[k])) > 0) {
    k++;
  }
  return k < max && got < 0 ? -1 : k;
}

UNIT_TEST(cbor_reader)
{
  /* cbor2.dumps([{-2: "/3/0/", 0: "1", 3: "xA"}, {0: "13", 2: 1700000000, 6: 0},
   *              {-2: "/3303/0/", 0: "5700", 2: 1.5}, {0: "5701", 2: -5, 1: "Cel"}]) */
  static const char d[] = "\x84\xa3\x21\x65/3/0/\x00\x61" "1\x03\x62xA\xa3\x00\x62" "13\x02\x1a\x65\x53"
                          "\xf1\x00\x06\x00\xa3\x21\x68/3303/0/\x00\x64" "5700\x02\xfb\x3f\xf8\x00\x00"
                          "\x00\x00\x00\x00\xa3\x00\x64" "5701\x02\x24\x01\x63" "Cel";
  /* indefinite array and map; binary16 1.5 and binary32 25.5; vb, vd, vlo; a tagged time */
  static const char e[] = "\x9f\xbf\x00\x66/1/0/6\x04\xf4\xff\xa2\x00\x66/5/0/0\x08\x43\x01\x02\x03"
                          "\xa2\x00\x66/1/0/9\x63vlo\x63" "3:0\xa3\x00\x6c/3303/0/5700\x02\xf9\x3e\x00"
                          "\x06\xc1\x1a\x65\x53\xf1\x00\xa2\x00\x6c/3303/0/5700\x02\xfa\x41\xcc\x00\x00"
                          "\xff";
  lwm2m_senml_rec_t c[6];
  lwm2m_value_t v;
  UNIT_CHECK_EQ(cbor_read(d, sizeof(d) - 1, c, 6), 4);
  UNIT_CHECK(c[0].path.len == 3 && c[0].path.id[0] == 3 && c[0].path.id[2] == 1);
  UNIT_CHECK(!lwm2m_senml_decode(&c[0], LWM2M_T_STR, &v) && v.len == 2 && !memcmp(v.p, "xA", 2));
  UNIT_CHECK(c[1].path.id[2] == 13 && !lwm2m_senml_decode(&c[1], LWM2M_T_TIME, &v) &&
             v.i == 1700000000);
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c[1], LWM2M_T_FLOAT, &v), -1); /* beyond thousandths range */
  UNIT_CHECK(c[2].path.id[0] == 3303 && !lwm2m_senml_decode(&c[2], LWM2M_T_FLOAT, &v) && v.i == 1500);
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c[2], LWM2M_T_INT, &v), -1); /* 1.5 is no integer */
  UNIT_CHECK(!lwm2m_senml_decode(&c[3], LWM2M_T_INT, &v) && v.i == -5);
  UNIT_CHECK(!lwm2m_senml_decode(&c[3], LWM2M_T_FLOAT, &v) && v.i == -5000);
  UNIT_CHECK_EQ(lwm2m_senml_decode(&c[3], LWM2M_T_STR, &v), -1);
  UNIT_CHECK_EQ(cbor_read(e, sizeof(e) - 1, c, 6), 5);
  UNIT_CHECK(!lwm2m_senml_decode(&c[0], LWM2M_T_BOOL, &v) && v.i == 0);
  UNIT_CHECK(!lwm2m_senml_decode(&c[1], LWM2M_T_OPAQUE, &v) && v.len == 3 && v.p[2] == 3);
  UNIT_CHECK(!lwm2m_senml_decode(&c[2], LWM2M_T_OBJLNK, &v) && v.i == 0x30000);
  UNIT_CHECK(!lwm2m_senml_decode(&c[3], LWM2M_T_FLOAT, &v) && v.i == 1500);
  UNIT_CHECK(!lwm2m_senml_decode(&c[4], LWM2M_T_FLOAT, &v) && v.i == 25500);
  /* a whole float is an integer resource's value */
  {
    static const char f[] = "\x81\xa2\x00\x66/3/0/9\x02\xf9\x45\x00"; /* 5.0 */
    UNIT_CHECK_EQ(cbor_read(f, sizeof(f) - 1, c, 6), 1);
    UNIT_CHECK(!lwm2m_senml_decode(&c[0], LWM2M_T_INT, &v) && v.i == 5);
  }
  /* what RFC 8428 lets a reader skip: a tagged time, an array under an unknown text label, a label
   * beyond 0x7FFF, an 8-byte time; bver 10; and a decimal fraction (tag 4: 27.05) */
  {
    static const char g[] = "\x81\xa7\x00\x66/3/0/1\x06\xc1\x01\x61x\x82\x01\xa1\x00\x00\x19\xff\xff\x01"
                            "\x20\x0a\x07\x1b\x00\x00\x00\x01\x00\x00\x00\x00\x02\xc4\x82\x21\x19\x0a\x91";
    UNIT_CHECK_EQ(cbor_read(g, sizeof(g) - 1, c, 6), 1);
    UNIT_CHECK(!lwm2m_senml_decode(&c[0], LWM2M_T_FLOAT, &v) && v.i == 27050);
  }
  /* decimal fractions: rounded to thousandths, and their range */
  {
    static const char h[] = "\x83\xa2\x00\x66/3/0/1\x02\xc4\x82\x24\x19\x30\x39" /* 0.12345 */
                            "\xa2\x00\x66/3/0/2\x02\xc4\x82\x02\x20"                /* -100 */
                            "\xa2\x00\x66/3/0/3\x02\xc4\x82\x30\x00";               /* 0 e-17 */
    static const char big[] = "\x81\xa2\x00\x66/3/0/1\x02\xc4\x82\x06\x03";    /* 3e6 */
    UNIT_CHECK_EQ(cbor_read(h, sizeof(h) - 1, c, 6), 3);
    UNIT_CHECK(!lwm2m_senml_decode(&c[0], LWM2M_T_FLOAT, &v) && v.i == 123);
    UNIT_CHECK(!lwm2m_senml_decode(&c[1], LWM2M_T_INT, &v) && v.i == -100);
    UNIT_CHECK(!lwm2m_senml_decode(&c[2], LWM2M_T_FLOAT, &v) && v.i == 0);
    static const char huge[] = "\x81\xa2\x00\x66/3/0/1\x02\xc4\x82\x12\x1a\xff\xff\xff\xff"; /* e18 */
    UNIT_CHECK_EQ(cbor_read(big, sizeof(big) - 1, c, 6), -1); /* 3e9 thousandths */
    UNIT_CHECK_EQ(cbor_read(huge, sizeof(huge) - 1, c, 6), -1);
  }
  /* empty arrays */
  UNIT_CHECK_EQ(cbor_read("\x80", 1, c, 6), 0);
  UNIT_CHECK_EQ(cbor_read("\x9f\xff", 2, c, 6), 0);
}

/* SenML CBOR from an exact-size heap copy (ASan sees any read past the end): the records read
 * before the end or the first error in *nrec, the last lwm2m_senml_cbor_next result returned */
static int
cbor_exact(const char *d, size_t n, int *nrec, lwm2m_senml_rec_t *last)
{
  lwm2m_senml_reader_t r;
  int k, guard = 0;
  free(exact_buf);
  exact_buf = malloc(n ? n : 1);
  memcpy(exact_buf, d, n);
  lwm2m_senml_reader_init(&r, (const uint8_t *)exact_buf, (uint16_t)n);
  *nrec = 0;
  while((k = lwm2m_senml_cbor_next(&r, last)) > 0 && guard++ < 10) {
    (*nrec)++;
  }
  return k;
}

/* CBOR reader edges a mutation audit found unchecked: every head, string and label cut one byte
 * short, reserved and not-well-formed heads, decimal fractions at their limits, true, bver */
UNIT_TEST(cbor_reader_exact_edges)
{
#define REC1 "\x81\xa2\x00\x66/3/0/1" /* [{0: "/3/0/1", then one more pair */
#define LIT(s) { s, sizeof(s) - 1 }
  static const struct {
    const char *d;
    size_t n;
  } bad[] = {
    LIT(REC1 "\x02"),                                 /* no value */
    LIT(REC1 "\x06\xff"),                             /* a lone break as a value */
    LIT(REC1 "\x06\x1c" "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), /* reserved ai 28 */
    LIT(REC1 "\x06\x19\x01"),                         /* 2-byte argument, 1 byte left */
    LIT(REC1 "\x06\xf8\x1f"),                         /* simple value 31 in two bytes */
    LIT(REC1 "\x03\x63" "ab"),                        /* text of 3, 2 left */
    LIT("\x9f"),                                      /* indefinite array, nothing more */
    LIT(REC1 "\x06\x43" "ab"),                        /* skipped bytes of 3, 2 left */
    LIT(REC1 "\x02\xc4\x83\x01\x02\x03"),             /* a decimal fraction of 3 items */
    LIT(REC1 "\x02\xc4\x82\x07\x1a\xff\xff\xff\xff"), /* (2^32 - 1) e7 */
    LIT(REC1 "\x02\xc4\x82\x22\x1a\x80\x00\x00\x00"), /* 2^31 e-3: 2^31 thousandths */
    LIT(REC1 "\x63" "vl"),                            /* a text label of 3, 2 left */
    LIT("\x81\xa3\x20\x0b\x00\x66/3/0/1\x02\x01"),    /* bver 11 */
  };
  lwm2m_senml_rec_t c;
  lwm2m_value_t v;
  int n;
  for(unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if(cbor_exact(bad[i].d, bad[i].n, &n, &c) != -1 || n != 0) {
      printf("  accepted: case %u (%d records)\n", i, n);
      UNIT_CHECK(0);
    }
  }
#undef LIT
#define READ1(s) (cbor_exact(s, sizeof(s) - 1, &n, &c) == 0 && n == 1)
  UNIT_CHECK(READ1(REC1 "\x06\xf8\x20")); /* simple value 32: skipped */
  UNIT_CHECK(READ1(REC1 "\x04\xf5"));
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_BOOL, &v) && v.i == 1);
  UNIT_CHECK(READ1(REC1 "\x02\xc4\x82\x24\x39\x30\x3d")); /* -0.12350: half away from zero */
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_FLOAT, &v) && v.i == -124);
  UNIT_CHECK(READ1(REC1 "\x02\xc4\x82\x22\x1a\x7f\xff\xff\xff")); /* 2^31 - 1 thousandths */
  UNIT_CHECK(!lwm2m_senml_decode(&c, LWM2M_T_FLOAT, &v) && v.i == INT32_MAX);
  free(exact_buf);
  exact_buf = NULL;
#undef READ1
#undef REC1
}

UNIT_TEST(cbor_reader_malformed)
{
  static const struct {
    const char *d;
    size_t n;
  } bad[] = {
#define BAD(lit) { lit, sizeof(lit) - 1 }
    BAD(""), BAD("\xa0"), BAD("\x81"), BAD("\x82\xa1\x00\x66/1/0/1"), BAD("\x81\xa1\x00\x66/1/0"),
    BAD("\x81\xa1\x00\x66/1/0/1\x00"),                 /* a byte after the array */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\x1a\x80\x00\x00\x00"), /* 2^31: beyond int32 */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\x1b\x00\x00\x00\x01\x00\x00\x00\x00"), /* 2^32 */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\xf9\x7e\x00"),     /* NaN */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\xfa\x7f\x80\x00\x00"), /* infinity */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\xfa\x4f\x80\x00\x00"), /* 2^32: beyond thousandths */
    BAD("\x81\xa2\x00\x66/1/0/1\x02\x63" "abc"),        /* v as text */
    BAD("\x81\xa2\x00\x66/1/0/1\x04\x01"),               /* vb as 1 */
    BAD("\x81\xa2\x00\x66/1/0/1\x06\x81\x81\x81\x81\x81\x00"), /* nested 5 deep, skipped */
    BAD("\x81\xa2\x00\x66/1/0/1\x41\x00\x00"),           /* a byte string key */
    BAD("\x81\xa2\x00\x66/1/0/1\x03\x7f\x61x\xff"),      /* a chunked string */
    BAD("\x81\xa2\x00\x66/1/0/1\x03\x78\x50"),           /* a string longer than the input */
    BAD("\x81\xa1\x00\x66/1/0/1/2/3"),                   /* not an LwM2M path */
    BAD("\x81\xa1\x00\x78\x19/1/0/1/2/3/4/5/6/7/8/9/10"), /* a name too long */
    BAD("\x81\xa1\x00\x66/1/0/1\xff"),                   /* a break in a definite map */
    BAD("\x81\xa1\x19\xff\xff\x00"),                     /* no name */
    BAD("\x81\xa3\x00\x66/3/0/1\x02\x05\x64" "foo_\x01"), /* a must-understand label */
    BAD("\x81\xa3\x24\x18\x64\x00\x66/3/0/1\x02\x05"), /* bv: base value */
    BAD("\x81\xa3\x25\x01\x00\x66/3/0/1\x02\x05"),      /* bs: base sum */
    BAD("\x81\xa3\x20\x14\x00\x66/3/0/1\x02\x05"),      /* bver 20: a later SenML */
    BAD("\x81\xa3\x20\x61" "a\x00\x66/3/0/1\x02\x05"), /* bver as text */
    BAD("\x81\xa2\x00\x66/3/0/1\x04\xf8\x14"),           /* false in two bytes: malformed */
    BAD("\x9a\xff\xff\xff\xff\xa2\x00\x66/3/0/1\x02\x05\xff"), /* a huge definite array */
    BAD("\x81\xa3\x00\x66/3/0/1\x02\x05\x03\x61x"),      /* two values */
    BAD("\x9f\xa1\x00\x66/1/0/1"),                       /* an indefinite array without its break */
    BAD("\x81\xa1\x00\x66/1/0/1\x1c"),                   /* reserved additional information */
#undef BAD
  };
  for(unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    lwm2m_senml_rec_t c[4];
    int k = cbor_read(bad[i].d, bad[i].n, c, 4);
    if(k != -1) {
      printf("  accepted: case %u\n", i);
    }
    UNIT_CHECK_EQ(k, -1);
  }
}

int
main(void)
{
  UNIT_RUN(writer);
  UNIT_RUN(reader);
  UNIT_RUN(reader_values);
  UNIT_RUN(reader_malformed);
  UNIT_RUN(reader_exact_edges);
  UNIT_RUN(cbor_writer);
  UNIT_RUN(cbor_reader);
  UNIT_RUN(cbor_reader_malformed);
  UNIT_RUN(cbor_reader_exact_edges);
  return UNIT_DONE();
}
