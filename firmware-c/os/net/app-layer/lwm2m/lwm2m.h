/* LwM2M client engine (OMA TS 1.1 core, 1.0-compatible registration), heap-free.
 *
 * Applications declare objects as static tables (lwm2m_object_t: resource table, instance-id
 * slots and one handler function) and keep the whole engine state in one static lwm2m_ctx_t.
 * The engine sits on the CoAP endpoint (coap-engine.h) and on a small platform interface:
 *   - lwm2m_input(ctx, now_ms, buf, len, from): a received UDP datagram;
 *   - lwm2m_step(ctx, now_ms): timers; returns ms until it wants to run again;
 *   - send / rand callbacks given to lwm2m_init; endpoints are IPv6 address + port (host order).
 * Objects 0 (Security) and 1 (Server) are built in (lwm2m-obj-security.c, lwm2m-obj-server.c)
 * and their instance storage is read by the engine for bootstrap and registration. */
#ifndef LWM2M_H_
#define LWM2M_H_

#include "net/app-layer/coap/coap-engine.h"

/* Feature switches (all on by default; the footprint report also measures a minimal set) */
#ifndef LWM2M_WITH_SENML
#define LWM2M_WITH_SENML 1      /* SenML JSON (110) reader and writer */
#endif
#ifndef LWM2M_WITH_SENML_CBOR
#define LWM2M_WITH_SENML_CBOR 1 /* SenML CBOR (112) reader and writer */
#endif
#ifndef LWM2M_WITH_COMPOSITE /* Read-, Observe- and Write-Composite, and Send, in SenML */
#define LWM2M_WITH_COMPOSITE (LWM2M_WITH_SENML || LWM2M_WITH_SENML_CBOR)
#endif
#ifndef LWM2M_COMPOSITE_MAX
#define LWM2M_COMPOSITE_MAX 8   /* paths a composite operation or a Send may name */
#endif
#if LWM2M_COMPOSITE_MAX > 31
#error "LWM2M_COMPOSITE_MAX: a composite observation keeps a bit for each of its paths (up to 31)"
#endif
#ifndef LWM2M_SEND_MAX
#define LWM2M_SEND_MAX 512      /* bytes of a Send's pack (kept: each block, each retransmission) */
#endif
#ifndef LWM2M_WITH_BOOTSTRAP
#define LWM2M_WITH_BOOTSTRAP 1  /* client-initiated bootstrap */
#endif
#ifndef LWM2M_WITH_OBSERVE
#define LWM2M_WITH_OBSERVE 1    /* Observe, notifications, Write-Attributes */
#endif
#ifndef LWM2M_WITH_DISCOVER
#define LWM2M_WITH_DISCOVER 1   /* Discover (GET with Accept: 40) */
#endif
#ifndef LWM2M_WITH_CREATE
#define LWM2M_WITH_CREATE 1     /* Create / Delete by a management server */
#endif
#ifndef LWM2M_WITH_STREAM
#define LWM2M_WITH_STREAM 1     /* LWM2M_STREAM resources (Object 5's Package): Block1 streaming */
#endif
#ifndef LWM2M_WITH_FLOAT
#define LWM2M_WITH_FLOAT 1      /* float resources (TLV binary64 conversion) */
#endif
#ifndef LWM2M_MAX_OBS
#define LWM2M_MAX_OBS 3         /* concurrent observations */
#endif
#ifndef LWM2M_MAX_ATTRS
#define LWM2M_MAX_ATTRS 3       /* paths carrying Write-Attributes */
#endif
#ifndef LWM2M_MAX_SEC
#define LWM2M_MAX_SEC 2         /* Security instances (bootstrap + one server) */
#endif
#ifndef LWM2M_MAX_SRV
#define LWM2M_MAX_SRV 1         /* Server instances */
#endif
#ifndef LWM2M_URI_MAX
#define LWM2M_URI_MAX 48        /* server URI incl. NUL */
#endif
#ifndef LWM2M_LOC_MAX
#define LWM2M_LOC_MAX 24        /* registration location "rd/xyz" incl. NUL */
#endif
#ifndef LWM2M_BS_TIMEOUT_MS
#define LWM2M_BS_TIMEOUT_MS 60000 /* wait for Bootstrap-Finish (whole seconds) */
#endif
#ifndef LWM2M_POLL_MS
#define LWM2M_POLL_MS 1000      /* sampling of observed numeric resources */
#endif
#ifndef LWM2M_NOTIFY_CON
#define LWM2M_NOTIFY_CON 0      /* 1: every notification confirmable */
#endif

