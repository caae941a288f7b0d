/* libFuzzer: a whole LwM2M client session driven by a script of small operations.
 *
 * Single-datagram fuzzing (fuzz-lwm2m.c) never reaches the bugs that live in sequences: a
 * notification still being retransmitted when a new registration wipes the observations, a
 * Bootstrap-Finish while an Update is in flight, a Disable during a block-wise transfer. Here the
 * input is a script: a configuration byte, then operations, each an opcode byte (low 4 bits: the
 * operation, high 4 bits: its parameter) and a few argument bytes. Requests are built from
 * structured fields (method, path ids from a table of real ids, content format, observe, block
 * options, query, payload template or raw bytes) so that the fuzzer reaches registered / observed /
 * bootstrapping states within a handful of bytes; a raw-datagram operation keeps the CoAP parser
 * in the loop. A missing argument byte reads as 0; the script ends with the input.
 *
 * Invariants checked after every operation (__builtin_trap on violation, besides ASan/UBSan):
 *   - everything the client sends parses (coap_parse) and fits COAP_MAX_PDU; an ACK or RST
 *     sent while a datagram is delivered carries its MID (and a piggybacked response its token);
 *     no Register/Update/Bootstrap-Request is sent while deregistered, failed or idle;
 *   - the state is a known LWM2M_ST_*, the registration location is NUL-terminated;
 *   - reg_t is NULL or a live transaction (never NULL while updating or deregistering) and
 *     the only registration-side exchange in flight; a
 *     registered client has a location; a transaction carrying a notification belongs to an
 *     observation with a non-empty path;
 *   - lwm2m_step's wake-up: no transaction left overdue, the wake-up no later than the earliest
 *     retransmission deadline, never "idle" while a registration-side state has work to do,
 *     and no busy loop (wake-up 0 forever at the same instant).
 *
 * Layout of an input (see gen_corpus.py for examples):
 *   cfg: bits 0-1 servers (0: management, 1: bootstrap only, 2: both, 3: management, registered
 *        at once), bit 2 queue mode, bits 3-4 lifetime {60, 5, 86400, 300}, bit 5 clock starts
 *        just before the 32-bit wrap, bit 6 bootstrap URI unusable, bit 7 LwM2M 1.0 server (4.00)
 *   op:  see the switch in run_script.
 * Build knobs: -DFZ_WITH_FW (target fuzz-lwm2m-session-fw: the real Object 5 on the RAM flash
 * model instead of a sink), -DFZ_TRACE (print every operation and datagram: follow a reproducer),
 * -DFZ_TWICE (run every script twice and compare what was sent: no state leaks between inputs). */
#include "../unit/lwm2m-harness.h"

#ifdef FZ_WITH_FW
/* fuzz-lwm2m-session-fw: the real Object 5 over the RAM flash model (push, pull, execute) */
#include "net/app-layer/lwm2m/lwm2m-obj-fw.h"
#include "bootloader/fw-image.h"
extern uint8_t bl_flash_ram[FW_FLASH_SIZE];
#define fz_fw_obj lwm2m_obj_fw
#else
#define fz_fw_obj h_fw_obj /* the harness's streamed /5/0/0 into a sink */
#endif

static const lwm2m_object_t *const objs[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device, &lwm2m_obj_connmon,
  &lwm2m_obj_temperature, &lwm2m_obj_light, &fz_fw_obj,
};
#define NOBJS (sizeof(objs) / sizeof(objs[0]))

static const coap_ep_t fz_stranger = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }, 5683 };

/* ---- input cursor ---- */
static const uint8_t *in_p, *in_end;
static uint8_t
in_byte(void)
{
  return in_p < in_end ? *in_p++ : 0;
}

/* ---- invariants ---- */
#define FZ_CHECK(c) \
  do { \
    if(!(c)) { \
      fprintf(stderr, "invariant failed: %s (line %d, state %s)\n", #c, __LINE__, \
              lwm2m_state_name(ctx.state)); \
      __builtin_trap(); \
    } \
  } while(0)

