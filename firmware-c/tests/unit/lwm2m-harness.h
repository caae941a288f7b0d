/* Shared test double for the LwM2M engine tests: captured datagrams, a scripted server
 * endpoint, deterministic randomness, platform hooks and a streamed /5/0/0 sink. Static state:
 * included once per program (test-lwm2m.c and the engine fuzz targets). */
#ifndef LWM2M_HARNESS_H_
#define LWM2M_HARNESS_H_

#include "net/app-layer/lwm2m/lwm2m.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"
#include "unit.h"

#define H_MAXSENT 64
static uint8_t h_sent[H_MAXSENT][COAP_MAX_PDU];
static uint16_t h_len[H_MAXSENT];
static int h_n;
static uint32_t h_rnd = 7, h_now = 1000;
static uint16_t h_mid = 0x2000;
static uint8_t h_light_on, h_light_dim;
static int h_events[16];
static char h_last_detail[64];
static lwm2m_ctx_t ctx;
static coap_ep_t h_srv = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 5683 };
static coap_ep_t h_bs = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 5783 };

static int
h_send(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  (void)user;
  (void)to;
  if(h_n < H_MAXSENT) {
    memcpy(h_sent[h_n], buf, len);
    h_len[h_n] = len;
  }
  h_n++;
  return 0;
}

static uint32_t
h_rand(void *user)
{
  (void)user;
  h_rnd = h_rnd * 1103515245u + 12345u;
  return h_rnd >> 8;
}

static void
h_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  (void)c;
  if(ev < 16) {
    h_events[ev]++;
  }
  snprintf(h_last_detail, sizeof(h_last_detail), "%s", detail ? detail : "");
}

const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_MANUFACTURER ? "ACME" : which == LWM2M_PLAT_MODEL ? "M1" : "1.2.3";
}
void
lwm2m_plat_eui64(uint8_t eui[8])
{
  static const uint8_t e[8] = { 0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0xfe };
  memcpy(eui, e, 8);
}
uint32_t
lwm2m_plat_free_memory_kb(void)
{
  return 12;
}
int32_t
lwm2m_plat_time_base(void)
{
  return 1700000000;
}
int16_t
lwm2m_plat_rssi(void)
{
  return -71;
}
uint8_t
lwm2m_plat_bearer(void)
{
  return 23;
}
uint8_t
lwm2m_plat_ip_count(void)
{
  return 2;
}
void
lwm2m_plat_ip(uint8_t idx, uint8_t addr[16])
{
  static const uint8_t a[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x12, 0x4b, 0, 0, 0, 0, 1 };
  memcpy(addr, a, 16);
  addr[15] = (uint8_t)(1 + idx);
  if(idx) {
    addr[0] = 0xfe;
    addr[1] = 0x80;
  }
}
void
lwm2m_plat_light(uint8_t on, uint8_t dim)
{
  h_light_on = on;
  h_light_dim = dim;
}

static coap_msg_t
h_last(void)
{
  coap_msg_t m;
  memset(&m, 0, sizeof(m));
  if(h_n == 0 || coap_parse(&m, h_sent[(h_n - 1) % H_MAXSENT], h_len[(h_n - 1) % H_MAXSENT]) < 0) {
    printf("  (no parsable datagram sent)\n");
    m.code = 0xFF;
  }
  return m;
}

/* A request from the server. path "/3/0/1"; query "a=1&b"; payload may be NULL. */
typedef struct h_req {
  uint8_t code;
  const char *path;
  uint16_t cf, accept;
  uint32_t observe, block1, block2;
  const char *query;
  const void *pl;
  uint16_t n;
  uint8_t token;
  const coap_ep_t *from;
} h_req_t;

static uint16_t
h_build(uint8_t *buf, const h_req_t *r, uint16_t mid)
{
  coap_build_t b;
  uint8_t tok[2] = { 0xA0, r->token };
  coap_build_init(&b, buf, 1500, COAP_CON, r->code, mid, tok, 2);
  if(r->observe != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_OBSERVE, r->observe);
  }
  if(r->path) {
    coap_build_path(&b, COAP_OPT_URI_PATH, r->path);
  }
  if(r->cf != COAP_NO_CF) {
    coap_build_opt_uint(&b, COAP_OPT_CONTENT_FORMAT, r->cf);
  }
  if(r->query) {
    const char *q = r->query;
    while(*q) {
      const char *e = strchr(q, '&');
      if(!e) {
        e = q + strlen(q);
      }
      coap_build_opt(&b, COAP_OPT_URI_QUERY, q, (uint16_t)(e - q));
      q = *e ? e + 1 : e;
    }
  }
  if(r->accept != COAP_NO_CF) {
    coap_build_opt_uint(&b, COAP_OPT_ACCEPT, r->accept);
  }
  if(r->block2 != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_BLOCK2, r->block2);
  }
  if(r->block1 != COAP_NONE) {
    coap_build_opt_uint(&b, COAP_OPT_BLOCK1, r->block1);
  }
  if(r->pl && r->n) {
    coap_build_payload(&b, r->pl, r->n);
  }
  return coap_build_end(&b);
}

