/* SenML CBOR (RFC 8428 section 6, content format 112) as used by LwM2M 1.1: writer and reader.
 * Records are maps with RFC 8428's integer labels (bn -2, n 0, v 2, vs 3, vb 4, vd 8) and LwM2M's
 * text label "vlo" for object links. The writer sends a definite-length array (the engine counts
 * the records first) of maps {n, value}; the reader takes definite or indefinite arrays and maps,
 * integers, half / single / double floats, and skips times, units and other scalar fields. */
#include "lwm2m.h"

#include <string.h>

#if LWM2M_WITH_SENML_CBOR

enum { MAJ_UINT, MAJ_NEG, MAJ_BYTES, MAJ_TEXT, MAJ_ARRAY, MAJ_MAP, MAJ_TAG, MAJ_SIMPLE,
       MAJ_FLOAT /* not a CBOR major type: the reader's name for major 7 with 2, 4 or 8 bytes */ };
enum { LBL_BN = -2, LBL_N = 0, LBL_V = 2, LBL_VS = 3, LBL_VB = 4, LBL_VD = 8 };
#define INDEFINITE 0xFFFFFFFFu /* the argument of an indefinite-length head */
#define BREAK 0xFF

/* ---- writer ---- */

void
lwm2m_cbor_head(coap_win_t *w, uint8_t major, uint32_t n)
{
  uint8_t b[5];
  uint8_t len = 1;
  if(n < 24) {
    b[0] = (uint8_t)(major << 5 | n);
  } else {
    /* 1, 2 or 4 argument bytes (additional info 24, 25, 26), big-endian */
    len = n <= 0xFF ? 2 : n <= 0xFFFF ? 3 : 5;
    b[0] = (uint8_t)(major << 5 | (len == 2 ? 24 : len == 3 ? 25 : 26));
    for(uint8_t i = len - 1; i; i--, n >>= 8) {
      b[i] = (uint8_t)n;
    }
  }
  coap_win_put(w, b, len);
}

/* A text string: path p, else value v of type as plain text, rendered into a small buffer
 * first (its length leads) */
static void
text_of(coap_win_t *w, const lwm2m_path_t *p, uint8_t type, const lwm2m_value_t *v)
{
  uint8_t buf[28]; /* "/65535/65535/65535/65535" or "65535:65535" */
  coap_win_t t;
  coap_win_init(&t, buf, sizeof(buf), 0);
  if(p) {
    for(uint8_t i = 0; i < p->len; i++) {
      coap_win_byte(&t, '/');
      lwm2m_text_int(&t, p->id[i]);
    }
  } else {
    lwm2m_text_encode(&t, type, v);
  }
  lwm2m_cbor_head(w, MAJ_TEXT, coap_win_len(&t));
  coap_win_put(w, buf, coap_win_len(&t));
}

static void
label(coap_win_t *w, int lbl)
{
  lwm2m_cbor_head(w, lbl < 0 ? MAJ_NEG : MAJ_UINT, (uint32_t)(lbl < 0 ? -1 - lbl : lbl));
}

void
lwm2m_senml_cbor_record(coap_win_t *w, const lwm2m_path_t *p, uint8_t type, const lwm2m_value_t *v)
{
  lwm2m_cbor_head(w, MAJ_MAP, 2);
  label(w, LBL_N);
  text_of(w, p, 0, NULL);
  switch(type) {
  case LWM2M_T_STR:
  case LWM2M_T_OPAQUE:
    label(w, type == LWM2M_T_STR ? LBL_VS : LBL_VD);
    lwm2m_cbor_head(w, type == LWM2M_T_STR ? MAJ_TEXT : MAJ_BYTES, v->len);
    coap_win_put(w, v->p, v->len);
    break;
  case LWM2M_T_BOOL:
    label(w, LBL_VB);
    coap_win_byte(w, v->i ? 0xF5 : 0xF4); /* true / false */
    break;
  case LWM2M_T_OBJLNK:
    coap_win_put(w, "\x63vlo", 4); /* the text label "vlo" */
    text_of(w, NULL, type, v);
    break;
  case LWM2M_T_FLOAT: {
    uint8_t d[9] = { 0xFB }; /* binary64: the one nearest the thousandths */
    label(w, LBL_V);
    lwm2m_milli_to_double(v->i, d + 1);
    coap_win_put(w, d, sizeof(d));
    break;
  }
  default: /* integer, time */
    label(w, LBL_V);
    lwm2m_cbor_head(w, v->i < 0 ? MAJ_NEG : MAJ_UINT,
                    v->i < 0 ? ~(uint32_t)v->i : (uint32_t)v->i); /* -1 - i */
  }
}

