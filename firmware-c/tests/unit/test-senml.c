/* SenML JSON writer and reader. */
#include "unit.h"
#include "net/app-layer/lwm2m/lwm2m.h"

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

int
main(void)
{
  UNIT_RUN(writer);
  UNIT_RUN(reader);
  UNIT_RUN(reader_values);
  UNIT_RUN(reader_malformed);
  return UNIT_DONE();
}