/* ---- what the client sent ---- */
static uint8_t last_req[COAP_MAX_PDU];    /* last request (Register, Update, ...) */
static uint16_t last_req_len;
static coap_ep_t last_req_to;
static uint16_t last_con_mid, last_non_mid; /* last CON / NON notification or separate response */
static uint8_t have_con, have_non;
static uint8_t fail_sends; /* the next sends fail (no buffer in the IP stack) */
static coap_msg_t in_msg;    /* the datagram being delivered, if it parsed */
static uint8_t in_valid;
static uint16_t in_dup0;    /* the CoAP duplicate count before it */
static uint32_t sent_hash;   /* FNV-1a over everything sent (FZ_TWICE) */

static int
fz_send(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  coap_msg_t m;
  (void)user;
  if(len > COAP_MAX_PDU || coap_parse(&m, buf, len) < 0) {
    __builtin_trap(); /* everything sent must be well-formed */
  }
  if(in_valid && (m.type == COAP_ACK || m.type == COAP_RST)) {
    /* an ACK/RST answers the datagram being delivered: its MID, a piggybacked response its token */
    FZ_CHECK(m.mid == in_msg.mid);
    /* ... unless its MID made it a duplicate (RFC 7252 4.5): that gets the cached answer again,
     * whatever token it carries */
    FZ_CHECK(!m.code || ctx.coap.stats.dup != in_dup0 ||
             (m.tkl == in_msg.tkl && !memcmp(m.token, in_msg.token, m.tkl)));
  }
  if(m.code && m.code < 32 && (m.type == COAP_CON || m.type == COAP_NON)) {
    /* a client that is not (trying to get) registered sends no registration-interface request
     * (/rd, /bs; a firmware pull asked for by the server is another matter) */
    coap_opt_iter_t it;
    const uint8_t *v;
    uint16_t l;
    coap_opt_iter_init(&it, &m);
    if(coap_opt_find(&it, COAP_OPT_URI_PATH, &v, &l) && l == 2 &&
       (!memcmp(v, "rd", 2) || !memcmp(v, "bs", 2))) {
      FZ_CHECK(ctx.state != LWM2M_ST_DEREGISTERED && ctx.state != LWM2M_ST_FAILED &&
               ctx.state != LWM2M_ST_IDLE);
    }
    memcpy(last_req, buf, len);
    last_req_len = len;
    last_req_to = *to;
  } else if(m.code >= 64 && m.type == COAP_CON) {
    last_con_mid = m.mid;
    have_con = 1;
  } else if(m.code >= 64 && m.type == COAP_NON) {
    last_non_mid = m.mid;
    have_non = 1;
  }
  h_n++;
  for(uint16_t i = 0; i < len; i++) {
    sent_hash = (sent_hash ^ buf[i]) * 16777619u;
  }
#ifdef FZ_TRACE
  fprintf(stderr, "  out type %u code %u.%02u mid %04x\n", m.type, m.code >> 5, m.code & 31, m.mid);
#endif
  if(fail_sends) {
    fail_sends--;
    return -1;
  }
  return 0;
}

/* Events: a known one, with a readable detail (ASan catches a dangling one) */
static void
fz_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  if(ev > LWM2M_EV_SEND_FAILED || c != &ctx || (detail && strlen(detail) > 200)) {
    __builtin_trap();
  }
#ifdef FZ_WITH_FW
  if(ev == LWM2M_EV_REGISTERED) {
    lwm2m_fw_registered();
  }
#endif
}