/* ---- reader ---- */

enum { LBL_BVER = -1, LBL_BV = -5, LBL_BS = -6 };
#define SENML_VERSION 10 /* RFC 8428: the highest base version this reader understands */
#define BIG 1            /* head(): an integer argument above 32 bits */
#define MAX_NESTING 4    /* arrays / maps inside a field this reader skips */

/* One data item head: major type and argument (a count, a length, an integer's magnitude, the
 * simple value; INDEFINITE for an indefinite array or map, whose definite counts stay below
 * 0x10000). A float is MAJ_FLOAT, its bytes left at r->p (*arg: their count). -1 malformed, 0, or
 * BIG for an argument of 8 bytes above 32 bits (*arg then 0xFFFFFFFF: no length or count). */
static int
head(lwm2m_senml_reader_t *r, uint8_t *major, uint32_t *arg)
{
  uint8_t ai, n, hi = 0;
  if(r->p >= r->end) {
    return -1;
  }
  *major = (uint8_t)*r->p >> 5;
  ai = (uint8_t)*r->p++ & 31;
  *arg = ai;
  if(ai < 24) {
    return 0;
  }
  if(ai == 31) {
    *arg = INDEFINITE;
    /* indefinite arrays and maps only (a chunked string is refused, and a lone break too) */
    return *major == MAJ_ARRAY || *major == MAJ_MAP ? 0 : -1;
  }
  if(ai > 27) {
    return -1;
  }
  n = (uint8_t)(1u << (ai - 24)); /* 1, 2, 4, 8 argument bytes */
  if(r->end - r->p < n) {
    return -1;
  }
  if(*major == MAJ_SIMPLE && ai > 24) {
    *major = MAJ_FLOAT;
    *arg = n;
    return 0;
  }
  *arg = 0;
  while(n--) {
    hi |= (uint8_t)(*arg >> 24);
    *arg = *arg << 8 | (uint8_t)*r->p++;
  }
  if(hi) {
    *arg = 0xFFFFFFFFu;
    return BIG;
  }
  if(*major == MAJ_SIMPLE && *arg < 32) {
    return -1; /* a one-byte simple value below 32 is not well-formed (RFC 8949 3.3) */
  }
  return (*major == MAJ_ARRAY || *major == MAJ_MAP) && *arg > 0xFFFF ? -1 : 0;
}

/* A text or byte string of the given major type into out (cap bytes) */
static int
string(lwm2m_senml_reader_t *r, uint8_t want, char *out, uint16_t cap, uint16_t *n)
{
  uint8_t major;
  uint32_t len;
  if(head(r, &major, &len) != 0 || major != want || len > cap || len > (uint32_t)(r->end - r->p)) {
    return -1;
  }
  memcpy(out, r->p, len);
  r->p += len;
  *n = (uint16_t)len;
  return 0;
}

/* At the end of a definite (left counted down to 0) or indefinite (a break next) container;
 * consumes the break */
static int
at_end(lwm2m_senml_reader_t *r, uint32_t *left)
{
  if(*left == INDEFINITE) {
    if(r->p < r->end && (uint8_t)*r->p == BREAK) {
      r->p++;
      return 1;
    }
    return 0;
  }
  if(!*left) {
    return 1;
  }
  (*left)--;
  return 0;
}

