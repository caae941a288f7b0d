/* CoAP endpoint: transactions, deduplication, request dispatch, block-wise, observe. */
#include "coap-engine.h"

#include <string.h>

#define SIZE(szx) COAP_BLOCK_SIZE(szx)
#define DUE(t, now) ((int32_t)((t) - (now)) <= 0)
#define RESP_CAP (COAP_MAX_PDU - COAP_RESP_HEADROOM)

uint16_t
coap_ep_hash(const coap_ep_t *ep)
{
  uint16_t h = ep->port;
  for(int i = 0; i < 16; i++) {
    h = (uint16_t)((h << 5) + (h >> 11) + ep->addr[i]);
  }
  return h;
}

int
coap_ep_equal(const coap_ep_t *a, const coap_ep_t *b)
{
  return a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

void
coap_init(coap_ctx_t *c, coap_send_fn send, coap_rand_fn rnd, coap_handler_fn handler,
          void *user, uint32_t now)
{
  memset(c, 0, sizeof(*c));
  c->send = send;
  c->rand = rnd;
  c->handler = handler;
  c->user = user;
  c->now = now;
  c->next_mid = (uint16_t)rnd(user);
}

static void
raw_send(coap_ctx_t *c, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  c->stats.tx++;
  c->send(c->user, to, buf, len);
}

/* Empty ACK or RST */
static void
send_empty(coap_ctx_t *c, const coap_ep_t *to, uint8_t type, uint16_t mid)
{
  uint8_t h[4] = { (uint8_t)(0x40 | (type << 4)), 0, (uint8_t)(mid >> 8), (uint8_t)mid };
  raw_send(c, to, h, 4);
}

/* ---- client side ---- */

static int
trans_send(coap_ctx_t *c, coap_trans_t *t)
{
  coap_build_t b;
  uint16_t len;
  coap_build_init(&b, c->tx, COAP_MAX_PDU, t->type, t->code, t->mid, t->token, t->tkl);
  t->build(c, t, &b);
  len = coap_build_end(&b);
  if(!len) {
    return -1;
  }
  raw_send(c, &t->ep, c->tx, len);
  return 0;
}

/* Tells the owner the exchange ended (msg NULL: failed) and frees the slot unless reused. */
static void
trans_finish(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *m)
{
  if(t->obs) {
    t->obs->con_pending = 0;
    if(!m || m->type == COAP_RST) {
      t->obs->active = 0; /* RFC 7641 4.5: a failed or rejected notification ends the observation */
    }
  }
  t->state = COAP_T_IN_CB;
  if(t->resp) {
    t->resp(c, t, m);
  }
  if(t->state == COAP_T_IN_CB) {
    t->state = COAP_T_FREE;
  }
}

/* (Re)starts sending t under a fresh message ID. */
static void
trans_start(coap_ctx_t *c, coap_trans_t *t)
{
  t->mid = c->next_mid++;
  t->retries = 0;
  if(t->type == COAP_CON) {
    t->state = COAP_T_WAIT_ACK;
    /* initial timeout random in [ACK_TIMEOUT, ACK_TIMEOUT * 1.5] */
    t->timeout = COAP_ACK_TIMEOUT_MS + c->rand(c->user) % (COAP_ACK_TIMEOUT_MS / 2 + 1);
  } else {
    t->state = COAP_T_WAIT_RESP;
    t->timeout = COAP_SEPARATE_TIMEOUT_MS;
  }
  t->deadline = c->now + t->timeout;
  if(trans_send(c, t) < 0) {
    trans_finish(c, t, NULL);
  }
}

coap_trans_t *
coap_request(coap_ctx_t *c, const coap_ep_t *to, uint8_t type, uint8_t code,
             const uint8_t *token, uint8_t tkl, coap_build_fn build, coap_resp_fn resp,
             void *arg)
{
  coap_trans_t *t = c->trans;
  for(; t < c->trans + COAP_MAX_TRANS; t++) {
    if(t->state == COAP_T_FREE) {
      break;
    }
  }
  if(t == c->trans + COAP_MAX_TRANS) {
    return NULL;
  }
  memset(t, 0, sizeof(*t));
  t->ep = *to;
  t->type = type;
  t->code = code;
  t->build = build;
  t->resp = resp;
  t->arg = arg;
  t->b1szx = COAP_PREF_SZX;
  t->b2szx = 7;
  if(token) {
    t->tkl = tkl > COAP_MAX_TKL ? COAP_MAX_TKL : tkl;
    memcpy(t->token, token, t->tkl);
  } else {
    uint32_t r = c->rand(c->user);
    t->tkl = 4;
    memcpy(t->token, &r, 4);
  }
  trans_start(c, t);
  return t->state == COAP_T_FREE ? NULL : t;
}

void
coap_trans_cancel(coap_ctx_t *c, coap_trans_t *t)
{
  (void)c;
  if(t) {
    t->state = COAP_T_FREE;
  }
}

void
coap_build_body(coap_trans_t *t, coap_build_t *b, coap_render_fn render, void *arg)
{
  /* a notification's body is a response body: oversize ones carry Block2 (RFC 7959 2.6) */
  int is_resp = t->code >= 64;
  uint16_t room, size, n;
  uint8_t *p, *q;
  coap_win_t w;

  if(t->b2szx != 7 && !is_resp) {
    coap_build_opt_uint(b, COAP_OPT_BLOCK2, COAP_BLOCK(t->b2num, 0, t->b2szx));
  }
  if(!render) {
    return;
  }
  p = coap_build_payload_ptr(b, &room);
  if(room <= 10) {
    b->err = 1;
    return;
  }
  room -= 10; /* Block1/Block2 (4) + Size1 (6) may come before the payload */
  q = p + 10;
  t->b1used = 0;
  if(!t->b1num && !t->b1force) {
    coap_win_init(&w, q, room, 0);
    render(arg, &w);
    if(w.pos <= room) {
      memmove(p, q, w.pos);
      coap_build_payload_end(b, (uint16_t)w.pos);
      return;
    }
  }
  {
    uint32_t off = t->b1num << (t->b1szx + 4);
    while(SIZE(t->b1szx) > room && t->b1szx) {
      t->b1szx--;
    }
    t->b1num = off >> (t->b1szx + 4);
  }
  size = (uint16_t)SIZE(t->b1szx);
  coap_win_init(&w, q, size, t->b1num * size);
  render(arg, &w);
  if(w.skip >= w.pos || size > room) {
    b->err = 1; /* asked for a block past the end */
    return;
  }
  t->b1more = w.skip + size < w.pos;
  t->b1used = 1;
  coap_build_opt_uint(b, is_resp ? COAP_OPT_BLOCK2 : COAP_OPT_BLOCK1,
                      COAP_BLOCK(t->b1num, t->b1more, t->b1szx));
  if(!t->b1num && !is_resp) {
    coap_build_opt_uint(b, COAP_OPT_SIZE1, w.pos);
  }
  n = coap_win_len(&w);
  p = coap_build_payload_ptr(b, &room);
  memmove(p, q, n);
  coap_build_payload_end(b, n);
}

void
coap_build_notification(coap_trans_t *t, coap_build_t *b, const coap_observer_t *o, uint16_t cf,
                        coap_render_fn render, void *arg)
{
  coap_win_t w;
  coap_win_init(&w, NULL, 0, 0);
  render(arg, &w); /* a first pass for its length and ETag: options come before the body */
  if(w.pos + b->len + 21 > b->cap) { /* block-wise, or nearly (Observe, Content-Format, the
                                      * body's 10 and its marker) */
    coap_build_opt_uint(b, COAP_OPT_ETAG, w.sum | 0x8000u); /* RFC 7959 2.6, as handle_request */
  }
  coap_build_opt_uint(b, COAP_OPT_OBSERVE, o->seq);
  coap_build_opt_uint(b, COAP_OPT_CONTENT_FORMAT, cf);
  coap_build_body(t, b, render, arg);
}

/* A response for t: Block1 continuation / 4.13 renegotiation, Block2 continuation, or done. */
static void
trans_response(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *m)
{
  uint8_t cls = m->code >> 5;
  if(m->code == COAP_CONTINUE && t->b1used && t->b1more) {
    uint32_t off = (t->b1num + 1) << (t->b1szx + 4);
    if(m->block1 != COAP_NONE && COAP_BLOCK_SZX(m->block1) < t->b1szx) {
      t->b1szx = (uint8_t)COAP_BLOCK_SZX(m->block1); /* server prefers smaller blocks */
    }
    t->b1num = off >> (t->b1szx + 4);
    trans_start(c, t);
    return;
  }
  if(m->code == COAP_TOO_LARGE) {
    uint8_t szx = t->b1szx;
    if(m->block1 != COAP_NONE && COAP_BLOCK_SZX(m->block1) < szx) {
      szx = (uint8_t)COAP_BLOCK_SZX(m->block1);
    } else if(m->size1 != COAP_NONE) {
      while(szx && SIZE(szx) > m->size1) {
        szx--;
      }
    }
    if(szx < t->b1szx || (!t->b1used && (m->block1 != COAP_NONE || m->size1 != COAP_NONE))) {
      t->b1szx = szx;
      t->b1num = 0;
      t->b1force = 1;
      trans_start(c, t);
      return;
    }
  }
  if(cls == 2 && m->block2 != COAP_NONE && COAP_BLOCK_MORE(m->block2) && !t->obs) {
    t->state = COAP_T_IN_CB;
    if(t->resp(c, t, m) == 0 && t->state == COAP_T_IN_CB) {
      t->b2szx = (uint8_t)COAP_BLOCK_SZX(m->block2);
      t->b2num = COAP_BLOCK_NUM(m->block2) + 1;
      t->b1num = 0;
      trans_start(c, t);
    } else if(t->state == COAP_T_IN_CB) {
      t->state = COAP_T_FREE;
    }
    return;
  }
  trans_finish(c, t, m);
}

static coap_trans_t *
find_by_mid(coap_ctx_t *c, uint16_t mid, const coap_ep_t *from)
{
  for(coap_trans_t *t = c->trans; t < c->trans + COAP_MAX_TRANS; t++) {
    if(t->state == COAP_T_WAIT_ACK && t->mid == mid && coap_ep_equal(&t->ep, from)) {
      return t;
    }
  }
  return NULL;
}

static coap_trans_t *
find_by_token(coap_ctx_t *c, const coap_msg_t *m, const coap_ep_t *from)
{
  for(coap_trans_t *t = c->trans; t < c->trans + COAP_MAX_TRANS; t++) {
    if((t->state == COAP_T_WAIT_ACK || t->state == COAP_T_WAIT_RESP) && !t->obs &&
       t->tkl == m->tkl && !memcmp(t->token, m->token, t->tkl) && coap_ep_equal(&t->ep, from)) {
      return t;
    }
  }
  return NULL;
}

uint32_t
coap_step(coap_ctx_t *c, uint32_t now)
{
  uint32_t next = 0xFFFFFFFFu;
  c->now = now;
  for(coap_trans_t *t = c->trans; t < c->trans + COAP_MAX_TRANS; t++) {
    if(t->state != COAP_T_WAIT_ACK && t->state != COAP_T_WAIT_RESP) {
      continue;
    }
    if(DUE(t->deadline, now)) {
      if(t->state == COAP_T_WAIT_ACK && t->retries < COAP_MAX_RETRANSMIT) {
        t->retries++;
        t->timeout <<= 1;
        t->deadline = now + t->timeout;
        c->stats.retrans++;
        if(trans_send(c, t) < 0) {
          trans_finish(c, t, NULL);
          continue;
        }
      } else {
        c->stats.timeouts++;
        trans_finish(c, t, NULL);
        continue;
      }
    }
    if(t->deadline - now < next) {
      next = t->deadline - now;
    }
  }
  return next;
}

/* ---- server side ---- */

static int
dedup_seen(coap_ctx_t *c, uint16_t mid, uint16_t h)
{
  coap_dedup_t *d;
  for(d = c->dedup; d < c->dedup + COAP_DEDUP_N; d++) {
    if(d->time && d->mid == mid && d->ep_hash == h &&
       c->now - d->time < COAP_DEDUP_LIFETIME_MS) {
      return 1;
    }
  }
  d = &c->dedup[c->dedup_next];
  c->dedup_next = (uint8_t)((c->dedup_next + 1) % COAP_DEDUP_N);
  /* odd, so never 0 (unused), and never after now: now | 1 would make a duplicate arriving in
   * the same (even) millisecond look 2^32 - 1 ms old, and run its handler twice */
  d->time = (c->now - 1) | 1;
  d->mid = mid;
  d->ep_hash = h;
  return 0;
}

static void
handle_request(coap_ctx_t *c, const coap_msg_t *m, const coap_ep_t *from, uint16_t h)
{
  coap_resp_t r;
  coap_build_t b;
  uint8_t szx = COAP_PREF_SZX;
  uint32_t block2 = COAP_NONE, total;
  uint16_t n, room;
  uint8_t *p;

  while(SIZE(szx) > RESP_CAP && szx) {
    szx--;
  }
  memset(&r, 0, sizeof(r));
  r.observe = r.block1 = r.size1 = COAP_NONE;
  r.cf = COAP_NO_CF;
  if(m->block2 != COAP_NONE) {
    uint32_t off = COAP_BLOCK_NUM(m->block2) << (COAP_BLOCK_SZX(m->block2) + 4);
    if(COAP_BLOCK_SZX(m->block2) < szx) {
      szx = (uint8_t)COAP_BLOCK_SZX(m->block2);
    }
    coap_win_init(&r.win, c->resp + COAP_RESP_HEADROOM, (uint16_t)SIZE(szx), off);
  } else {
    coap_win_init(&r.win, c->resp + COAP_RESP_HEADROOM, RESP_CAP, 0);
  }
  r.szx = szx;
  if(m->bad_option) {
    c->stats.bad_option++;
    /* Proxy-Uri / Proxy-Scheme (35, 39: the only two with 39 | 4): not a proxy (RFC 7252 5.7.2) */
    _Static_assert((COAP_OPT_PROXY_URI | 4) == COAP_OPT_PROXY_SCHEME, "35 and 39");
    r.code = (m->bad_option | 4) == COAP_OPT_PROXY_SCHEME ? COAP_PROXYING_NOT_SUPPORTED
                                                           : COAP_BAD_OPTION;
  } else if(c->handler) {
    r.code = COAP_NOT_FOUND;
    c->handler(c, from, m, &r);
  } else {
    r.code = COAP_NOT_FOUND;
  }
  if(r.code == COAP_IGNORE) {
    return;
  }
  if(!r.code) {
    if(m->type == COAP_CON) {
      send_empty(c, from, COAP_ACK, m->mid);
    }
    return;
  }
  total = r.win.pos;
  n = coap_win_len(&r.win);
  if((r.code >> 5) == 2 && (m->block2 != COAP_NONE || total > r.win.cap)) {
    uint32_t bs = SIZE(szx), num = r.win.skip / bs;
    if(r.win.skip && r.win.skip >= total) {
      r.code = COAP_BAD_OPTION; /* block beyond the end of the representation */
      n = 0;
    } else {
      if(n > bs) {
        n = (uint16_t)bs;
      }
      block2 = COAP_BLOCK(num, r.win.skip + bs < total, szx);
    }
  } else if((r.code >> 5) != 2) {
    n = 0; /* no diagnostic payloads */
  }
  coap_build_init(&b, c->resp, COAP_MAX_PDU, m->type == COAP_CON ? COAP_ACK : COAP_NON, r.code,
                  m->type == COAP_CON ? m->mid : c->next_mid++, m->token, m->tkl);
  if(block2 != COAP_NONE) {
    /* every block names the representation it was cut from (RFC 7959 2.4): a client that sees the
     * ETag change between blocks starts again; 2 bytes, never the empty ETag */
    coap_build_opt_uint(&b, COAP_OPT_ETAG, r.win.sum | 0x8000u);
  }
  if(r.observe != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_OBSERVE, r.observe);
  }
  if(r.location) {
    coap_build_path(&b, COAP_OPT_LOCATION_PATH, r.location);
  }
  if(r.cf != COAP_NO_CF && n) {
    coap_build_opt_uint(&b, COAP_OPT_CONTENT_FORMAT, r.cf);
  }
  if(block2 != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_BLOCK2, block2);
  }
  if(r.block1 != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_BLOCK1, r.block1);
  }
  if(r.size1 != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_SIZE1, r.size1);
  }
  p = coap_build_payload_ptr(&b, &room);
  if(p > c->resp + COAP_RESP_HEADROOM) { /* options grew into the payload: cannot happen */
    coap_build_init(&b, c->resp, COAP_MAX_PDU, m->type == COAP_CON ? COAP_ACK : COAP_NON,
                    COAP_INTERNAL_ERROR, m->mid, m->token, m->tkl);
    n = 0;
  }
  memmove(p, c->resp + COAP_RESP_HEADROOM, n);
  coap_build_payload_end(&b, n);
  c->resp_len = coap_build_end(&b);
  if(!c->resp_len) {
    return;
  }
  raw_send(c, from, c->resp, c->resp_len);
  if(m->type == COAP_CON) {
    c->resp_mid = m->mid;
    c->resp_ep_hash = h;
  } else {
    c->resp_len = 0;
  }
}

