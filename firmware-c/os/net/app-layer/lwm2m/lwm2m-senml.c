/* SenML JSON (RFC 8428, content format 110) as used by LwM2M 1.1: writer and reader.
 * Names are full paths ("bn" + "n"); values v (number), vs (string), vb (bool), vd (base64url
 * data), vlo (object link "3:0"). Times and units are accepted and ignored. */
#include "lwm2m.h"

#include <string.h>

#if LWM2M_WITH_SENML

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
json_str(coap_win_t *w, const uint8_t *s, uint16_t n)
{
  coap_win_byte(w, '"');
  for(uint16_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if(c == '"' || c == '\\') {
      coap_win_byte(w, '\\');
      coap_win_byte(w, c);
    } else if(c < 0x20) {
      char u[6] = { '\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15] };
      coap_win_put(w, u, 6);
    } else {
      coap_win_byte(w, c);
    }
  }
  coap_win_byte(w, '"');
}

void
lwm2m_senml_record(coap_win_t *w, uint8_t first, const lwm2m_path_t *p, uint8_t type,
                   const lwm2m_value_t *v)
{
  coap_win_str(w, first ? "[{\"n\":\"" : ",{\"n\":\"");
  for(uint8_t i = 0; i < p->len; i++) {
    coap_win_byte(w, '/');
    lwm2m_text_int(w, p->id[i]);
  }
  switch(type) {
  case LWM2M_T_STR:
    coap_win_str(w, "\",\"vs\":");
    json_str(w, v->p, v->len);
    break;
  case LWM2M_T_OPAQUE: {
    uint32_t acc = 0;
    int bits = 0;
    coap_win_str(w, "\",\"vd\":\"");
    for(uint16_t i = 0; i < v->len; i++) {
      acc = (acc << 8) | v->p[i];
      bits += 8;
      while(bits >= 6) {
        bits -= 6;
        coap_win_byte(w, (uint8_t)b64[(acc >> bits) & 63]);
      }
    }
    if(bits) {
      coap_win_byte(w, (uint8_t)b64[(acc << (6 - bits)) & 63]);
    }
    coap_win_byte(w, '"');
    break;
  }
  case LWM2M_T_BOOL:
    coap_win_str(w, v->i ? "\",\"vb\":true" : "\",\"vb\":false");
    break;
  case LWM2M_T_OBJLNK:
    coap_win_str(w, "\",\"vlo\":\"");
    lwm2m_text_encode(w, type, v);
    coap_win_byte(w, '"');
    break;
  default:
    coap_win_str(w, "\",\"v\":");
    lwm2m_text_encode(w, type, v);
    break;
  }
  coap_win_byte(w, '}');
}

/* ---- reader ---- */

static void
ws(lwm2m_senml_reader_t *r)
{
  while(r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
    r->p++;
  }
}

static int
expect(lwm2m_senml_reader_t *r, char c)
{
  ws(r);
  if(r->p < r->end && *r->p == c) {
    r->p++;
    return 0;
  }
  return -1;
}

static int
hexval(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* JSON string into out (cap bytes, unescaped; \u escapes above 0xFF are refused). */
static int
jstring(lwm2m_senml_reader_t *r, char *out, uint16_t cap, uint16_t *n)
{
  *n = 0;
  if(expect(r, '"') < 0) {
    return -1;
  }
  while(r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if((uint8_t)c < 0x20) {
      return -1;
    }
    if(c == '\\') {
      if(r->p >= r->end) {
        return -1;
      }
      c = *r->p++;
      switch(c) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case '"': case '\\': case '/': break;
      case 'u': {
        int v = 0;
        for(int i = 0; i < 4; i++) {
          int h = r->p < r->end ? hexval(*r->p++) : -1;
          if(h < 0) {
            return -1;
          }
          v = (v << 4) | h;
        }
        if(v > 0xFF) {
          return -1;
        }
        c = (char)v;
        break;
      }
      default:
        return -1;
      }
    }
    if(*n >= cap) {
      return -1;
    }
    out[(*n)++] = c;
  }
  if(r->p >= r->end) {
    return -1;
  }
  r->p++;
  return 0;
}

static int
b64dec(char *s, uint16_t n, uint16_t *out_n)
{
  uint32_t acc = 0;
  int bits = 0;
  uint16_t o = 0;
  for(uint16_t i = 0; i < n; i++) {
    const char *c = memchr(b64, s[i], 64);
    if(s[i] == '=') {
      break;
    }
    if(!c) { /* standard alphabet too */
      c = s[i] == '+' ? b64 + 62 : s[i] == '/' ? b64 + 63 : NULL;
      if(!c) {
        return -1;
      }
    }
    acc = (acc << 6) | (uint32_t)(c - b64);
    bits += 6;
    if(bits >= 8) {
      bits -= 8;
      s[o++] = (char)(acc >> bits); /* o < i: decoding in place is safe */
    }
  }
  *out_n = o;
  return 0;
}

int
lwm2m_senml_next(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec)
{
  char key[8], name[24], junk[16];
  uint16_t kn, nn = 0;
  if(r->state == 2) {
    return 0;
  }
  if(r->state == 0) {
    if(expect(r, '[') < 0) {
      return -1;
    }
    r->state = 1;
    ws(r);
    if(r->p < r->end && *r->p == ']') {
      r->p++;
      r->state = 2;
      return 0;
    }
  } else {
    ws(r);
    if(r->p < r->end && *r->p == ']') {
      r->p++;
      r->state = 2;
      ws(r);
      return r->p == r->end ? 0 : -1;
    }
    if(expect(r, ',') < 0) {
      return -1;
    }
  }
  rec->kind = 0;
  rec->str_len = 0;
  if(expect(r, '{') < 0) {
    return -1;
  }
  ws(r);
  if(r->p < r->end && *r->p == '}') {
    r->p++;
    return -1; /* a record without a value */
  }
  for(;;) {
    if(jstring(r, key, sizeof(key), &kn) < 0 || expect(r, ':') < 0) {
      return -1;
    }
    /* must-understand labels (RFC 8428 4.4), and base value / sum (values to add up): refused */
    if((kn && key[kn - 1] == '_') || (kn == 2 && key[0] == 'b' && (key[1] == 'v' || key[1] == 's'))) {
      return -1;
    }
    ws(r);
    if(kn == 2 && !memcmp(key, "bn", 2)) {
      if(jstring(r, r->bn, sizeof(r->bn), &kn) < 0) {
        return -1;
      }
      r->bn_len = (uint8_t)kn;
    } else if(kn == 1 && key[0] == 'n') {
      if(jstring(r, name, sizeof(name), &nn) < 0) {
        return -1;
      }
    } else if(r->p < r->end && *r->p == '"') { /* vs, vd, vlo, bu, u ... */
      uint8_t k = kn == 2 && key[0] == 'v' ? (uint8_t)key[1] : (kn == 3 && !memcmp(key, "vlo", 3)) ? 'o' : 0;
      if(k && k != 's' && k != 'd' && k != 'o') {
        return -1;
      }
      if(k) {
        if(rec->kind || jstring(r, rec->str, sizeof(rec->str), &rec->str_len) < 0 ||
           (k == 'd' && b64dec(rec->str, rec->str_len, &rec->str_len) < 0)) {
          return -1;
        }
        rec->kind = k;
      } else if(jstring(r, junk, sizeof(junk), &kn) < 0) { /* unit etc.: skipped */
        return -1;
      }
    } else { /* number, true, false */
      const char *s = r->p;
      while(r->p < r->end && *r->p != ',' && *r->p != '}' && *r->p != ' ' && *r->p != '\n') {
        r->p++;
      }
      if(r->p == s) {
        return -1;
      }
      if(kn == 2 && !memcmp(key, "vb", 2)) {
        uint16_t l = (uint16_t)(r->p - s);
        if(rec->kind || (!(l == 4 && !memcmp(s, "true", 4)) && !(l == 5 && !memcmp(s, "false", 5)))) {
          return -1;
        }
        rec->kind = 'b';
        rec->ival = l == 4;
      } else {
        for(const char *c = s; c < r->p; c++) {
          if(!((*c >= '0' && *c <= '9') || *c == '-' || *c == '+' || *c == '.' || *c == 'e' ||
               *c == 'E')) {
            return -1; /* not a JSON number (its value is checked against the resource type) */
          }
        }
        if(kn == 4 && !memcmp(key, "bver", 4)) {
          int32_t ver;
          if(lwm2m_parse_int(s, (uint16_t)(r->p - s), &ver) < 0 || ver < 0 || ver > 10) {
            return -1; /* a later SenML version than this reader knows */
          }
        }
        if(kn == 1 && key[0] == 'v') {
          if(rec->kind) {
            return -1; /* one value a record */
          }
          rec->kind = 'v';
          rec->num = s;
          rec->num_len = (uint16_t)(r->p - s);
        }
      }
    }
    ws(r);
    if(r->p < r->end && *r->p == ',') {
      r->p++;
      continue;
    }
    if(expect(r, '}') < 0) {
      return -1;
    }
    break;
  }
  return lwm2m_senml_name(r, name, nn, &rec->path);
}

#endif /* LWM2M_WITH_SENML */

/* ---- shared with SenML CBOR (lwm2m-senml-cbor.c) ---- */

#if LWM2M_WITH_SENML || LWM2M_WITH_SENML_CBOR

int
lwm2m_senml_name(const lwm2m_senml_reader_t *r, const char *name, uint16_t n, lwm2m_path_t *p)
{
  char full[sizeof(r->bn) + 24];
  if(r->bn_len + n > sizeof(full)) {
    return -1;
  }
  memcpy(full, r->bn, r->bn_len);
  memcpy(full + r->bn_len, name, n);
  return lwm2m_path_parse(full, (uint16_t)(r->bn_len + n), p) < 0 ? -1 : 1;
}

void
lwm2m_senml_reader_init(lwm2m_senml_reader_t *r, const uint8_t *p, uint16_t len)
{
  r->p = (const char *)p;
  r->end = r->p + len;
  r->bn_len = 0;
  r->state = 0;
}

int
lwm2m_senml_decode(const lwm2m_senml_rec_t *rec, uint8_t type, lwm2m_value_t *v)
{
  v->p = (const uint8_t *)rec->str;
  v->len = rec->str_len;
  v->i = 0;
  switch(rec->kind) {
  case 's':
    return type == LWM2M_T_STR ? 0 : -1;
  case 'd':
    return type == LWM2M_T_OPAQUE ? 0 : -1;
  case 'o':
    return type == LWM2M_T_OBJLNK ? lwm2m_text_decode(type, v->p, v->len, v) : -1;
  case 'b':
    v->i = rec->ival;
    return type == LWM2M_T_BOOL ? 0 : -1;
  case 'i': /* a CBOR integer: also a float's whole value, if it has one in thousandths */
    v->i = rec->ival;
    if(type == LWM2M_T_FLOAT) {
      return __builtin_mul_overflow(rec->ival, 1000, &v->i) ? -1 : 0;
    }
    return type == LWM2M_T_INT || type == LWM2M_T_TIME ? 0 : -1;
  case 'm': /* a CBOR float: also an integer resource's value if it is a whole number */
    v->i = rec->ival;
    if(type == LWM2M_T_INT || type == LWM2M_T_TIME) {
      v->i = rec->ival / 1000;
      return rec->ival % 1000 ? -1 : 0;
    }
    return type == LWM2M_T_FLOAT ? 0 : -1;
  case 'v':
    if(type == LWM2M_T_FLOAT) {
      return lwm2m_parse_milli(rec->num, rec->num_len, &v->i);
    }
    if(type == LWM2M_T_INT || type == LWM2M_T_TIME) {
      return lwm2m_parse_int(rec->num, rec->num_len, &v->i);
    }
    return -1;
  }
  return -1;
}

#endif
