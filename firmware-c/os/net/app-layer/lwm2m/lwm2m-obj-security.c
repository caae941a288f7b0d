/* Object 0 (Security) and object 1 (Server): storage the engine reads for bootstrap and
 * registration. Keys (resources 3, 4, 5) are accepted and dropped: no DTLS in this build. */
#include "lwm2m.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): ~40 B less */
#pragma GCC optimize("no-tree-forwprop", "no-optimize-sibling-calls", "no-schedule-insns2", \
                     "no-code-hoisting", "no-expensive-optimizations", "no-gcse", "no-tree-dse", \
                     "no-guess-branch-probability", "no-tree-sink", "no-tree-vrp")
/* the handlers' call of plain_io: a branch, not a call (sibling calls are off above) */
#define TAIL_CALL __attribute__((optimize("optimize-sibling-calls")))
#else
#define TAIL_CALL
#endif

lwm2m_security_t lwm2m_sec[LWM2M_MAX_SEC];
uint16_t lwm2m_sec_iids[LWM2M_MAX_SEC] = { LWM2M_NO_ID
#if LWM2M_MAX_SEC > 1
                                           , LWM2M_NO_ID
#endif
#if LWM2M_MAX_SEC > 2
                                           , LWM2M_NO_ID
#endif
};
lwm2m_server_t lwm2m_srv[LWM2M_MAX_SRV];
uint16_t lwm2m_srv_iids[LWM2M_MAX_SRV] = { LWM2M_NO_ID
#if LWM2M_MAX_SRV > 1
                                           , LWM2M_NO_ID
#endif
};