void
coap_input(coap_ctx_t *c, uint32_t now, const uint8_t *buf, uint16_t len, const coap_ep_t *from)
{
  coap_msg_t m;
  coap_trans_t *t;
  uint16_t h;
  int r;

  c->now = now;
  c->stats.rx++;
  r = coap_parse(&m, buf, len);
  if(r < 0) {
    c->stats.malformed++;
    /* a malformed confirmable message is rejected with RST (RFC 7252 4.2) */
    if(len >= 4 && (buf[0] >> 6) == 1 && ((buf[0] >> 4) & 3) == COAP_CON) {
      send_empty(c, from, COAP_RST, (uint16_t)((buf[2] << 8) | buf[3]));
    }
    return;
  }
  if(m.type == COAP_RST || m.type == COAP_ACK) {
    t = find_by_mid(c, m.mid, from);
    if(!t) {
      if(m.type == COAP_RST && c->on_rst) {
        c->on_rst(c, from, m.mid);
      } else {
        c->stats.unmatched++;
      }
      return;
    }
    if(m.type == COAP_RST || t->obs) {
      trans_finish(c, t, &m);
    } else if(m.code == COAP_EMPTY) {
      t->state = COAP_T_WAIT_RESP; /* separate response follows */
      t->deadline = now + COAP_SEPARATE_TIMEOUT_MS;
    } else if(m.code >= 64) {
      trans_response(c, t, &m);
    }
    return;
  }
  if(m.code == COAP_EMPTY) { /* CoAP ping, or an empty NON */
    if(m.type == COAP_CON) {
      send_empty(c, from, COAP_RST, m.mid);
    }
    return;
  }
  h = coap_ep_hash(from);
  if(m.type == COAP_CON && dedup_seen(c, m.mid, h)) {
    c->stats.dup++;
    if(m.code < 64 && c->resp_len && c->resp_mid == m.mid && c->resp_ep_hash == h) {
      raw_send(c, from, c->resp, c->resp_len);
    } else if(m.code >= 64) {
      send_empty(c, from, COAP_ACK, m.mid);
    }
    return;
  }
  if(m.code >= 64) { /* separate response or NON response */
    t = find_by_token(c, &m, from);
    if(m.type == COAP_CON) {
      send_empty(c, from, t ? COAP_ACK : COAP_RST, m.mid);
    }
    if(t) {
      trans_response(c, t, &m);
    } else {
      c->stats.unmatched++;
    }
    return;
  }
  handle_request(c, &m, from, h);
}