/* Content formats */
#define LWM2M_CF_TEXT 0
#define LWM2M_CF_LINK 40
#define LWM2M_CF_OPAQUE 42
#define LWM2M_CF_SENML_JSON 110
#define LWM2M_CF_SENML_CBOR 112
#define LWM2M_CF_TLV 11542
#define LWM2M_CF_TLV_OLD 1542

/* Resource value types (low 3 bits of lwm2m_res_t.flags) */
enum {
  LWM2M_T_NONE, LWM2M_T_STR, LWM2M_T_INT, LWM2M_T_FLOAT, LWM2M_T_BOOL, LWM2M_T_OPAQUE,
  LWM2M_T_TIME, LWM2M_T_OBJLNK
};
#define LWM2M_R 0x08
#define LWM2M_W 0x10
#define LWM2M_E 0x20
#define LWM2M_MULTI 0x40  /* multiple-instance resource (instances 0..count-1) */
#define LWM2M_STREAM 0x80 /* Block1 writes reach the handler block by block (LWM2M_OP_BLOCK) */
#define LWM2M_TYPE(f) ((f) & 7)

/* packed: 3 bytes an entry instead of 4 (the tables are flash; Cortex-M3 loads an unaligned id
 * with one ldrh, and the compiler picks byte loads where the target cannot) */
typedef struct __attribute__((packed)) lwm2m_res {
  uint16_t id;
  uint8_t flags;
} lwm2m_res_t;

/* A value. INT/TIME/BOOL in i; FLOAT in i as thousandths (fixed point, no soft-float);
 * OBJLNK as (object << 16 | instance); STR/OPAQUE as p/len. */
typedef struct lwm2m_value {
  const uint8_t *p;
  uint16_t len;
  int32_t i;
} lwm2m_value_t;

enum {
  LWM2M_OP_READ, LWM2M_OP_WRITE, LWM2M_OP_EXECUTE, LWM2M_OP_CREATE, LWM2M_OP_DELETE,
  LWM2M_OP_COUNT, /* multiple resource: return instance count in v.i */
  LWM2M_OP_CLEAR, /* multiple resource: replaced, drop all instances before the writes */
  LWM2M_OP_BLOCK  /* streamed write: v = this block, offset, more */
};
#define LWM2M_NO_ID 0xFFFF

struct lwm2m_ctx;
typedef struct lwm2m_op {
  struct lwm2m_ctx *ctx;
  lwm2m_value_t v;
  char *scratch;   /* READ: room to render a computed string (scratch_len bytes) */
  uint32_t offset; /* BLOCK */
  uint16_t iid, rid, riid;
  uint8_t op, slot, scratch_len, more;
  uint8_t check;   /* WRITE: non-zero: validate only, change nothing (all-or-nothing writes) */
} lwm2m_op_t;
/* One function per object does everything, keyed by op->op:
 *   READ     fill op->v for (iid, rid, riid; riid LWM2M_NO_ID for single resources); strings may
 *            point to static data or into op->scratch;
 *   WRITE    validate op->v, then (unless op->check) store it: every write is first run with check
 *            set over the whole payload, so a failing request changes nothing;
 *   EXECUTE  op->v holds the arguments (payload); act after the response (see pending_ev);
 *   CREATE / DELETE   instance slot op->slot (iid in op->iid) is being created / deleted;
 *   COUNT / CLEAR     multiple resources: number of instances in v.i / drop all before a replace;
 *   BLOCK    LWM2M_STREAM resources: one Block1 block of a write at op->offset (op->more: more
 *            follow); return COAP_INCOMPLETE for a gap. A write without Block1 is one final block.
 * Returns 0 on success or a CoAP error code (COAP_NOT_FOUND for an absent optional resource,
 * COAP_BAD_REQUEST for a bad value, ...). Besides ctx, op, slot, iid, rid, riid and check, read
 * only the fields named for your op: the engine reuses one op, so the others hold whatever an
 * earlier call left there. */