static void
check_state(void)
{
  coap_ctx_t *c = &ctx.coap;
  FZ_CHECK(ctx.state <= LWM2M_ST_FAILED);
  FZ_CHECK(memchr(ctx.loc, 0, sizeof(ctx.loc)) != NULL);
  if(ctx.state == LWM2M_ST_REGISTERED || ctx.state == LWM2M_ST_UPDATE) {
    FZ_CHECK(ctx.loc[0] != 0); /* registered somewhere */
  }
  if(ctx.state == LWM2M_ST_UPDATE || ctx.state == LWM2M_ST_DEREG) {
    FZ_CHECK(ctx.reg_t != NULL); /* these states last as long as their request */
  }
  static coap_resp_fn reg_resp_fn; /* the engine's registration callback, once seen */
  int nreg = 0;
  if(ctx.reg_t) {
    FZ_CHECK(ctx.reg_t >= c->trans && ctx.reg_t < c->trans + COAP_MAX_TRANS);
    FZ_CHECK(ctx.reg_t->state != COAP_T_FREE);
    reg_resp_fn = ctx.reg_t->resp;
  }
  for(const coap_trans_t *t = c->trans; t < c->trans + COAP_MAX_TRANS; t++) {
    if(t->state != COAP_T_FREE && reg_resp_fn && t->resp == reg_resp_fn) {
      nreg++;
      FZ_CHECK(t == ctx.reg_t); /* no registration exchange left behind, untracked */
    }
  }
  FZ_CHECK(nreg <= 1);
  for(const coap_trans_t *t = c->trans; t < c->trans + COAP_MAX_TRANS; t++) {
    FZ_CHECK(t->state <= COAP_T_WAIT_RESP); /* no callback left running */
    if(t->state != COAP_T_FREE && t->obs) {
      int found = 0;
      for(unsigned i = 0; i < LWM2M_MAX_OBS; i++) {
        if(t->obs == &ctx.obs[i].co) {
          found = 1;
          FZ_CHECK(ctx.obs[i].path.len >= 1 && ctx.obs[i].path.len <= 4);
        }
      }
      FZ_CHECK(found);
    }
  }
}

static uint32_t
step(void)
{
  uint32_t w = 0;
  /* wake-up 0 asks to be called again at once; it must settle */
  for(int i = 0; i < 32; i++) {
    w = lwm2m_step(&ctx, h_now);
#ifdef FZ_WITH_FW
    (void)lwm2m_fw_poll(h_now); /* APPLY / TRIAL_EXPIRED would restart: the session goes on */
#endif
    check_state();
    if(w) {
      break;
    }
  }
  FZ_CHECK(w != 0);
  for(const coap_trans_t *t = ctx.coap.trans; t < ctx.coap.trans + COAP_MAX_TRANS; t++) {
    if(t->state == COAP_T_WAIT_ACK || t->state == COAP_T_WAIT_RESP) {
      FZ_CHECK((int32_t)(t->deadline - h_now) > 0); /* nothing left overdue */
      FZ_CHECK(w <= t->deadline - h_now);            /* woken for its retransmission */
    }
  }
  switch(ctx.state) {
  case LWM2M_ST_BS_REQ:
  case LWM2M_ST_BS_WAIT:
  case LWM2M_ST_REG:
  case LWM2M_ST_REGISTERED:
  case LWM2M_ST_UPDATE:
  case LWM2M_ST_DEREG:
    FZ_CHECK(w != 0xFFFFFFFFu); /* these states always have a deadline */
    break;
  }
  if(ctx.state == LWM2M_ST_REGISTERED && !ctx.reg_t && (int32_t)(ctx.timer - h_now) > 0) {
    FZ_CHECK(w <= ctx.timer - h_now); /* the Update before the lifetime ends */
  }
  return w;
}

/* Advance virtual time by dt, calling lwm2m_step at every wake-up it asks for (a scheduler) */
static void
run_for(uint32_t dt)
{
  uint32_t end = h_now + dt;
  for(int i = 0; i < 400 && (int32_t)(end - h_now) > 0; i++) {
    uint32_t w = step();
    if(w >= end - h_now) {
      break;
    }
    h_now += w;
  }
  h_now = end;
  step();
}

/* ---- building requests ---- */
static const uint16_t ids[32] = {
  0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 3303, 3311,
  5700, 5701, 5601, 5605, 5850, 5851, 5852, 9, 14, 15, 100, 65534, 65535, 1000, 22, 1,
};
static const uint16_t cfs[8] = { 0, 40, 42, 110, 11542, 1542, 112, 0xFFFE };
static const char *const queries[16] = {
  "pmin=1", "pmax=2", "pmin=0&pmax=0", "gt=20.5", "lt=21", "st=0.5", "pmin=5&pmax=3",
  "gt=25&lt=15&st=1", "epmin=1&epmax=5", "pmin", "pmax=", "pmin=4294967296", "gt=-1.25&lt=-3",
  "st=-1", "ep=x", "pmin=1&pmin=2",
};
/* payloads that decode (TLV, text, SenML JSON and CBOR, link) to get past the decoders */
static const uint8_t tlv_light[] = { 0xE1, 0x16, 0xDA, 0x01, 0xE1, 0x16, 0xDB, 0x32 };
static const uint8_t tlv_inst0[] = { 0x08, 0x00, 0x08, 0xE1, 0x16, 0xDA, 0x01, 0xE1, 0x16, 0xDB, 0x05 };
static const uint8_t tlv_srv[] = { 0xC1, 0x00, 0x65, 0xC2, 0x01, 0x00, 0x3C, 0xC1, 0x02, 0x01,
                                   0xC1, 0x03, 0x05, 0xC1, 0x05, 0x02, 0xC1, 0x06, 0x00,
                                   0xC1, 0x07, 0x55 };
