/* CoRE link format writer and reader, LwM2M path parsing. */
#include "unit.h"
#include "net/app-layer/lwm2m/lwm2m.h"

UNIT_TEST(writer)
{
  char b[64];
  coap_win_t w;
  uint16_t ids[3] = { 3303, 0, 5700 };
  coap_win_init(&w, (uint8_t *)b, sizeof(b) - 1, 0);
  lwm2m_link_path(&w, 1, ids, 3);
  lwm2m_link_path(&w, 0, ids, 1);
  lwm2m_link_path(&w, 0, ids, 0);
  b[coap_win_len(&w)] = 0;
  UNIT_CHECK(!strcmp(b, "</3303/0/5700>,</3303>,</>"));
}

UNIT_TEST(reader)
{
  static const char d[] = "</>;rt=\"oma.lwm2m\";ct=11542,</1/0>,</3>;ver=1.1;x=\"a,b;<c>\\\"\",</5/0>";
  const char *p = d, *end = d + sizeof(d) - 1;
  lwm2m_link_t l;
  lwm2m_path_t path;
  UNIT_CHECK_EQ(lwm2m_link_next(&p, end, &l), 1);
  UNIT_CHECK(l.uri_len == 1 && l.params_len == strlen(";rt=\"oma.lwm2m\";ct=11542"));
  UNIT_CHECK_EQ(lwm2m_link_next(&p, end, &l), 1);
  UNIT_CHECK(l.uri_len == 4 && l.params_len == 0);
  UNIT_CHECK(!lwm2m_path_parse(l.uri, l.uri_len, &path) && path.len == 2 && path.id[0] == 1);
  UNIT_CHECK_EQ(lwm2m_link_next(&p, end, &l), 1);
  UNIT_CHECK(l.params_len == strlen(";ver=1.1;x=\"a,b;<c>\\\"\"") && !memcmp(l.params, ";ver=1.1", 8));
  UNIT_CHECK_EQ(lwm2m_link_next(&p, end, &l), 1);
  UNIT_CHECK_EQ(lwm2m_link_next(&p, end, &l), 0);
}

UNIT_TEST(reader_malformed)
{
  static const char *const bad[] = { "x", "<", "</1", "</1>x", "</1>;a=\"b", "</1>,", "</1>,x",
                                     "</1<>", "</1>;a<", "</1>;a=\"\\", "<\"/1>", "</1>;a>" };
  for(unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    const char *p = bad[i], *end = p + strlen(p);
    lwm2m_link_t l;
    int k, guard = 0;
    while((k = lwm2m_link_next(&p, end, &l)) > 0 && guard++ < 5) {
    }
    if(k != -1) {
      printf("  accepted: %s\n", bad[i]);
    }
    UNIT_CHECK_EQ(k, -1);
  }
}

UNIT_TEST(paths)
{
  lwm2m_path_t p;
  UNIT_CHECK(!lwm2m_path_parse("/", 1, &p) && p.len == 0);
  UNIT_CHECK(!lwm2m_path_parse("/3/0/11/2", 9, &p) && p.len == 4 && p.id[3] == 2);
  UNIT_CHECK(!lwm2m_path_parse("/3/0/", 5, &p) && p.len == 2);
  UNIT_CHECK_EQ(lwm2m_path_parse("", 0, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("3/0", 3, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/3//0", 5, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/65535", 6, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/1/2/3/4/5", 10, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/1a", 3, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/99999999999", 12, &p), -1);
  /* digits that wrap 32 bits to a small id */
  UNIT_CHECK_EQ(lwm2m_path_parse("/4294967296", 11, &p), -1);
  UNIT_CHECK_EQ(lwm2m_path_parse("/3/4294967297", 13, &p), -1);
  /* an empty path at the very end of a buffer: nothing is read */
  {
    static const char one[1] = { '/' };
    UNIT_CHECK_EQ(lwm2m_path_parse(one + 1, 0, &p), -1);
  }
}

int
main(void)
{
  UNIT_RUN(writer);
  UNIT_RUN(reader);
  UNIT_RUN(reader_malformed);
  UNIT_RUN(paths);
  return UNIT_DONE();
}