static const lwm2m_res_t sec_res[] = {
  { 0, LWM2M_T_STR | LWM2M_R | LWM2M_W },    /* LwM2M Server URI */
  { 1, LWM2M_T_BOOL | LWM2M_R | LWM2M_W },   /* Bootstrap-Server */
  { 2, LWM2M_T_INT | LWM2M_R | LWM2M_W },    /* Security Mode (3: NoSec) */
  { 3, LWM2M_T_OPAQUE | LWM2M_W },           /* Public Key or Identity */
  { 4, LWM2M_T_OPAQUE | LWM2M_W },           /* Server Public Key */
  { 5, LWM2M_T_OPAQUE | LWM2M_W },           /* Secret Key */
  { 10, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Short Server ID */
  { 11, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Client Hold Off Time */
};

/* Plain fields of an instance: resource id, offset in the struct and kind. One routine reads,
 * validates and stores them for both objects, so the limits are data:
 *   F_STR | n   NUL-terminated string in n bytes (writes up to n - 1 chars); with F_MIN1 a
 *               binding, which must name UDP (and, stored, asks for an Update carrying it);
 *   1, 2, 4     unsigned integer of that size: 0..4 (mode; bools are 0/1 already), 0..65535,
 *               0..INT32_MAX;   F_MIN1: at least 1 (lifetime). */
typedef struct field {
  uint8_t rid, off, kind;
} field_t;
/* An integer field of k bytes is the low k bytes of an int32: where they start */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LOW(k) (4 - (k))
#else
#define LOW(k) 0
#endif
#define F_STR 0x80
#define F_MIN1 0x40
_Static_assert(LWM2M_URI_MAX < 64, "field kind holds string sizes up to 63");

/* Security and Server instances differ only in data: storage, fields and defaults */
typedef struct plain_obj {
  uint8_t *insts;               /* instance array (slot order) */
  const field_t *fields;
  void (*reset)(void *inst);    /* a new (or deleted) instance's values */
  uint8_t size, nfields;        /* of an instance; of the field table */
} plain_obj_t;

/* Create, Delete, Read and Write of object d's instances; Execute is the Server's own */
static uint8_t
plain_io(lwm2m_op_t *op, const plain_obj_t *d)
{
  uint8_t *inst = d->insts + op->slot * d->size, *q, *iv, k;
  const field_t *f = d->fields;
  unsigned n = d->nfields;
  switch(op->op) {
  case LWM2M_OP_CREATE:
  case LWM2M_OP_DELETE:
    d->reset(inst);
    return 0;
  case LWM2M_OP_READ:
  case LWM2M_OP_WRITE: /* a new lifetime makes the engine send an Update with lt= */
    break;
  default:
    return COAP_METHOD_NOT_ALLOWED;
  }
  for(; n && f->rid != op->rid; n--, f++) {
  }
  if(!n) {
    return op->op == LWM2M_OP_READ ? COAP_NOT_FOUND : 0; /* write: keys, dropped */
  }
  q = inst + f->off;
  k = f->kind & 0x3F;
  if(f->kind & F_STR) {
    if(op->op == LWM2M_OP_READ) {
      op->v.p = q;
      op->v.len = (uint16_t)strlen((const char *)q);
      return 0;
    }
    /* binding: U, UQ (1.0 queue), T, S, N combinations; this client speaks UDP only */
    if(op->v.len >= k || ((f->kind & F_MIN1) && !(op->v.len && memchr(op->v.p, 'U', op->v.len)))) {
      return COAP_BAD_REQUEST;
    }
    if(!op->check) {
      memcpy(q, op->v.p, op->v.len);
      q[op->v.len] = 0;
      if(f->kind & F_MIN1) {
        lwm2m_request_update(op->ctx, LWM2M_UPD_BIND); /* a new binding goes in an Update (b=) */
      }
    }
    return 0;
  }
  /* integers: the field is the low k bytes of v.i, copied one way or the other */
  iv = (uint8_t *)&op->v.i + LOW(k);
  if(op->op == LWM2M_OP_READ) {
    op->v.i = 0;
    memcpy(iv, q, k);
  } else if(op->v.i < ((f->kind & F_MIN1) ? 1 : 0) ||
            op->v.i > (k == 1 ? 4 : k == 2 ? 65535 : INT32_MAX)) {
    return COAP_BAD_REQUEST;
  } else if(!op->check) {
    memcpy(q, iv, k);
  }
  return 0;
}

#define FIELD(rid, type, member) \
  { rid, (uint8_t)offsetof(type, member), (uint8_t)sizeof(((type *)0)->member) }
#define FIELD_MIN1(rid, type, member) \
  { rid, (uint8_t)offsetof(type, member), (uint8_t)(sizeof(((type *)0)->member) | F_MIN1) }
#define FIELD_STR(rid, type, member) \
  { rid, (uint8_t)offsetof(type, member), (uint8_t)(sizeof(((type *)0)->member) | F_STR) }
#define FIELD_BINDING(rid, type, member) \
  { rid, (uint8_t)offsetof(type, member), (uint8_t)(sizeof(((type *)0)->member) | F_STR | F_MIN1) }

static const field_t sec_fields[] = {
  FIELD_STR(0, lwm2m_security_t, uri), FIELD(1, lwm2m_security_t, bootstrap),
  FIELD(2, lwm2m_security_t, mode), FIELD(10, lwm2m_security_t, ssid),
  FIELD(11, lwm2m_security_t, hold_off)
};

static __attribute__((noinline)) void /* measured: smaller out of line */
sec_reset(void *inst)
{
  lwm2m_security_t *s = inst;
  memset(s, 0, sizeof(*s));
  s->mode = 3;
}

static const plain_obj_t sec_obj = {
  (uint8_t *)lwm2m_sec, sec_fields, sec_reset, sizeof(lwm2m_security_t),
  sizeof(sec_fields) / sizeof(sec_fields[0])
};

static TAIL_CALL uint8_t
sec_handler(lwm2m_op_t *op)
{
  return plain_io(op, &sec_obj);
}

const lwm2m_object_t lwm2m_obj_security = {
  0, 0x11, sizeof(sec_res) / sizeof(sec_res[0]), sec_res, lwm2m_sec_iids, LWM2M_MAX_SEC, 0,
  sec_handler
};

static const lwm2m_res_t srv_res[] = {
  { 0, LWM2M_T_INT | LWM2M_R },             /* Short Server ID */
  { 1, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Lifetime */
  { 2, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Default Minimum Period */
  { 3, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Default Maximum Period */
  { 4, LWM2M_E },                           /* Disable */
  { 5, LWM2M_T_INT | LWM2M_R | LWM2M_W },   /* Disable Timeout (s) */
  { 6, LWM2M_T_BOOL | LWM2M_R | LWM2M_W },  /* Notification Storing */
  { 7, LWM2M_T_STR | LWM2M_R | LWM2M_W },   /* Binding */
  { 8, LWM2M_E },                           /* Registration Update Trigger */
#if LWM2M_WITH_COMPOSITE
  { 23, LWM2M_T_BOOL | LWM2M_R | LWM2M_W }, /* Mute Send */
#endif
};

static const field_t srv_fields[] = {
  FIELD(0, lwm2m_server_t, ssid), FIELD_MIN1(1, lwm2m_server_t, lifetime),
  FIELD(2, lwm2m_server_t, pmin), FIELD(3, lwm2m_server_t, pmax),
  FIELD(5, lwm2m_server_t, disable_timeout), FIELD(6, lwm2m_server_t, storing), FIELD_BINDING(7, lwm2m_server_t, binding)
#if LWM2M_WITH_COMPOSITE
  , FIELD(23, lwm2m_server_t, mute_send)
#endif
};

static void
srv_reset(void *inst)
{
  lwm2m_server_t *s = inst;
  memset(s, 0, sizeof(*s));
  s->lifetime = 86400;
  s->disable_timeout = 86400;
  s->binding[0] = 'U';
}

static const plain_obj_t srv_obj = {
  (uint8_t *)lwm2m_srv, srv_fields, srv_reset, sizeof(lwm2m_server_t),
  sizeof(srv_fields) / sizeof(srv_fields[0])
};

static TAIL_CALL uint8_t
srv_handler(lwm2m_op_t *op)
{
  if(op->op == LWM2M_OP_EXECUTE) {
    if(op->rid == 4) {
      lwm2m_disable(op->ctx);
    } else {
      lwm2m_request_update(op->ctx, LWM2M_UPD_NOW);
    }
    return 0;
  }
  return plain_io(op, &srv_obj);
}

const lwm2m_object_t lwm2m_obj_server = {
  1, 0x11, sizeof(srv_res) / sizeof(srv_res[0]), srv_res, lwm2m_srv_iids, LWM2M_MAX_SRV, 0,
  srv_handler
};

/* The first free slot of an instance table, taken (iid = slot); -1 if all are in use */
static int
claim_slot(uint16_t *iids, uint8_t n)
{
  for(uint8_t s = 0; s < n; s++) {
    if(iids[s] == LWM2M_NO_ID) {
      iids[s] = s;
      return s;
    }
  }
  return -1;
}

int
lwm2m_add_server(const char *uri, uint8_t bootstrap, uint16_t ssid, uint32_t lifetime)
{
  int s;
  size_t n = strlen(uri);
  lwm2m_security_t *sec;
  if(n >= LWM2M_URI_MAX || (s = claim_slot(lwm2m_sec_iids, LWM2M_MAX_SEC)) < 0) {
    return -1;
  }
  sec = &lwm2m_sec[s];
  sec_reset(sec);
  memcpy(sec->uri, uri, n + 1);
  sec->bootstrap = bootstrap;
  if(!bootstrap) { /* a management server: its Security ssid and Server /1/x */
    sec->ssid = ssid;
    if((s = claim_slot(lwm2m_srv_iids, LWM2M_MAX_SRV)) < 0) {
      return -1;
    }
    srv_reset(&lwm2m_srv[s]);
    lwm2m_srv[s].ssid = ssid;
    lwm2m_srv[s].lifetime = lifetime;
  }
  return 0;
}