static const uint8_t tlv_sec[] = { 0xC8, 0x00, 0x11, 'c', 'o', 'a', 'p', ':', '/', '/', '[', ':',
                                   ':', '1', ']', ':', '5', '6', '8', '3', 0xC1, 0x01, 0x00,
                                   0xC1, 0x02, 0x03, 0xC1, 0x0A, 0x65 };
static const uint8_t tlv_multi[] = { 0x88, 0x0B, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x02 };
/* SenML CBOR: [{0: "/3311/0/5851", 2: 12}, {0: "/1/0/1", 2: 120}] (a write, composite or not),
 * and [{0: "/3311/0"}, {0: "/1/0/1"}, {0: "/0/0"}] (names for a Read-Composite) */
static const char cbor_write[] = "\x82\xa2\x00\x6c/3311/0/5851\x02\x0c\xa2\x00\x66/1/0/1\x02\x18\x78";
static const char cbor_names[] = "\x83\xa1\x00\x67/3311/0\xa1\x00\x66/1/0/1\xa1\x00\x64/0/0";
static const char *const texts[] = {
  "1", "0", "100", "101", "-1", "2147483648", "true", "12.5", "", "coap://[::1]:5683",
  "[{\"bn\":\"/3311/0/\",\"n\":\"5850\",\"vb\":true},{\"n\":\"5851\",\"v\":7}]",
  "[{\"n\":\"/1/0/1\",\"v\":30}]", "</3311/0>", "U", "coap://[::1]:5683/fw",
  ("[{\"bn\":\"/0/1/\",\"n\":\"0\","
   "\"vs\":\"coap://[::1]:5683\"},{\"n\":\"1\",\"vb\":false},{\"n\":\"10\",\"v\":101}]"),
};

static uint8_t req_buf[1400];
static uint16_t req_len;
static coap_ep_t req_from;

static const coap_ep_t *
pick_ep(uint8_t sel)
{
  static coap_ep_t cur; /* a copy, as a network stack hands over its own buffer */
  switch(sel & 3) {
  case 2:
    return &h_bs;
  case 3:
    return &fz_stranger;
  }
  cur = ctx.server; /* whoever the client talks to now */
  return &cur;
}

static void
deliver(const uint8_t *buf, uint16_t n, const coap_ep_t *from)
{
  req_from = *from;
  if(buf != req_buf) {
    memcpy(req_buf, buf, n);
  }
  req_len = n;
  in_valid = coap_parse(&in_msg, req_buf, n) == 0;
  in_dup0 = ctx.coap.stats.dup;
  lwm2m_input(&ctx, h_now, req_buf, n, from);
  in_valid = 0;
#ifdef FZ_TRACE
  fprintf(stderr, "  in %u bytes, sent %d\n", n, h_n);
#endif
  check_state();
}