typedef uint8_t (*lwm2m_handler_fn)(lwm2m_op_t *op);

#define LWM2M_OBJ_CREATE 1 /* a management server may create/delete instances */

/* packed: 18 bytes of flash an object instead of 20 (two bytes of padding before handler) */
typedef struct __attribute__((packed)) lwm2m_object {
  uint16_t id;
  uint8_t ver;      /* object version as 0xMm; 0 = 1.0 (not advertised) */
  uint8_t nres;
  const lwm2m_res_t *res;
  uint16_t *iids;   /* max_inst slots; LWM2M_NO_ID = free. The slot index is passed to handler */
  uint8_t max_inst;
  uint8_t flags;
  lwm2m_handler_fn handler;
} lwm2m_object_t;

/* ---- built-in Security (0) and Server (1) storage ---- */
typedef struct lwm2m_security {
  char uri[LWM2M_URI_MAX];
  uint16_t ssid;
  uint8_t bootstrap, mode;
  uint16_t hold_off;
} lwm2m_security_t;

typedef struct lwm2m_server {
  uint32_t lifetime, pmin, pmax, disable_timeout;
  uint16_t ssid;
  uint8_t storing;
  char binding[4];
#if LWM2M_WITH_COMPOSITE
  uint8_t mute_send;         /* /1/x/23: no Send while set */
#endif
} lwm2m_server_t;

extern lwm2m_security_t lwm2m_sec[LWM2M_MAX_SEC];
extern uint16_t lwm2m_sec_iids[LWM2M_MAX_SEC];
extern lwm2m_server_t lwm2m_srv[LWM2M_MAX_SRV];
extern uint16_t lwm2m_srv_iids[LWM2M_MAX_SRV];
extern const lwm2m_object_t lwm2m_obj_security, lwm2m_obj_server, lwm2m_obj_device,
  lwm2m_obj_connmon, lwm2m_obj_temperature, lwm2m_obj_light;

/* ---- engine ---- */
typedef struct lwm2m_path {
  uint16_t id[4];
  uint8_t len;
} lwm2m_path_t;

#define LWM2M_A_PMIN 1
#define LWM2M_A_PMAX 2
#define LWM2M_A_GT 4
#define LWM2M_A_LT 8
#define LWM2M_A_ST 16
typedef struct lwm2m_attr {
  lwm2m_path_t path;
  uint8_t set;        /* LWM2M_A_* present; 0: the entry is free */
  union {
    struct {
      uint32_t pmin, pmax;
      int32_t gt, lt, st; /* thousandths */
    };
    int32_t v[5];       /* the same, indexed by LWM2M_A_* bit number */
  };
} lwm2m_attr_t;

typedef struct lwm2m_obs {
  coap_observer_t co;
  lwm2m_path_t path;
  uint32_t last_ms;
  int32_t last_val;
  uint16_t cf;
  uint8_t changed;
} lwm2m_obs_t;

/* The paths of a composite operation (Read-/Observe-Composite) or of a Send */
typedef struct lwm2m_paths {
  lwm2m_path_t p[LWM2M_COMPOSITE_MAX];
  uint8_t n;
} lwm2m_paths_t;
/* The one Observe-Composite observation */
typedef struct lwm2m_cobs {
  coap_observer_t co;
  lwm2m_paths_t paths;
  int32_t last[LWM2M_COMPOSITE_MAX]; /* single numeric resources: the values last notified */
  uint32_t last_ms;
  uint32_t changed;          /* a bit for each path that changed since the last notification */
  uint16_t cf;
} lwm2m_cobs_t;

