/* CoAP message parsing and building (RFC 7252 section 3). */
#include "coap.h"

#include <string.h>

/* Reads one extended delta/length nibble. Returns -1 if it runs past end or is the reserved 15. */
static int32_t
ext_nibble(uint8_t nib, const uint8_t **p, const uint8_t *end)
{
  int32_t v = nib;
  if(nib == 13) {
    if(*p >= end) {
      return -1;
    }
    v = 13 + **p;
    (*p)++;
  } else if(nib == 14) {
    if(end - *p < 2) {
      return -1;
    }
    v = 269 + (((*p)[0] << 8) | (*p)[1]);
    *p += 2;
  } else if(nib == 15) {
    return -1;
  }
  return v;
}

/* One option at it->p: 1 ok, 0 end / payload marker, -1 malformed. */
static int
opt_step(coap_opt_iter_t *it, const uint8_t **val, uint16_t *len)
{
  const uint8_t *p = it->p;
  int32_t d, l;
  uint8_t h;
  if(p >= it->end || *p == 0xFF) {
    return 0;
  }
  h = *p++;
  d = ext_nibble(h >> 4, &p, it->end);
  l = ext_nibble(h & 15, &p, it->end);
  if(d < 0 || l < 0 || l > it->end - p || it->num + d > 0xFFFF) {
    return -1;
  }
  it->num = (uint16_t)(it->num + d);
  *val = p;
  *len = (uint16_t)l;
  it->p = p + l;
  return 1;
}

uint32_t
coap_uint_decode(const uint8_t *v, uint16_t len)
{
  uint32_t r = 0;
  while(len--) {
    r = (r << 8) | *v++;
  }
  return r;
}

/* Critical options this implementation understands; others make bad_option set. */
static int
known_critical(uint16_t n)
{
  return n == COAP_OPT_URI_HOST || n == COAP_OPT_URI_PORT || n == COAP_OPT_URI_PATH ||
         n == COAP_OPT_URI_QUERY || n == COAP_OPT_ACCEPT || n == COAP_OPT_BLOCK2 ||
         n == COAP_OPT_BLOCK1;
}

int
coap_parse(coap_msg_t *m, const uint8_t *buf, uint16_t len)
{
  coap_opt_iter_t it;
  const uint8_t *v;
  uint16_t l;
  int r;

  memset(m, 0, sizeof(*m));
  m->content_format = m->accept = COAP_NO_CF;
  m->observe = m->block1 = m->block2 = m->size1 = COAP_NONE;
  if(len < 4) {
    return COAP_ERR_SHORT;
  }
  if((buf[0] >> 6) != 1) {
    return COAP_ERR_VERSION;
  }
  m->type = (buf[0] >> 4) & 3;
  m->tkl = buf[0] & 15;
  m->code = buf[1];
  m->mid = (uint16_t)((buf[2] << 8) | buf[3]);
  if(m->tkl > COAP_MAX_TKL || 4u + m->tkl > len) {
    return COAP_ERR_TKL;
  }
  {
    uint8_t cls = m->code >> 5;
    if(cls == 1 || cls >= 6) {
      return COAP_ERR_CLASS;
    }
  }
  if(m->code == COAP_EMPTY && (len != 4 || m->tkl)) {
    return COAP_ERR_EMPTY;
  }
  memcpy(m->token, buf + 4, m->tkl);
  it.p = m->opts = buf + 4 + m->tkl;
  it.end = buf + len;
  it.num = 0;
  while((r = opt_step(&it, &v, &l)) > 0) {
    uint16_t n = it.num;
    /* uint-valued options longer than their maximum are treated as unrecognised (5.4.1/5.4.3) */
    switch(n) {
    case COAP_OPT_CONTENT_FORMAT:
    case COAP_OPT_ACCEPT:
      if(l <= 2) {
        if(n == COAP_OPT_ACCEPT) {
          m->accept = (uint16_t)coap_uint_decode(v, l);
        } else {
          m->content_format = (uint16_t)coap_uint_decode(v, l);
        }
        continue;
      }
      break;
    case COAP_OPT_OBSERVE:
    case COAP_OPT_BLOCK1:
    case COAP_OPT_BLOCK2:
      if(l <= 3) {
        uint32_t x = coap_uint_decode(v, l);
        if(n == COAP_OPT_OBSERVE) {
          m->observe = x;
          continue;
        }
        if(COAP_BLOCK_SZX(x) != 7) { /* SZX 7 is reserved: treat as unrecognised */
          *(n == COAP_OPT_BLOCK1 ? &m->block1 : &m->block2) = x;
          continue;
        }
      }
      break;
    case COAP_OPT_SIZE1:
      if(l <= 4) {
        m->size1 = coap_uint_decode(v, l);
      }
      continue;
    default:
      if(!(n & 1) || known_critical(n)) {
        continue;
      }
      break;
    }
    if((n & 1) && !m->bad_option) {
      m->bad_option = n < 255 ? (uint8_t)n : 255;
    }
  }
  if(r < 0) {
    return COAP_ERR_OPTION;
  }
  m->opts_len = (uint16_t)(it.p - m->opts);
  m->payload = it.end; /* never NULL: empty payload at the end of the datagram */
  if(it.p < it.end) { /* payload marker */
    if(it.end - it.p < 2) {
      return COAP_ERR_PAYLOAD;
    }
    m->payload = it.p + 1;
    m->payload_len = (uint16_t)(it.end - m->payload);
  }
  return 0;
}