/* Structured request: a = method/type/from/depth, f = option flags, then the fields */
static void
op_request(void)
{
  static const uint8_t methods[8] = { COAP_GET, COAP_PUT, COAP_POST, COAP_DELETE,
                                      COAP_GET, COAP_CODE(0, 5), COAP_CODE(0, 7), COAP_GET };
  static uint8_t pl[256];
  char path[40];
  uint8_t a = in_byte(), f = in_byte();
  unsigned depth = (unsigned)(a >> 6) + (f >> 7);
  h_req_t r = REQ(.code = methods[a & 7]);
  int p = 0;
  path[0] = 0;
  for(unsigned i = 0; i < depth; i++) {
    p += snprintf(path + p, sizeof(path) - (size_t)p, "/%u", ids[in_byte() & 31]);
  }
  if((f & 0x60) == 0x60 && !depth) {
    snprintf(path, sizeof(path), "/bs"); /* Bootstrap-Finish (with POST) */
  }
  r.path = path[0] ? path : NULL;
  if(f & 1) {
    r.cf = cfs[in_byte() & 7];
  }
  if(f & 2) {
    r.accept = cfs[in_byte() & 7];
  }
  if(f & 4) {
    uint8_t o = in_byte();
    r.observe = o & 0x80 ? o : o & 1;
  }
  if(f & 8) {
    r.block1 = in_byte();
  }
  if(f & 16) {
    r.block2 = in_byte();
  }
  if(f & 32) {
    r.query = queries[in_byte() & 15];
  }
  if(f & 64) {
    uint8_t l = in_byte();
    if(l & 0x80) { /* a template */
      switch(l & 7) {
      case 0: r.pl = tlv_light; r.n = sizeof(tlv_light); break;
      case 1: r.pl = tlv_inst0; r.n = sizeof(tlv_inst0); break;
      case 2: r.pl = tlv_srv; r.n = sizeof(tlv_srv); break;
      case 3: r.pl = tlv_sec; r.n = sizeof(tlv_sec); break;
      case 4: r.pl = tlv_multi; r.n = sizeof(tlv_multi); break;
      case 6: r.pl = cbor_write; r.n = sizeof(cbor_write) - 1; break;
      case 7: r.pl = cbor_names; r.n = sizeof(cbor_names) - 1; break;
      default: {
        const char *s = texts[(l >> 3) & 15];
        r.pl = s;
        r.n = (uint16_t)strlen(s);
        break;
      }
      }
    } else if(l & 0x40) { /* a long payload (more than one block) of a repeated byte */
      memset(pl, in_byte(), sizeof(pl));
      r.pl = pl;
      r.n = (uint16_t)(64 + (l & 0x3F) * 3);
    } else {
      for(unsigned i = 0; i < l; i++) {
        pl[i] = in_byte();
      }
      r.pl = pl;
      r.n = l;
    }
  }
  r.token = in_byte();
  req_len = h_build(req_buf, &r, ++h_mid);
  if(a & 8) {
    req_buf[0] = (uint8_t)((req_buf[0] & 0xCF) | (COAP_NON << 4));
  }
  deliver(req_buf, req_len, pick_ep((uint8_t)(a >> 4)));
}

/* Answer the client's last request: param = separate (CON) / from / RST / empty ACK;
 * a = code (bits 0-2), Location-Path (3-4), one more option (5: its byte follows), from (6-7) */
static void
op_answer(uint8_t param)
{
  static const uint8_t codes[8] = { COAP_CREATED, COAP_CHANGED, COAP_DELETED, COAP_BAD_REQUEST,
                                    COAP_NOT_FOUND, COAP_CONTENT, COAP_TOO_LARGE,
                                    COAP_CONTINUE };
  static const char *const locs[4] = { NULL, "rd/5a3f", "x", "rd/abcdefghij/klmnopqrstuvw" };
  coap_msg_t q;
  uint8_t buf[240];
  coap_build_t b;
  uint8_t a = in_byte();
  uint8_t type = param & 1 ? COAP_CON : COAP_ACK; /* CON: a separate response */
  uint8_t code = codes[a & 7];
  const coap_ep_t *from = param & 2 ? pick_ep(a >> 6) : &last_req_to;
  if(!last_req_len || coap_parse(&q, last_req, last_req_len) < 0) {
    return;
  }
  if(param & 4) {
    type = COAP_RST; /* the request is refused outright */
    code = 0;
  } else if(param & 8) {
    code = 0; /* empty ACK: the response comes separately */
  }
  coap_build_init(&b, buf, sizeof(buf), type, code,
                  type == COAP_CON ? ++h_mid : q.mid, q.token, code ? q.tkl : 0);
  if(code && ((a >> 3) & 3)) {
    coap_build_path(&b, COAP_OPT_LOCATION_PATH, locs[(a >> 3) & 3]);
  }
  if(code && (a & 0x20)) { /* one more option: Block2 / Block1 / Size1 */
    static const uint16_t opts[4] = { COAP_OPT_BLOCK2, COAP_OPT_BLOCK1, COAP_OPT_SIZE1,
                                      COAP_OPT_BLOCK2 };
    uint8_t o = in_byte();
    coap_build_opt_uint(&b, opts[o & 3], (uint32_t)(o >> 2) * ((o & 3) == 2 ? 4 : 1));
    if((o & 3) == 3) { /* with a body: 16 bytes repeated (a pulled package's block) */
      uint8_t body[64];
      for(unsigned i = 0; i < 16; i++) {
        body[i] = in_byte();
      }
      for(unsigned i = 16; i < sizeof(body); i++) {
        body[i] = body[i % 16];
      }
      coap_build_payload(&b, body, (uint16_t)(16 * (1 + (o >> 6))));
    }
  }
  deliver(buf, coap_build_end(&b), from);
}