#define REQ(...) ((h_req_t){ .cf = COAP_NO_CF, .accept = COAP_NO_CF, .observe = COAP_NONE, \
                             .block1 = COAP_NONE, .block2 = COAP_NONE, __VA_ARGS__ })

static uint8_t h_resp_buf[COAP_MAX_PDU];
static coap_msg_t
h_do(h_req_t r);
/* GET of a whole representation over Block2; returns its length, body NUL-terminated */
static size_t
h_get_all(h_req_t r, char *out, size_t cap)
{
  size_t got = 0;
  for(uint32_t num = 0; num < 64; num++) {
    coap_msg_t m;
    r.block2 = num ? COAP_BLOCK(num, 0, COAP_PREF_SZX) : COAP_NONE;
    m = h_do(r);
    if(m.code != COAP_CONTENT || got + m.payload_len >= cap) {
      break;
    }
    memcpy(out + got, m.payload, m.payload_len);
    got += m.payload_len;
    if(m.block2 == COAP_NONE || !COAP_BLOCK_MORE(m.block2)) {
      break;
    }
  }
  out[got] = 0;
  return got;
}

static coap_msg_t
h_do(h_req_t r)
{
  static uint8_t buf[1500];
  coap_msg_t m;
  uint16_t n = h_build(buf, &r, ++h_mid);
  int before = h_n;
  lwm2m_input(&ctx, h_now, buf, n, r.from ? r.from : &h_srv);
  if(h_n == before) {
    memset(&m, 0, sizeof(m));
    m.code = 0xFF;
    return m;
  }
  /* keep a copy: the parsed message points into it */
  memcpy(h_resp_buf, h_sent[(h_n - 1) % H_MAXSENT], h_len[(h_n - 1) % H_MAXSENT]);
  coap_parse(&m, h_resp_buf, h_len[(h_n - 1) % H_MAXSENT]);
  return m;
}

/* Answer the last request the client sent (piggybacked ACK) */
/* The last request (not a notification or response) the client sent */
static coap_msg_t
h_last_request(void)
{
  coap_msg_t m;
  for(int i = h_n - 1; i >= 0 && i >= h_n - H_MAXSENT; i--) {
    if(!coap_parse(&m, h_sent[i % H_MAXSENT], h_len[i % H_MAXSENT]) && m.code && m.code < 32) {
      return m;
    }
  }
  memset(&m, 0, sizeof(m));
  return m;
}

static void
h_answer(uint8_t code, const char *location, const coap_ep_t *from)
{
  coap_msg_t q = h_last_request();
  uint8_t buf[100];
  coap_build_t b;
  coap_build_init(&b, buf, sizeof(buf), COAP_ACK, code, q.mid, q.token, q.tkl);
  if(location) {
    coap_build_path(&b, COAP_OPT_LOCATION_PATH, location);
  }
  lwm2m_input(&ctx, h_now, buf, coap_build_end(&b), from ? from : &h_srv);
}

static int
h_payload_is(const coap_msg_t *m, const char *s)
{
  size_t n = strlen(s);
  if(m->payload_len != n || memcmp(m->payload, s, n)) {
    printf("  payload: '%.*s'\n  wanted:  '%s'\n", m->payload_len, (const char *)m->payload, s);
    return 0;
  }
  return 1;
}

static void
h_reset_servers(void)
{
  for(int i = 0; i < LWM2M_MAX_SEC; i++) {
    lwm2m_sec_iids[i] = LWM2M_NO_ID;
  }
  for(int i = 0; i < LWM2M_MAX_SRV; i++) {
    lwm2m_srv_iids[i] = LWM2M_NO_ID;
  }
}

/* ---- a firmware-update-like object: /5/0/0 streamed block by block into h_sink (tests and
 * fuzz targets of the engine's Block1 streaming without the real Object 5) ---- */
static uint8_t h_sink[2048];
static uint32_t h_sink_len;
static uint8_t h_sink_done;
static uint16_t h_fw_iids[1] = { 0 };
static const lwm2m_res_t h_fw_res[] = {
  { 0, LWM2M_T_OPAQUE | LWM2M_W | LWM2M_STREAM },
  { 3, LWM2M_T_INT | LWM2M_R },
};

static uint8_t
h_fw_handler(lwm2m_op_t *op)
{
  if(op->op == LWM2M_OP_READ) {
    op->v.i = h_sink_done ? 2 : h_sink_len ? 1 : 0;
    return 0;
  }
  if(op->op != LWM2M_OP_BLOCK) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(op->offset != h_sink_len) {
    return COAP_INCOMPLETE; /* a block is missing */
  }
  if(h_sink_len + op->v.len > sizeof(h_sink)) {
    return COAP_TOO_LARGE;
  }
  memcpy(h_sink + h_sink_len, op->v.p, op->v.len);
  h_sink_len += op->v.len;
  h_sink_done = !op->more;
  return 0;
}

__attribute__((unused)) static const lwm2m_object_t h_fw_obj = { 5, 0x11, 2, h_fw_res, h_fw_iids, 1,
                                                                   0, h_fw_handler };

#endif