const char *
coap_strerror(int err)
{
  static const char *const s[] = {
    "ok", "shorter than header", "bad version", "bad token length", "malformed option",
    "empty payload after marker", "empty message with content", "reserved code class"
  };
  return (err <= 0 && err >= -7) ? s[-err] : "?";
}

void
coap_opt_iter_init(coap_opt_iter_t *it, const coap_msg_t *m)
{
  it->p = m->opts;
  it->end = m->opts + m->opts_len;
  it->num = 0;
}

int
coap_opt_next(coap_opt_iter_t *it, const uint8_t **val, uint16_t *len)
{
  return opt_step(it, val, len) > 0;
}

int
coap_opt_find(coap_opt_iter_t *it, uint16_t num, const uint8_t **val, uint16_t *len)
{
  while(opt_step(it, val, len) > 0) {
    if(it->num == num) {
      return 1;
    }
    if(it->num > num) {
      break;
    }
  }
  return 0;
}

/* ---- building ---- */

void
coap_build_init(coap_build_t *b, uint8_t *buf, uint16_t cap, uint8_t type, uint8_t code,
                uint16_t mid, const uint8_t *token, uint8_t tkl)
{
  b->buf = buf;
  b->cap = cap;
  b->last_opt = 0;
  b->err = tkl > COAP_MAX_TKL || cap < 4u + tkl;
  b->len = 0;
  if(b->err) {
    return;
  }
  buf[0] = (uint8_t)(0x40 | (type << 4) | tkl);
  buf[1] = code;
  buf[2] = (uint8_t)(mid >> 8);
  buf[3] = (uint8_t)mid;
  if(tkl) {
    memcpy(buf + 4, token, tkl);
  }
  b->len = (uint16_t)(4 + tkl);
}

static uint8_t
nibble(uint16_t v, uint8_t *ext, uint8_t *n)
{
  if(v < 13) {
    *n = 0;
    return (uint8_t)v;
  }
  if(v < 269) {
    ext[0] = (uint8_t)(v - 13);
    *n = 1;
    return 13;
  }
  v = (uint16_t)(v - 269);
  ext[0] = (uint8_t)(v >> 8);
  ext[1] = (uint8_t)v;
  *n = 2;
  return 14;
}