/* ACK / RST the last confirmable notification, or RST the last NON one */
static void
op_notif(uint8_t param)
{
  uint8_t buf[4];
  uint16_t mid;
  if(param & 2) {
    if(!have_non) {
      return;
    }
    mid = last_non_mid;
  } else {
    if(!have_con) {
      return;
    }
    mid = last_con_mid;
  }
  buf[0] = (uint8_t)(0x40 | ((param & 1) ? COAP_RST : COAP_ACK) << 4);
  buf[1] = 0;
  buf[2] = (uint8_t)(mid >> 8);
  buf[3] = (uint8_t)mid;
  deliver(buf, 4, pick_ep(param & 4 ? 3 : 0));
}

/* Bootstrap server provisions an account (Security /0/1, Server /1/0), maybe finishes */
static void
op_provision(uint8_t param)
{
  static const char *const uris[8] = { "coap://[::1]:5683", "coap://[::1]:5783", "coap://[::3]",
                                       "coaps://[::1]", "coap://127.0.0.1:5683",
                                       "coap://[0:0:0:0:0:0:0:1]:5683", "coap://[::1]:0",
                                       "coap://[::1:5683" };
  static const uint8_t lts[4] = { 60, 1, 5, 200 };
  uint8_t a = in_byte();
  uint8_t p[80];
  uint16_t n = 0;
  const char *u = uris[(a & 3) | (a >> 4 & 4)];
  uint16_t ssid = (uint16_t)(a & 4 ? 101 : 7);
  h_req_t r;
  p[n++] = 0xC8;
  p[n++] = 0;
  p[n++] = (uint8_t)strlen(u);
  memcpy(p + n, u, strlen(u));
  n = (uint16_t)(n + strlen(u));
  p[n++] = 0xC1; p[n++] = 1; p[n++] = 0;
  p[n++] = 0xC1; p[n++] = 2; p[n++] = 3;
  p[n++] = 0xC1; p[n++] = 10; p[n++] = (uint8_t)ssid;
  r = REQ(.code = COAP_PUT, .path = "/0/1", .cf = LWM2M_CF_TLV, .pl = p, .n = n);
  deliver(req_buf, h_build(req_buf, &r, ++h_mid), &h_bs);
  n = 0;
  p[n++] = 0xC1; p[n++] = 0; p[n++] = (uint8_t)(a & 8 ? 101 : 7);
  p[n++] = 0xC1; p[n++] = 1; p[n++] = lts[(a >> 4) & 3];
  r = REQ(.code = COAP_PUT, .path = "/1/0", .cf = LWM2M_CF_TLV, .pl = p, .n = n);
  deliver(req_buf, h_build(req_buf, &r, ++h_mid), &h_bs);
  if(param & 1) {
    r = REQ(.code = COAP_POST, .path = "/bs");
    deliver(req_buf, h_build(req_buf, &r, ++h_mid), &h_bs);
  }
}

static const uint16_t obs_paths[8][3] = {
  { 3303, 0, 5700 }, { 3311, 0, 5850 }, { 3303, 0, LWM2M_NO_ID }, { 3, 0, 13 },
  { 1, 0, 1 }, { 4, 0, 2 }, { 3311, LWM2M_NO_ID, 0 }, { 5, 0, 3 },
};