/* Skips one data item, tags and nested arrays / maps (MAX_NESTING deep) included: the value of a
 * field this reader does not use */
static int
skip(lwm2m_senml_reader_t *r, uint8_t depth)
{
  uint8_t major;
  uint32_t arg;
  int h;
  do {
    if((h = head(r, &major, &arg)) < 0) {
      return -1;
    }
  } while(major == MAJ_TAG);
  if(major == MAJ_BYTES || major == MAJ_TEXT || major == MAJ_FLOAT) { /* head checked a float's */
    if(h || arg > (uint32_t)(r->end - r->p)) {
      return -1;
    }
    r->p += arg;
  } else if(major == MAJ_ARRAY || major == MAJ_MAP) {
    uint32_t left = arg == INDEFINITE || major == MAJ_ARRAY ? arg : 2 * arg;
    if(depth == MAX_NESTING) {
      return -1;
    }
    while(!at_end(r, &left)) {
      if(r->p >= r->end || skip(r, (uint8_t)(depth + 1)) < 0) {
        return -1;
      }
    }
  }
  return 0;
}

/* A decimal fraction (tag 4: [exponent, mantissa], both integers) in thousandths */
static int
decimal(lwm2m_senml_reader_t *r, int32_t *out)
{
  uint8_t major;
  uint32_t arg;
  int64_t part[2], m;
  if(head(r, &major, &arg) != 0 || major != MAJ_ARRAY || arg != 2) {
    return -1;
  }
  for(int i = 0; i < 2; i++) {
    if(head(r, &major, &arg) != 0 || (major != MAJ_UINT && major != MAJ_NEG)) {
      return -1;
    }
    part[i] = major == MAJ_NEG ? -1 - (int64_t)arg : (int64_t)arg;
  }
  m = part[1];
  /* |m| <= 2^32: 10^-13 times that is below half a thousandth, 10^7 times it beyond int32
   * thousandths unless 0 */
  if(part[0] < -12 || (part[0] > 6 && !m)) {
    *out = 0;
    return 0;
  }
  if(part[0] > 6) {
    return -1;
  }
  if(part[0] + 3 >= 0) {
    for(int64_t e = part[0] + 3; e > 0; e--) {
      m *= 10; /* at most 10^9 times: within int64 */
    }
  } else {
    int64_t d = 1;
    for(int64_t e = part[0] + 3; e < 0; e++) {
      d *= 10;
    }
    m = (m + (m < 0 ? -d : d) / 2) / d; /* rounded once, half away from zero */
  }
  if(m < INT32_MIN || m > INT32_MAX) {
    return -1;
  }
  *out = (int32_t)m;
  return 0;
}

/* A number: an integer (kind 'i'), or a float or decimal fraction in thousandths (kind 'm'),
 * into rec->ival */
static int
number(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec)
{
  uint8_t major, b[4];
  uint32_t arg;
  if(head(r, &major, &arg) != 0) {
    return -1; /* (an integer above 32 bits too) */
  }
  rec->kind = 'm';
  if(major == MAJ_UINT || major == MAJ_NEG) {
    if(arg > INT32_MAX) { /* beyond int32 either way (a negative one is -1 - arg) */
      return -1;
    }
    rec->ival = major == MAJ_NEG ? (int32_t)~arg : (int32_t)arg;
    rec->kind = 'i';
    return 0;
  }
  if(major == MAJ_TAG && arg == 4) {
    return decimal(r, &rec->ival);
  }
  if(major != MAJ_FLOAT) {
    return -1;
  }
  if(arg == 2) { /* binary16 as binary32: same sign, exponent rebiased 15 -> 127, mantissa << 13 */
    uint32_t h = (uint32_t)(uint8_t)r->p[0] << 8 | (uint8_t)r->p[1];
    uint32_t e = h >> 10 & 31, f = (h & 0x8000) << 16 | (h & 0x3FF) << 13;
    if(e == 31) {
      return -1; /* infinity, NaN */
    }
    if(e) { /* a subnormal is below 0.0001: zero in thousandths (f keeps exponent 0) */
      f |= (e + 112) << 23;
    }
    for(int i = 3; i >= 0; i--, f >>= 8) {
      b[i] = (uint8_t)f;
    }
    r->p += 2;
    return lwm2m_float_to_milli(b, 4, &rec->ival);
  }
  r->p += arg;
  return lwm2m_float_to_milli((const uint8_t *)r->p - arg, arg, &rec->ival);
}