void
coap_build_opt(coap_build_t *b, uint16_t num, const void *val, uint16_t len)
{
  uint8_t e[4], nd, nl, h;
  if(b->err || num < b->last_opt) {
    b->err = 1;
    return;
  }
  h = (uint8_t)(nibble((uint16_t)(num - b->last_opt), e, &nd) << 4);
  h |= nibble(len, e + nd, &nl);
  if((uint32_t)b->len + 1 + nd + nl + len > b->cap) {
    b->err = 1;
    return;
  }
  b->buf[b->len++] = h;
  memcpy(b->buf + b->len, e, nd + nl);
  b->len = (uint16_t)(b->len + nd + nl);
  memcpy(b->buf + b->len, val, len);
  b->len = (uint16_t)(b->len + len);
  b->last_opt = num;
}

void
coap_build_opt_uint(coap_build_t *b, uint16_t num, uint32_t v)
{
  uint8_t t[4];
  uint8_t n = 0;
  /* minimal big-endian encoding, zero is the empty string */
  for(int s = 24; s >= 0; s -= 8) {
    if(n || (v >> s)) {
      t[n++] = (uint8_t)(v >> s);
    }
  }
  coap_build_opt(b, num, t, n);
}

void
coap_build_opt_str(coap_build_t *b, uint16_t num, const char *s)
{
  coap_build_opt(b, num, s, (uint16_t)strlen(s));
}

void
coap_build_path(coap_build_t *b, uint16_t num, const char *path)
{
  while(*path) {
    const char *e;
    if(*path == '/') {
      path++;
      continue;
    }
    for(e = path; *e && *e != '/'; e++) {
    }
    coap_build_opt(b, num, path, (uint16_t)(e - path));
    path = e;
  }
}

uint8_t *
coap_build_payload_ptr(coap_build_t *b, uint16_t *room)
{
  *room = (!b->err && b->cap > b->len + 1) ? (uint16_t)(b->cap - b->len - 1) : 0;
  return b->buf + b->len + 1;
}

void
coap_build_payload_end(coap_build_t *b, uint16_t n)
{
  if(!n || b->err) {
    return;
  }
  if((uint32_t)b->len + 1 + n > b->cap) {
    b->err = 1;
    return;
  }
  b->buf[b->len] = 0xFF;
  b->len = (uint16_t)(b->len + 1 + n);
  b->last_opt = 0xFFFF; /* no options after the payload */
}

void
coap_build_payload(coap_build_t *b, const void *data, uint16_t n)
{
  uint16_t room;
  uint8_t *p = coap_build_payload_ptr(b, &room);
  if(n > room) {
    b->err = 1;
    return;
  }
  memmove(p, data, n);
  coap_build_payload_end(b, n);
}

uint16_t
coap_build_end(coap_build_t *b)
{
  return b->err ? 0 : b->len;
}

/* ---- windowed writer ---- */

void
coap_win_init(coap_win_t *w, uint8_t *p, uint16_t cap, uint32_t skip)
{
  w->p = p;
  w->cap = p ? cap : 0;
  w->skip = skip;
  w->pos = 0;
  w->sum = 0;
}

void
coap_win_put(coap_win_t *w, const void *data, uint16_t n)
{
  const uint8_t *d = data;
  uint32_t start = w->pos, end = w->pos + n;
  uint32_t lo = w->skip, hi = w->skip + w->cap;
  w->pos = end;
  for(uint16_t i = 0; i < n; i++) { /* FNV-1a step, folded to 16 bits */
    uint32_t h = (w->sum ^ d[i]) * 16777619u;
    w->sum = (uint16_t)(h ^ h >> 16);
  }
  if(end <= lo || start >= hi) {
    return;
  }
  if(start < lo) {
    d += lo - start;
    start = lo;
  }
  if(end > hi) {
    end = hi;
  }
  memcpy(w->p + (start - lo), d, end - start);
}

void
coap_win_str(coap_win_t *w, const char *s)
{
  coap_win_put(w, s, (uint16_t)strlen(s));
}

void
coap_win_byte(coap_win_t *w, uint8_t c)
{
  coap_win_put(w, &c, 1);
}

uint16_t
coap_win_len(const coap_win_t *w)
{
  if(w->pos <= w->skip) {
    return 0;
  }
  return (uint16_t)(w->pos - w->skip < w->cap ? w->pos - w->skip : w->cap);
}