/* Observe (or cancel) a path from the table with one of four tokens */
static void
op_observe(uint8_t param)
{
  char path[24];
  const uint16_t *ids3 = obs_paths[param & 7];
  h_req_t r;
  uint8_t a = in_byte();
  if(ids3[1] == LWM2M_NO_ID) {
    snprintf(path, sizeof(path), "/%u", ids3[0]);
  } else if(ids3[2] == LWM2M_NO_ID) {
    snprintf(path, sizeof(path), "/%u/%u", ids3[0], ids3[1]);
  } else {
    snprintf(path, sizeof(path), "/%u/%u/%u", ids3[0], ids3[1], ids3[2]);
  }
  r = REQ(.code = COAP_GET, .path = path, .observe = (param & 8) ? 1 : 0, .token = a & 3);
  if(a & 4) {
    r.accept = cfs[(a >> 3) & 7];
  }
  deliver(req_buf, h_build(req_buf, &r, ++h_mid), pick_ep((uint8_t)(a >> 6)));
}

static void
op_api(uint8_t param)
{
  uint8_t a = in_byte();
  switch(param & 7) {
  case 0:
    lwm2m_request_update(&ctx, (uint8_t)(a & 15));
    break;
  case 1:
    lwm2m_deregister(&ctx);
    break;
  case 2:
    lwm2m_disable(&ctx);
    break;
  case 3: {
    const uint16_t *p = obs_paths[a & 7];
    lwm2m_changed(&ctx, p[0], p[1], a & 8 ? LWM2M_NO_ID : p[2]);
    break;
  }
  case 4:
    lwm2m_start(&ctx);
    break;
  case 5:
    lwm2m_set_queue_mode(&ctx, a & 1);
    break;
  case 6:
    fail_sends = a & 7;
    break;
  case 7: { /* Send of 1..8 of the paths the observation ops use */
    lwm2m_path_t ps[8];
    uint8_t n = (uint8_t)((a & 7) + 1);
    for(uint8_t i = 0; i < n; i++) {
      const uint16_t *p = obs_paths[(a + i) & 7];
      ps[i] = (lwm2m_path_t){ { p[0], p[1], p[2], LWM2M_NO_ID }, (uint8_t)(i & 1 ? 2 : 3) };
    }
    (void)lwm2m_send(&ctx, ps, n, a & 8 ? LWM2M_CF_SENML_JSON : LWM2M_CF_SENML_CBOR);
    break;
  }
  }
  check_state();
}

/* Resets all static state so that every input runs from the same start (reproducible) */
static uint16_t saved_iids[NOBJS][8];
static uint8_t saved;