/* Order matters: from DEREGISTERED on there is no registration (requests are ignored) */
enum {
  LWM2M_ST_IDLE, LWM2M_ST_BS_REQ, LWM2M_ST_BS_WAIT, LWM2M_ST_BS_DONE, LWM2M_ST_REG,
  LWM2M_ST_REGISTERED, LWM2M_ST_UPDATE, LWM2M_ST_DEREG, LWM2M_ST_DEREGISTERED, LWM2M_ST_FAILED
};
/* Events reported through lwm2m_ctx.event */
enum {
  LWM2M_EV_BOOTSTRAP_REQ, LWM2M_EV_BOOTSTRAPPED, LWM2M_EV_BOOTSTRAP_FAILED, LWM2M_EV_REGISTERED,
  LWM2M_EV_REG_FAILED, LWM2M_EV_UPDATED, LWM2M_EV_DEREGISTERED, LWM2M_EV_REBOOT,
  LWM2M_EV_FACTORY_RESET, LWM2M_EV_BAD_REQUEST,
  LWM2M_EV_SENT, LWM2M_EV_SEND_FAILED /* a Send (lwm2m_send) acknowledged, or not (detail why) */
};
/* (LT, OBJS and BIND change what the Update carries: they travel in 4 bits, ctx.upd_sent) */
#define LWM2M_UPD_LT 1
#define LWM2M_UPD_OBJS 2
#define LWM2M_UPD_BIND 4   /* the binding was written (/1/x/7): the Update carries b= */
#define LWM2M_UPD_NOW 8
#define LWM2M_UPD_ADDR 16
/* Disable (/1/x/4): deregister once the response is out, then stay away for /1/x/5 seconds */
#define LWM2M_DISABLE_REQUESTED 1
#define LWM2M_DISABLE_WAITING 2

typedef struct lwm2m_ctx lwm2m_ctx_t;
typedef void (*lwm2m_event_fn)(lwm2m_ctx_t *ctx, uint8_t ev, const char *detail);

struct lwm2m_ctx {
  coap_ep_t server;          /* current (bootstrap or management) server; first: its address is
                              * the context's (measured: -4 B) */
  /* small fields next: Thumb-2 loads them with 16-bit instructions (short offsets) */
  uint8_t nobjs, state, upd, retries, sec, srv, queue, pending_ev, v10;
  uint8_t upd_sent;          /* the registration-side request in flight: state | UPD_* << 4 */
  uint8_t disabled;          /* LWM2M_DISABLE_*: Execute /1/x/4 */
  uint32_t timer;            /* next registration-side deadline */
  uint32_t now;
  uint32_t reg_lifetime;     /* lifetime sent in the last registration/update */
  const lwm2m_object_t *const *objs;
  const char *ep;            /* endpoint client name */
  lwm2m_event_fn event;
  coap_trans_t *reg_t;       /* the registration-side exchange in flight */
  char loc[LWM2M_LOC_MAX];
#if LWM2M_WITH_OBSERVE
  lwm2m_attr_t attrs[LWM2M_MAX_ATTRS];
  lwm2m_obs_t obs[LWM2M_MAX_OBS];
#endif
#if LWM2M_WITH_COMPOSITE
#if LWM2M_WITH_OBSERVE
  lwm2m_cobs_t cobs;
#endif
  coap_trans_t *send_t;      /* the Send in flight, its pack and format */
  uint16_t send_len, send_cf;
  uint8_t send_buf[LWM2M_SEND_MAX];
#endif
  coap_ctx_t coap;           /* last (large); the CoAP callbacks get back to the context by offset */
};