int
lwm2m_senml_cbor_next(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec)
{
  char name[24];
  uint16_t nn = 0, kn;
  uint8_t major;
  uint32_t pairs;
  if(r->state == 2) {
    return 0;
  }
  if(r->state == 0) {
    if(head(r, &major, &r->left) != 0 || major != MAJ_ARRAY) {
      return -1;
    }
    r->state = 1;
  }
  if(at_end(r, &r->left)) {
    r->state = 2;
    return r->p == r->end ? 0 : -1; /* nothing after the array */
  }
  rec->kind = 0;
  rec->str_len = 0;
  if(head(r, &major, &pairs) != 0 || major != MAJ_MAP) {
    return -1;
  }
  while(!at_end(r, &pairs)) {
    uint32_t key;
    int lbl, h;
    uint8_t had = rec->kind;
    if((h = head(r, &major, &key)) < 0) {
      return -1;
    }
    if(major == MAJ_TEXT) { /* "vlo", or a label this reader does not know */
      char k[4];
      if(h || key > (uint32_t)(r->end - r->p)) {
        return -1;
      }
      memcpy(k, r->p, key < 4 ? key : 4);
      r->p += key;
      if(key && r->p[-1] == '_') {
        return -1; /* a label that must be understood (RFC 8428 4.4) */
      }
      if(key == 3 && !memcmp(k, "vlo", 3)) {
        if(had || string(r, MAJ_TEXT, rec->str, sizeof(rec->str), &rec->str_len) < 0) {
          return -1;
        }
        rec->kind = 'o';
      } else if(skip(r, 0) < 0) {
        return -1;
      }
      continue;
    }
    if(major != MAJ_UINT && major != MAJ_NEG) {
      return -1;
    }
    lbl = h || key > 0x7FFF ? 0x7FFF : major == MAJ_NEG ? -1 - (int)key : (int)key;
    switch(lbl) {
    case LBL_BN:
      if(string(r, MAJ_TEXT, r->bn, sizeof(r->bn), &kn) < 0) {
        return -1;
      }
      r->bn_len = (uint8_t)kn;
      break;
    case LBL_N:
      if(string(r, MAJ_TEXT, name, sizeof(name), &nn) < 0) {
        return -1;
      }
      break;
    case LBL_V:
      if(had || number(r, rec) < 0) {
        return -1;
      }
      break;
    case LBL_VS:
    case LBL_VD:
      if(had || string(r, lbl == LBL_VS ? MAJ_TEXT : MAJ_BYTES, rec->str, sizeof(rec->str),
                       &rec->str_len) < 0) {
        return -1;
      }
      rec->kind = lbl == LBL_VS ? 's' : 'd';
      break;
    case LBL_VB:
      if(had || head(r, &major, &key) != 0 || major != MAJ_SIMPLE || (key != 20 && key != 21)) {
        return -1;
      }
      rec->kind = 'b';
      rec->ival = key == 21;
      break;
    case LBL_BVER:
      if(head(r, &major, &key) != 0 || major != MAJ_UINT || key > SENML_VERSION) {
        return -1; /* a later SenML version than this reader knows (RFC 8428 4.4) */
      }
      break;
    case LBL_BV:
    case LBL_BS:
      return -1; /* base value / sum: values would need adding up, which LwM2M never asks */
    default: /* times, units, sums, versions: not used here */
      if(skip(r, 0) < 0) {
        return -1;
      }
    }
  }
  return lwm2m_senml_name(r, name, nn, &rec->path);
}

#endif /* LWM2M_WITH_SENML_CBOR */