static void
reset_world(uint8_t cfg)
{
  static const uint32_t lts[4] = { 60, 5, 86400, 300 };
  in_p = in_end = NULL;
  if(!saved) {
    for(unsigned i = 0; i < NOBJS; i++) {
      memcpy(saved_iids[i], objs[i]->iids, objs[i]->max_inst * sizeof(uint16_t));
    }
    saved = 1;
  }
  for(unsigned i = 0; i < NOBJS; i++) {
    memcpy(objs[i]->iids, saved_iids[i], objs[i]->max_inst * sizeof(uint16_t));
  }
  h_reset_servers();
  h_n = 0;
  h_rnd = 7;
  h_mid = 0x2000;
  h_now = cfg & 0x20 ? 0xFFFF0000u : 1000;
  last_req_len = 0;
  have_con = have_non = 0;
  fail_sends = 0;
  sent_hash = 2166136261u;
  req_len = 0;
#ifdef FZ_WITH_FW
  memset(bl_flash_ram, 0xFF, sizeof(bl_flash_ram));
#else
  h_sink_len = 0;
  h_sink_done = 0;
#endif
  lwm2m_init(&ctx, "fuzz", objs, (uint8_t)NOBJS, fz_send, h_rand, NULL, h_now);
#ifdef FZ_WITH_FW
  lwm2m_fw_init(&ctx, h_now);
#endif
  ctx.event = fz_event;
  { /* the sensors' own state: light off at full dimmer, no temperature extremes seen */
    static const uint16_t light[3][2] = { { 5850, 0 }, { 5851, 100 }, { 5852, 0 } };
    lwm2m_op_t op;
    memset(&op, 0, sizeof(op));
    op.ctx = &ctx;
    op.riid = LWM2M_NO_ID;
    for(unsigned i = 0; i < 3; i++) {
      op.op = LWM2M_OP_WRITE;
      op.rid = light[i][0];
      op.v.i = light[i][1];
      lwm2m_obj_light.handler(&op);
    }
    for(op.slot = 0; op.slot < lwm2m_obj_temperature.max_inst; op.slot++) {
      op.op = LWM2M_OP_CREATE;
      lwm2m_obj_temperature.handler(&op);
    }
  }
  if((cfg & 3) != 1) {
    lwm2m_add_server("coap://[::1]:5683", 0, 101, lts[(cfg >> 3) & 3]);
  }
  if(cfg & 3 && (cfg & 3) != 3) {
    lwm2m_add_server(cfg & 0x40 ? "coaps://[::1]:5784" : "coap://[::1]:5783", 1, 0, 0);
  }
  lwm2m_set_queue_mode(&ctx, (cfg >> 2) & 1);
  lwm2m_start(&ctx);
  step();
  if(cfg & 0x80) { /* a LwM2M 1.0 server refuses lwm2m=1.1 */
    static const uint8_t bad_request[1] = { 3 };
    in_p = bad_request;
    in_end = bad_request + 1;
    op_answer(0);
    step();
  }
  if((cfg & 3) == 3) {
    static const uint8_t created[1] = { 0x08 }; /* 2.01 with Location rd/5a3f */
    in_p = created;
    in_end = created + 1;
    op_answer(0);
    step();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_script(const uint8_t *data, size_t size)
{
  static const uint32_t dts[16] = { 0, 1, 500, 1000, 1999, 2000, 3000, 5000, 30000, 60000,
                                    64000, 93000, 120000, 247000, 600000, 0x7FFFFFFFu };
  const uint8_t *end = data + (size > 4096 ? 4096 : size);
  uint8_t cfg = data[0];
  reset_world(cfg);
  in_p = data + 1;
  in_end = end;
  for(int ops = 0; ops < 256 && in_p < in_end; ops++) {
    uint8_t op = in_byte();
    uint8_t param = op >> 4;
    switch(op & 15) {
    case 0:
    case 1:
    case 2:
      op_request();
      break;
    case 3: { /* a raw datagram */
      uint8_t buf[256];
      uint8_t n = in_byte();
      for(unsigned i = 0; i < n; i++) {
        buf[i] = in_byte();
      }
      deliver(buf, n, pick_ep(param));
      break;
    }
    case 4: /* time passes; the scheduler calls lwm2m_step at every wake-up */
      run_for(dts[param]);
      break;
    case 5: /* time jumps; one late lwm2m_step */
      h_now += dts[param] + in_byte();
      step();
      break;
    case 6:
    case 7:
      op_answer(param);
      break;
    case 8:
      op_notif(param);
      break;
    case 9:
      op_api(param);
      break;
    case 10:
      op_provision(param);
      break;
    case 11:
      op_observe(param);
      break;
    case 12: /* the last datagram again (a duplicate), maybe from elsewhere */
      if(req_len) {
        deliver(req_buf, req_len, param & 1 ? pick_ep(param >> 1) : &req_from);
      }
      break;
    case 13:
      step();
      break;
    default: /* 14, 15: a request with the next bytes as fields */
      op_request();
      break;
    }
#ifdef FZ_TRACE /* -DFZ_TRACE: follow a script (corpus seeds, reproducers) */
    fprintf(stderr, "op %02x -> %s t=%u sent=%d\n", op, lwm2m_state_name(ctx.state),
            (unsigned)h_now, h_n);
#endif
  }
  run_for(300000); /* let every exchange finish */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(!size) {
    return 0;
  }
  run_script(data, size);
#ifdef FZ_TWICE /* -DFZ_TWICE: a script replays identically (no state leaks between inputs) */
  {
    uint32_t h1 = sent_hash;
    run_script(data, size);
    FZ_CHECK(sent_hash == h1);
  }
#endif
  return 0;
}