/* objs must include lwm2m_obj_security and lwm2m_obj_server. */
void lwm2m_init(lwm2m_ctx_t *ctx, const char *ep, const lwm2m_object_t *const *objs,
                uint8_t nobjs, coap_send_fn send, coap_rand_fn rnd, void *user, uint32_t now);
/* Provision a server before lwm2m_start (or let bootstrap do it): Security instance `iid`
 * with uri, bootstrap flag and short server id; for a management server also Server /1/0. */
int lwm2m_add_server(const char *uri, uint8_t bootstrap, uint16_t ssid, uint32_t lifetime);
void lwm2m_set_queue_mode(lwm2m_ctx_t *ctx, uint8_t on);
void lwm2m_start(lwm2m_ctx_t *ctx);
void lwm2m_input(lwm2m_ctx_t *ctx, uint32_t now, const uint8_t *buf, uint16_t len,
                 const coap_ep_t *from);
uint32_t lwm2m_step(lwm2m_ctx_t *ctx, uint32_t now);
void lwm2m_deregister(lwm2m_ctx_t *ctx);
/* Execute Disable: deregister, then register again after the server's Disable Timeout */
void lwm2m_disable(lwm2m_ctx_t *ctx);
/* Registration Update soon: LWM2M_UPD_* reasons */
void lwm2m_request_update(lwm2m_ctx_t *ctx, uint8_t why);
/* Send (TS 1.1 6.4.4, POST /dp): the values at paths[0..n) now, in SenML (cf 110 or 112),
 * confirmable, to the registered server; one at a time. 0 if sent, -1 if not registered, busy,
 * muted by the server (/1/x/23), none of the paths readable, the pack above LWM2M_SEND_MAX bytes,
 * or the format not SenML. LWM2M_EV_SENT / LWM2M_EV_SEND_FAILED report the outcome. */
int lwm2m_send(lwm2m_ctx_t *ctx, const lwm2m_path_t *paths, uint8_t n, uint16_t cf);
/* A resource value changed (LWM2M_NO_ID for wider paths): notify observers */
void lwm2m_changed(lwm2m_ctx_t *ctx, uint16_t oid, uint16_t iid, uint16_t rid);
const char *lwm2m_state_name(uint8_t st);

/* ---- codecs (lwm2m-text.c, lwm2m-tlv.c, lwm2m-senml.c, lwm2m-senml-cbor.c, lwm2m-link.c) ---- */
void lwm2m_text_int(coap_win_t *w, int32_t v);
void lwm2m_text_milli(coap_win_t *w, int32_t v);
/* Parse a decimal integer / decimal fraction (thousandths) spanning exactly len chars. */
int lwm2m_parse_int(const char *s, uint16_t len, int32_t *out);
int lwm2m_parse_milli(const char *s, uint16_t len, int32_t *out);
/* Both in one: milli 0 = lwm2m_parse_int, 1 = lwm2m_parse_milli */
int lwm2m_parse_num(const char *s, uint16_t len, int32_t *out, uint8_t milli);
/* Encodes v of `type` as plain text (opaque refused: -1). */
int lwm2m_text_encode(coap_win_t *w, uint8_t type, const lwm2m_value_t *v);
int lwm2m_text_decode(uint8_t type, const uint8_t *p, uint16_t len, lwm2m_value_t *v);

enum { LWM2M_TLV_INST = 0, LWM2M_TLV_RES_INST = 1, LWM2M_TLV_MULTI = 2, LWM2M_TLV_RES = 3 };
typedef struct lwm2m_tlv {
  const uint8_t *val;
  uint32_t len;
  uint16_t id;
  uint8_t type;
} lwm2m_tlv_t;
/* Next entry in [*p, end): 1 ok (advances *p), 0 at end, -1 malformed. */
int lwm2m_tlv_next(const uint8_t **p, const uint8_t *end, lwm2m_tlv_t *t);
/* Validates the TLV entries in [p, end) of a level that may hold the entry types in `holds`
 * (bit per LWM2M_TLV_*), and what they hold, recursively. */