/* ---- observe ---- */

void
coap_observe_start(coap_observer_t *o, const coap_ep_t *from, const coap_msg_t *req,
                   coap_resp_t *r)
{
  o->ep = *from;
  o->tkl = req->tkl;
  memcpy(o->token, req->token, req->tkl);
  o->active = 1;
  o->since_con = 0;
  o->con_pending = 0;
  o->seq = (o->seq + 1) & 0xFFFFFF;
  r->observe = o->seq;
}

int
coap_observe_notify(coap_ctx_t *c, coap_observer_t *o, int con, coap_build_fn build,
                    coap_resp_fn resp, void *arg)
{
  coap_trans_t *t;
  if(!o->active) {
    return -1;
  }
  o->seq = (o->seq + 1) & 0xFFFFFF;
  if(o->con_pending) {
    return 0; /* its retransmissions re-render, so they carry this newest state */
  }
  if(con || o->since_con + 1 >= COAP_OBS_CON_EVERY) {
    t = coap_request(c, &o->ep, COAP_CON, COAP_CONTENT, o->token, o->tkl, build, resp, arg);
    if(!t) {
      return -1;
    }
    t->obs = o;
    o->con_pending = 1;
    o->since_con = 0;
    o->last_mid = t->mid;
    return 0;
  } else {
    coap_trans_t tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.ep = o->ep;
    tmp.type = COAP_NON;
    tmp.code = COAP_CONTENT;
    tmp.mid = c->next_mid++;
    tmp.tkl = o->tkl;
    memcpy(tmp.token, o->token, o->tkl);
    tmp.build = build;
    tmp.arg = arg;
    tmp.b1szx = COAP_PREF_SZX;
    tmp.b2szx = 7;
    tmp.obs = o;
    o->last_mid = tmp.mid;
    o->since_con++;
    return trans_send(c, &tmp);
  }
}

void
coap_observe_stop(coap_ctx_t *c, coap_observer_t *o)
{
  for(unsigned i = 0; i < COAP_MAX_TRANS; i++) {
    if(c->trans[i].obs == o) {
      c->trans[i].state = COAP_T_FREE; /* a free slot's stale obs is cleared when it is reused */
    }
  }
  o->active = o->con_pending = 0;
}

/* An error notification has no options and no body */
static void
build_nothing(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  (void)c;
  (void)t;
  (void)b;
}

void
coap_observe_gone(coap_ctx_t *c, coap_observer_t *o)
{
  if(o->active) {
    coap_observe_stop(c, o); /* first: its pending notification's slot carries the 4.04 */
    coap_request(c, &o->ep, COAP_CON, COAP_NOT_FOUND, o->token, o->tkl, build_nothing, NULL, NULL);
  }
}

int
coap_observe_match_token(const coap_observer_t *o, const coap_ep_t *from, const coap_msg_t *m)
{
  return o->active && o->tkl == m->tkl && !memcmp(o->token, m->token, m->tkl) &&
         coap_ep_equal(&o->ep, from);
}
