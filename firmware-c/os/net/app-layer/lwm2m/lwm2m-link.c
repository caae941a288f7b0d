/* CoRE link format (RFC 6690, content format 40): writer for registration and Discover,
 * reader (used by tests, tools and the fuzzer), and LwM2M path parsing. */
#include "lwm2m.h"

void
lwm2m_link_path(coap_win_t *w, uint8_t first, const uint16_t *ids, uint8_t n)
{
  coap_win_str(w, &",<"[first != 0]); /* first link: no comma */
  const uint16_t *end = ids + n;
  do { /* "/1/2" for n ids, "/" for none */
    coap_win_byte(w, '/');
    if(ids < end) {
      lwm2m_text_int(w, *ids++);
    }
  } while(ids < end);
  coap_win_byte(w, '>');
}

int
lwm2m_link_next(const char **pp, const char *end, lwm2m_link_t *l)
{
  const char *p = *pp;
  if(p >= end) {
    return 0;
  }
  if(*p != '<') {
    return -1;
  }
  l->uri = ++p;
  while(p < end && *p != '>') {
    if(*p == '<' || *p == ',' || *p == '"') {
      return -1;
    }
    p++;
  }
  if(p >= end) {
    return -1;
  }
  l->uri_len = (uint16_t)(p - l->uri);
  l->params = ++p;
  if(p < end && *p != ',' && *p != ';') {
    return -1;
  }
  while(p < end && *p != ',') {
    if(*p == '"') {
      for(p++; p < end && *p != '"'; p++) {
        if(*p == '\\') {
          p++;
        }
      }
      if(p >= end) {
        return -1; /* unterminated quoted string */
      }
    } else if(*p == '<' || *p == '>') {
      return -1;
    }
    p++;
  }
  l->params_len = (uint16_t)(p - l->params);
  if(p < end) {
    p++;
    if(p >= end) {
      return -1; /* trailing comma */
    }
  }
  *pp = p;
  return 1;
}

int
lwm2m_path_parse(const char *s, uint16_t len, lwm2m_path_t *path)
{
  const char *e = s + len;
  path->len = 0;
  if(s >= e || *s != '/') {
    return -1;
  }
  s++;
  if(s == e) {
    return 0; /* "/" */
  }
  for(;;) {
    uint32_t v = 0;
    const char *d = s;
    for(; s < e && *s >= '0' && *s <= '9' && v < 0x10000; s++) {
      v = v * 10 + (uint32_t)(*s - '0');
    }
    if(s == d || v >= LWM2M_NO_ID || path->len == 4) {
      return -1;
    }
    path->id[path->len++] = (uint16_t)v;
    if(s == e) {
      return 0;
    }
    if(*s++ != '/') {
      return -1;
    }
    if(s == e) {
      return 0; /* trailing slash as in a SenML base name "/3/0/" */
    }
  }
}