int lwm2m_tlv_check_in(const uint8_t *p, const uint8_t *end, unsigned holds);
/* Validates a whole TLV tree (nesting: instance > resource / multiple > resource instance). */
static inline int
lwm2m_tlv_check(const uint8_t *p, uint32_t len)
{
  return lwm2m_tlv_check_in(p, p + len, 0xF); /* the top level holds any entry */
}
void lwm2m_tlv_header(coap_win_t *w, uint8_t type, uint16_t id, uint32_t len);
void lwm2m_tlv_value(coap_win_t *w, uint8_t type, const lwm2m_value_t *v);
int lwm2m_tlv_decode(uint8_t type, const uint8_t *p, uint32_t len, lwm2m_value_t *v);
/* Both decoders (lwm2m-text.c): type | LWM2M_DEC_TEXT decodes plain text, else TLV */
#define LWM2M_DEC_TEXT 0x80
int lwm2m_decode(uint8_t type, const uint8_t *p, uint32_t len, lwm2m_value_t *v);
/* IEEE 754 binary64 <-> thousandths, integer arithmetic only */
void lwm2m_milli_to_double(int32_t m, uint8_t out[8]);
int lwm2m_float_to_milli(const uint8_t *p, uint32_t len, int32_t *out);

/* SenML JSON and SenML CBOR: one record model, one reader state, one value decoder */
typedef struct lwm2m_senml_rec {
  lwm2m_path_t path;
  const char *num;  /* JSON "v": its text */
  uint16_t num_len, str_len;
  int32_t ival;     /* vb: 0 / 1; CBOR v: the integer, or a float's thousandths */
  uint8_t kind;     /* 'v' number text, 'i' integer, 'm' thousandths, 's' string, 'b' bool,
                     * 'd' data, 'o' objlnk, 0 none */
  char str[LWM2M_URI_MAX + 16]; /* unescaped vs / decoded vd / vlo */
} lwm2m_senml_rec_t;
typedef struct lwm2m_senml_reader {
  const char *p, *end;
  uint32_t left;    /* CBOR: records still to come in a definite-length array */
  char bn[24];
  uint8_t bn_len, state;
} lwm2m_senml_reader_t;
void lwm2m_senml_reader_init(lwm2m_senml_reader_t *r, const uint8_t *p, uint16_t len);
/* 1 record, 0 end, -1 malformed */
int lwm2m_senml_next(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec);
int lwm2m_senml_cbor_next(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec);
void lwm2m_senml_record(coap_win_t *w, uint8_t first, const lwm2m_path_t *p, uint8_t type,
                        const lwm2m_value_t *v);
/* A CBOR head (major type 0-7, argument n): SenML CBOR's array of n records starts with one */
void lwm2m_cbor_head(coap_win_t *w, uint8_t major, uint32_t n);
void lwm2m_senml_cbor_record(coap_win_t *w, const lwm2m_path_t *p, uint8_t type,
                             const lwm2m_value_t *v);
int lwm2m_senml_decode(const lwm2m_senml_rec_t *rec, uint8_t type, lwm2m_value_t *v);
/* The record's path: the reader's base name and the record's name (n bytes); 1, or -1 */
int lwm2m_senml_name(const lwm2m_senml_reader_t *r, const char *name, uint16_t n, lwm2m_path_t *p);

/* CoRE link format */
void lwm2m_link_path(coap_win_t *w, uint8_t first, const uint16_t *ids, uint8_t n);
typedef struct lwm2m_link {
  const char *uri, *params;
  uint16_t uri_len, params_len;
} lwm2m_link_t;
/* Next link of a link-format document: 1 ok, 0 end, -1 malformed */
int lwm2m_link_next(const char **p, const char *end, lwm2m_link_t *l);
/* "/3/0/1" -> path; -1 if not an LwM2M path */
int lwm2m_path_parse(const char *s, uint16_t len, lwm2m_path_t *p);

#endif /* LWM2M_H_ */
