/* LwM2M client engine: request dispatch (device management, bootstrap), data model walk,
 * registration state machine and observations with attributes. */
#include "lwm2m.h"

#include <stddef.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-offs measured on this file (arm-none-eabi-gcc 12, Cortex-M3): ~250 B less */
#pragma GCC optimize("no-tree-tail-merge", "no-tree-vrp", "no-move-loop-invariants", \
                     "no-tree-dominator-opts", "no-tree-forwprop", "no-schedule-insns2", \
                     "no-shrink-wrap", "no-optimize-sibling-calls", "no-ipa-pure-const", \
                     "live-range-shrinkage", "no-tree-loop-im")
/* per-function exceptions to the set above, measured likewise */
#define SIZE_OPT(...) __attribute__((optimize(__VA_ARGS__)))
#else
#define SIZE_OPT(...)
#endif

#define CTX(c) ((lwm2m_ctx_t *)(void *)((char *)(c) - offsetof(lwm2m_ctx_t, coap)))
#define DUE(t, now) ((int32_t)((t) - (now)) <= 0)
#define SCRATCH 40
/* a resource whose Block1 writes go to its handler block by block (an image without such
 * resources builds with LWM2M_WITH_STREAM 0 and drops the code); r NULL: a bootstrap write,
 * which resolves no target and is never streamed */
#define STREAMED(r) (LWM2M_WITH_STREAM && (r) && ((r)->flags & LWM2M_STREAM))
/* The Server instance of the current account (ctx->srv, always 0 with one Server slot: then a
 * constant address instead of an indexed load) */
#define CUR_SRV(ctx) lwm2m_srv[LWM2M_MAX_SRV > 1 ? (ctx)->srv : 0]

/* An event to the application, if it listens */
static inline __attribute__((always_inline)) void /* measured: -4 B */
event(lwm2m_ctx_t *ctx, uint8_t ev, const char *detail)
{
  if(ctx->event) {
    ctx->event(ctx, ev, detail);
  }
}

#ifndef LWM2M_MAX_BODY
#define LWM2M_MAX_BODY 512      /* largest unblocked write we take (Size1 of a 4.13) */
#endif
#ifndef LWM2M_STREAM_MAX_SZX
#define LWM2M_STREAM_MAX_SZX 4  /* streamed blocks above 256 bytes get 4.13 + Block1/Size1 */
#endif
#ifndef LWM2M_REG_RETRIES
#define LWM2M_REG_RETRIES 3     /* failed registrations before falling back to bootstrap */
#endif

static const lwm2m_object_t *
find_obj(lwm2m_ctx_t *ctx, uint16_t oid)
{
  for(unsigned i = 0; i < ctx->nobjs; i++) {
    if(ctx->objs[i]->id == oid) {
      return ctx->objs[i];
    }
  }
  return NULL;
}

/* The slot of the (skip + 1)-th instance iid (LWM2M_NO_ID: of free slots), or -1 */
static int
find_nth(const lwm2m_object_t *o, uint16_t iid, unsigned skip)
{
  for(unsigned i = 0; i < o->max_inst; i++) {
    if(o->iids[i] == iid && !skip--) {
      return i;
    }
  }
  return -1;
}
#define find_slot(o, iid) find_nth(o, iid, 0)
#define free_slot(o, skip) find_nth(o, LWM2M_NO_ID, skip)

/* out of line: measured smaller than inlined at each caller */
static __attribute__((noinline)) const lwm2m_res_t *
find_res(const lwm2m_object_t *o, uint16_t rid)
{
  for(unsigned i = 0; i < o->nres; i++) {
    if(o->res[i].id == rid) {
      return &o->res[i];
    }
  }
  return NULL;
}

/* Object, instance slot (and resource) a request works on; a write also carries its mode. The
 * handler call it makes is prepared in place (op): its context, the instance slot and, through a
 * write's dry run, op.check (1; 2 for an instance it will create). */
typedef struct target {
  union {
    lwm2m_op_t op;
    lwm2m_ctx_t *ctx; /* op.ctx (its first member) */
  };
  const lwm2m_object_t *obj;
  const lwm2m_res_t *res;
  uint8_t bs;      /* bootstrap semantics: creates instances, ignores W (also Create) */
  uint8_t replace; /* write: PUT (replace) rather than POST (partial update) */
  uint8_t made;    /* write: instances the dry run has promised a free slot, less one; */
  uint16_t last;   /* the last of them (LWM2M_NO_ID: none yet) */
} target_t;
_Static_assert(offsetof(lwm2m_op_t, ctx) == 0, "target_t.ctx is its op's");

/* One handler call on t's op (ctx, slot and check are set), whose v carries the value in and out.
 * A field the op does not use keeps what an earlier call left (v of a call without a value,
 * scratch outside READ, offset and more outside BLOCK): no handler reads it there, so the op
 * needs no clearing (measured: -28 B). */
static uint8_t
call_op(target_t *t, uint8_t op, uint16_t rid, uint16_t riid)
{
  lwm2m_op_t *x = &t->op;
  x->op = op;
  x->iid = t->obj->iids[x->slot];
  x->rid = rid;
  x->riid = riid;
  return t->obj->handler(x);
}

/* The instances of multiple resource r; 0 for a single resource (it has none: locate refuses a
 * resource instance path to it, and emit does not use the count of one) */
static uint16_t
res_count(target_t *t, const lwm2m_res_t *r)
{
  if(!(r->flags & LWM2M_MULTI)) {
    return 0;
  }
  t->op.v.i = 0;
  return call_op(t, LWM2M_OP_COUNT, r->id, 0) ? 0 : (uint16_t)t->op.v.i;
}

/* t's write has bootstrap semantics (creates instances, ignores W): a bootstrap write or a Create;
 * constant 0 in a build with neither */
#define BS_MODE(t) ((LWM2M_WITH_BOOTSTRAP || LWM2M_WITH_CREATE) && (t)->bs)

/* Only a bootstrap write creates more than one instance, or one at a path below the instance: a
 * Create makes the one of its path /o/iid (its TLV may name just that one, write_path). Without
 * bootstrap, what serves those cases compiles out. */
#define BS_WRITES LWM2M_WITH_BOOTSTRAP

/* Instance iid of t->obj into t->op.slot: 0 or a CoAP error. A bootstrap write (or Create) creates
 * it; its dry run checks the values against the free slot it will get, and notes (t->op.check 2)
 * that the instance has no resource instances yet. */
static uint8_t
write_inst(target_t *t, uint16_t iid)
{
  const lwm2m_object_t *o = t->obj;
  int s = find_slot(o, iid);
  uint8_t rc;
  if(iid == LWM2M_NO_ID) {
    return COAP_BAD_REQUEST; /* (from a TLV: it would "find" a free slot) */
  }
  if(s < 0) {
    if(!BS_MODE(t)) {
      return COAP_NOT_FOUND;
    }
    /* the dry run gives each instance it will create a free slot of its own, in the order the
     * real pass takes them (one named again at once, by the path and then its TLV, keeps its
     * slot): a write creating more than there is room for fails before anything changes */
    if(BS_WRITES && t->op.check && iid != t->last) {
      t->last = iid;
      t->made++;
    }
    if((s = free_slot(o, BS_WRITES && t->op.check ? t->made : 0)) < 0) {
      return COAP_BAD_REQUEST; /* no room for it */
    }
    t->op.slot = (uint8_t)s;
    if(t->op.check) {
      if(BS_WRITES) {
        t->op.check = 2; /* (locate reads it for a resource instance path) */
      }
      return 0;
    }
    o->iids[s] = iid;
    if((rc = call_op(t, LWM2M_OP_CREATE, 0, 0))) {
      o->iids[s] = LWM2M_NO_ID;
      return rc;
    }
    lwm2m_request_update(t->ctx, LWM2M_UPD_OBJS);
  }
  t->op.slot = (uint8_t)s;
  return 0;
}

/* Resolves p (at least the object) to t's object/slot/resource: 0 or a CoAP error. A bootstrap
 * write (t->bs) creates the instance, or in its dry run takes the free slot it will get (t->op.check
 * 2: such an instance has no resource instance yet). */
static uint8_t
locate(target_t *t, const lwm2m_path_t *p)
{
  uint8_t rc;
  t->res = NULL;
  if(!(t->obj = find_obj(t->ctx, p->id[0]))) {
    return COAP_NOT_FOUND;
  }
  if(p->len >= 2 && (rc = write_inst(t, p->id[1]))) {
    return rc;
  }
  if(p->len >= 3 && !(t->res = find_res(t->obj, p->id[2]))) {
    return COAP_NOT_FOUND;
  }
  if(p->len == 4 && ((BS_WRITES && t->op.check > 1) || p->id[3] >= res_count(t, t->res))) {
    return COAP_NOT_FOUND;
  }
  return 0;
}

/* The same for a request other than a write: every caller has checked that p names an object.
 * Out of line, a tail call (measured smaller than inlined). */
static __attribute__((noinline)) SIZE_OPT("optimize-sibling-calls") uint8_t
resolve(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, target_t *t)
{
  t->ctx = ctx;
  t->op.slot = 0; /* an object's (a write sets it, write_inst, before any handler call) */
  t->op.check = 0;
  t->bs = 0;
  t->replace = 0; /* a POST's write (partial update) */
  return locate(t, p);
}

/* ---------------------------------------------------------------- reading / encoding */

typedef struct enc {
  target_t t;     /* object, instance slot and resource being written */
  coap_win_t *w;
  lwm2m_path_t path; /* of the position: object, instance, resource, resource instance */
  uint8_t fmt;    /* ENC() of the content format */
#if LWM2M_WITH_DISCOVER
  uint8_t root;   /* the level asked for (Discover: which attributes to list) */
#endif
  unsigned first; /* no SenML record / link written yet */
#if LWM2M_WITH_SENML_CBOR
  unsigned recs;  /* SenML CBOR records written */
#endif
} enc_t;

/* The formats render takes (text, opaque, TLV, old TLV, SenML JSON and CBOR, link) differ in the
 * bits of 0xEF, but for the two TLVs, which are the same encoding: byte constants to compare with */
#define ENC(cf) ((uint8_t)((cf) & 0xEF))
/* (emit_value's switch has a case for each of the others: a clash would not compile) */
_Static_assert(ENC(LWM2M_CF_TLV) == ENC(LWM2M_CF_TLV_OLD) && ENC(LWM2M_CF_TEXT) == 0,
               "ENC tells the formats apart");

#if LWM2M_WITH_DISCOVER
static void link_attrs(const enc_t *e);
static void link_obj_ver(coap_win_t *w, const lwm2m_object_t *o);
#endif

/* The value at e's position (resource instance path.id[3]); out of line so that the recursion of
 * emit() does not carry its scratch on every level of the stack */
static __attribute__((noinline)) uint8_t
emit_value(enc_t *e)
{
  const lwm2m_res_t *r = e->t.res;
  uint8_t rc;
  char scratch[SCRATCH];
  lwm2m_value_t *v = &e->t.op.v;
  uint8_t type = LWM2M_TYPE(r->flags);
#if !LWM2M_WITH_FLOAT
  /* no float codec built in: 5.00, not the thousandths as an integer (TLV) or an empty text.
   * Discover only asks whether the resource is there. */
  if(type == LWM2M_T_FLOAT
#if LWM2M_WITH_DISCOVER
     && e->fmt != ENC(LWM2M_CF_LINK)
#endif
  ) {
    return COAP_INTERNAL_ERROR;
  }
#endif
  memset(v, 0, sizeof(*v));
  e->t.op.scratch = scratch;
  e->t.op.scratch_len = SCRATCH;
  if((rc = call_op(&e->t, LWM2M_OP_READ, r->id, e->path.id[3]))) {
    return rc;
  }
  switch(e->fmt) {
  case ENC(LWM2M_CF_TLV):
    lwm2m_tlv_value(e->w, type, v);
    break;
#if LWM2M_WITH_DISCOVER
  case ENC(LWM2M_CF_LINK): /* Discover asks only whether the resource is there */
    break;
#endif
#if LWM2M_WITH_SENML
  case ENC(LWM2M_CF_SENML_JSON): {
    e->path.len = e->path.id[3] == LWM2M_NO_ID ? 3 : 4;
    lwm2m_senml_record(e->w, e->first, &e->path, type, v);
    e->first = 0;
    break;
  }
#endif
#if LWM2M_WITH_SENML_CBOR
  case ENC(LWM2M_CF_SENML_CBOR):
    e->path.len = e->path.id[3] == LWM2M_NO_ID ? 3 : 4;
    lwm2m_senml_cbor_record(e->w, &e->path, type, v);
    e->recs++;
    break;
#endif
  case ENC(LWM2M_CF_OPAQUE): /* pick_fmt let through opaque resources only, and text for others */
    coap_win_put(e->w, v->p, v->len);
    break;
  default:
    lwm2m_text_encode(e->w, type, v);
  }
  return 0;
}

/* Emits one level of the data model at e's position: 1 every instance of the object, 2 every
 * readable resource of the instance, 3 the resource (each instance of a multiple one), 4 the
 * value of resource instance path.id[3] (LWM2M_NO_ID: of the single resource). In TLV, wrap puts the
 * level in its entry (instance, resource, multiple resource, resource instance), its length
 * counted by a first pass into a null window. Absent optional resources (4.04) are skipped.
 * Discover (link format) walks the same way: each level's link, with the object's version, a
 * multiple resource's dim and the attributes set on it. */
static uint8_t SIZE_OPT("no-thread-jumps", "tree-vrp") /* measured: -44 B */
emit(enc_t *e, uint8_t lvl, uint8_t wrap)
{
  const lwm2m_object_t *o = e->t.obj;
  const lwm2m_res_t *r = e->t.res;
  uint8_t rc = 0;
  unsigned n;
  if(lvl == 3) {
    e->path.id[3] = LWM2M_NO_ID; /* the single resource, until a multiple one's instances */
  }
  if(wrap && e->fmt == ENC(LWM2M_CF_TLV)) {
    coap_win_t cnt, *w = e->w;
    coap_win_init(&cnt, NULL, 0, 0);
    e->w = &cnt;
    rc = emit(e, lvl, 0);
    e->w = w;
    if(rc) {
      return rc;
    }
    /* instance 0, resource instance 1 (levels 2 and 4), multiple resource 2, resource 3 */
    lwm2m_tlv_header(w, lvl == 3 ? LWM2M_TLV_RES - !!(r->flags & LWM2M_MULTI) : lvl / 2 - 1,
                     e->path.id[lvl - 1], cnt.pos);
  }
  /* the next level down: instance slots, resources or resource instances (a single resource: 0) */
  n = lvl == 1 ? o->max_inst : lvl == 2 ? o->nres : lvl == 3 ? res_count(&e->t, r) : 0;
#if LWM2M_WITH_DISCOVER
  if(e->fmt == ENC(LWM2M_CF_LINK)) {
    /* a readable single resource the instance does not have (4.04 to a read) is not listed */
    if(lvl == 3 && (r->flags & (LWM2M_R | LWM2M_MULTI)) == LWM2M_R &&
       emit_value(e) == COAP_NOT_FOUND) {
      return COAP_NOT_FOUND;
    }
    e->path.len = lvl;
    lwm2m_link_path(e->w, (uint8_t)e->first, e->path.id, lvl);
    e->first = 0;
    if(lvl == 1) {
      link_obj_ver(e->w, o);
    }
    /* a Discover on an object gives attributes (dim included) on the object's link only */
    if(lvl == 1 || e->root > 1) {
      if(lvl == 3 && (r->flags & LWM2M_MULTI)) {
        coap_win_str(e->w, ";dim=");
        lwm2m_text_int(e->w, n);
      }
      link_attrs(e);
    }
    if(lvl == 3) {
      return 0;
    }
  }
#endif
  /* a resource here is readable: level 2 skips others, do_read refuses them with 4.05 (before
   * any render, also of the notifications of the observation it starts), Discover returned above */
  if(lvl == 4 || (lvl == 3 && !(r->flags & LWM2M_MULTI))) {
    return emit_value(e);
  }
  for(unsigned i = 0; i < n && (!rc || rc == COAP_NOT_FOUND); i++) {
    if(lvl == 1) {
      e->t.op.slot = i;
      if((e->path.id[1] = o->iids[i]) == LWM2M_NO_ID) {
        continue;
      }
    } else if(lvl == 2) {
      const lwm2m_res_t *c = e->t.res = &o->res[i];
      e->path.id[2] = c->id;
      if(!(c->flags & LWM2M_R) && e->fmt != ENC(LWM2M_CF_LINK)) {
        continue;
      }
    } else {
      e->path.id[3] = (uint16_t)i;
    }
    rc = emit(e, lvl + 1, 1);
  }
  return rc == COAP_NOT_FOUND ? 0 : rc;
}

/* Renders the value(s) at p in fmt; 0 or a CoAP error. */
static uint8_t
render(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, uint16_t fmt, coap_win_t *w)
{
  enc_t e;
  uint8_t rc = resolve(ctx, p, &e.t);
  if(rc) {
    return rc;
  }
  e.w = w;
  e.fmt = ENC(fmt);
  e.first = 1;
  e.path = *p;
#if LWM2M_WITH_DISCOVER
  e.root = p->len;
#endif
#if LWM2M_WITH_SENML_CBOR
  e.recs = 0;
  if(fmt == LWM2M_CF_SENML_CBOR) {
    /* a definite-length array: the records are counted by a first pass into a null window */
    enc_t count = e;
    coap_win_t none;
    coap_win_init(&none, NULL, 0, 0);
    count.w = &none;
    count.recs = 0;
    if((rc = emit(&count, p->len, 0))) {
      return rc;
    }
    lwm2m_cbor_head(w, 4, count.recs);
  }
#endif
  rc = emit(&e, p->len, p->len >= 3); /* a whole object's instances wrap themselves (level 2) */
#if LWM2M_WITH_SENML
  if(fmt == LWM2M_CF_SENML_JSON && !rc) {
    coap_win_str(w, e.first ? "[]" : "]");
  }
#endif
  return rc;
}

#if LWM2M_WITH_OBSERVE
/* Single numeric resource value (for gt/lt/st and change detection); -1 if not numeric. The
 * value is read as render reads it (emit_value), its text counted into a null window. */
static int
read_numeric(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, int32_t *out)
{
  enc_t e;
  coap_win_t w;
  uint8_t type;
  int32_t i;
  if(p->len < 3 || resolve(ctx, p, &e.t) || !(e.t.res->flags & LWM2M_R) ||
     (p->len == 3 && (e.t.res->flags & LWM2M_MULTI))) {
    return -1;
  }
  type = LWM2M_TYPE(e.t.res->flags);
  if(!((1u << LWM2M_T_INT | 1u << LWM2M_T_FLOAT | 1u << LWM2M_T_BOOL | 1u << LWM2M_T_TIME) >> type &
        1)) {
    return -1;
  }
  coap_win_init(&w, NULL, 0, 0);
  e.w = &w;
  e.fmt = ENC(LWM2M_CF_TEXT);
  e.path = *p; /* id[3]: LWM2M_NO_ID for a resource (on_request) */
  if(emit_value(&e)) {
    return -1;
  }
  /* compare floats in thousandths, integers scaled the same way as attribute values; saturate, so an
   * integer beyond +-2,147,483 (a Unix time) compares as beyond every attribute value, not as UB */
  i = e.t.op.v.i;
  *out = i;
  if(type != LWM2M_T_FLOAT && __builtin_mul_overflow(i, 1000, out)) {
    *out = (i >> 31) ^ INT32_MAX; /* INT32_MIN below 0 */
  }
  return 0;
}
#endif

/* ---------------------------------------------------------------- writing / decoding */

/* 4.05 for a write of resource r without W (bootstrap semantics ignore W), else 0. Checked
 * before the value is decoded: a value the resource could not take (4.00, 4.15) is no reason
 * to answer other than that it cannot be written at all. */
static inline __attribute__((always_inline)) uint8_t
not_writable(const target_t *x, const lwm2m_res_t *r)
{
  return !BS_MODE(x) && !(r->flags & LWM2M_W) ? COAP_METHOD_NOT_ALLOWED : 0;
}

/* r: checked (not_writable) */
static uint8_t
write_value(target_t *x, const lwm2m_res_t *r, uint16_t riid)
{
  return call_op(x, LWM2M_OP_WRITE, r->id, riid); /* x->op.v; a check in the dry run */
}

static uint8_t
clear_multi(target_t *x, const lwm2m_res_t *r)
{
  if(x->op.check || !x->replace) {
    return 0;
  }
  return call_op(x, LWM2M_OP_CLEAR, r->id, 0);
}

/* Writes the TLV entries in [p, end) found at level lvl: 1 instances of the object, 2 resources
 * of an instance, 3 instances of multiple resource x->res. The tree was validated. want: the id
 * of the one entry there must be (the path's), or LWM2M_NO_ID for any entries. */
static uint8_t
tlv_walk(target_t *x, uint8_t lvl, const uint8_t *p, const uint8_t *end, uint16_t want)
{
  const lwm2m_res_t *r = x->res;
  lwm2m_tlv_t t;
  uint8_t rc, type;
  while(lwm2m_tlv_next(&p, end, &t) > 0) {
    if(want != LWM2M_NO_ID && (t.id != want || p != end)) {
      return COAP_BAD_REQUEST;
    }
    if(lvl == 2 && !(x->res = r = find_res(x->obj, t.id))) {
      if(BS_MODE(x)) {
        continue; /* bootstrap: unknown optional resources are skipped */
      }
      return COAP_NOT_FOUND;
    }
    if(lvl == 2 && (rc = not_writable(x, r))) {
      return rc;
    }
    /* the one entry type each level holds: 1 instance (0), 3 resource instance (1), 2 resource
     * (3) or multiple resource (2) */
    type = lvl == 2 ? LWM2M_TLV_RES - !!(r->flags & LWM2M_MULTI) : lvl >> 1;
    if(t.type != type) {
      return COAP_BAD_REQUEST;
    }
    if(type == LWM2M_TLV_INST) {
      if((rc = write_inst(x, t.id))) {
        return rc;
      }
    } else if(type == LWM2M_TLV_MULTI) {
      if((rc = clear_multi(x, r))) {
        return rc;
      }
    } else {
      if(lwm2m_decode(LWM2M_TYPE(r->flags), t.val, t.len, &x->op.v) < 0) {
        return COAP_BAD_REQUEST;
      }
      if((rc = write_value(x, r, lvl == 3 ? t.id : LWM2M_NO_ID))) {
        return rc;
      }
      continue;
    }
    /* an instance's resources, a multiple resource's instances */
    if((rc = tlv_walk(x, lvl + 1, t.val, t.val + t.len, LWM2M_NO_ID))) {
      return rc;
    }
  }
  return 0;
}

/* The root path "/": Read-Composite (FETCH) and Write-Composite (iPATCH) name their paths in the
 * payload */
#define COMPOSITE_ROOT(p) (LWM2M_WITH_COMPOSITE && !(p)->len)
#define IS_SENML(cf) ((LWM2M_WITH_SENML && (cf) == LWM2M_CF_SENML_JSON) || \
                      (LWM2M_WITH_SENML_CBOR && (cf) == LWM2M_CF_SENML_CBOR))

#if LWM2M_WITH_SENML && LWM2M_WITH_SENML_CBOR
#define SENML_NEXT(fmt, rd, rec) \
  ((fmt) == LWM2M_CF_SENML_CBOR ? lwm2m_senml_cbor_next : lwm2m_senml_next)(rd, rec)
#elif LWM2M_WITH_SENML_CBOR
#define SENML_NEXT(fmt, rd, rec) lwm2m_senml_cbor_next(rd, rec)
#else
#define SENML_NEXT(fmt, rd, rec) lwm2m_senml_next(rd, rec)
#endif

/* One pass of the write of req's payload at path p in x's mode (bootstrap: creates instances,
 * ignores W). */
static uint8_t
write_path(target_t *x, const lwm2m_path_t *p, const coap_msg_t *req)
{
  const uint8_t *pl = req->payload;
  uint16_t n = req->payload_len, fmt = req->content_format;
  const lwm2m_res_t *r;
  uint16_t want;
  uint8_t rc, lvl;

  if(!COMPOSITE_ROOT(p) && (rc = locate(x, p))) {
    return rc;
  }
  r = x->res; /* NULL above a resource */
  if(r && (rc = not_writable(x, r))) {
    return rc;
  }
  switch(fmt) {
  case LWM2M_CF_TEXT:
  case LWM2M_CF_OPAQUE: {
    if(p->len < 3) {
      return COAP_UNSUPPORTED_CF;
    }
    if(p->len == 3 && (r->flags & LWM2M_MULTI)) {
      return COAP_UNSUPPORTED_CF;
    }
    if((fmt == LWM2M_CF_OPAQUE) != (LWM2M_TYPE(r->flags) == LWM2M_T_OPAQUE)) {
      return COAP_UNSUPPORTED_CF;
    }
    if(lwm2m_decode(LWM2M_TYPE(r->flags) | LWM2M_DEC_TEXT, pl, n, &x->op.v) < 0) {
      return COAP_BAD_REQUEST;
    }
    return write_value(x, r, p->id[3]); /* LWM2M_NO_ID past the path (on_request) */
  }
  case LWM2M_CF_TLV:
  case LWM2M_CF_TLV_OLD:
    if(lwm2m_tlv_check(pl, n) < 0) {
      return COAP_BAD_REQUEST;
    }
    /* the entries at the path's level; one entry, the resource (instance) itself, at a resource
     * (instance); at an instance, one instance entry wrapping the resources is accepted too (the
     * entry type: the top two bits of its first byte) */
    lvl = p->len;
    want = LWM2M_NO_ID;
    if(lvl > 2 || (lvl == 2 && n && pl[0] >> 6 == LWM2M_TLV_INST)) {
      if(!n) {
        return COAP_BAD_REQUEST;
      }
      want = p->id[--lvl];
    }
    return tlv_walk(x, lvl, pl, pl + n, want);
#if LWM2M_WITH_SENML || LWM2M_WITH_SENML_CBOR
#if LWM2M_WITH_SENML
  case LWM2M_CF_SENML_JSON:
#endif
#if LWM2M_WITH_SENML_CBOR
  case LWM2M_CF_SENML_CBOR:
#endif
  {
    lwm2m_senml_reader_t rd;
    lwm2m_senml_rec_t rec;
    int k;
    lwm2m_senml_reader_init(&rd, pl, n);
    while((k = SENML_NEXT(fmt, &rd, &rec)) > 0) {
      uint8_t i;
      if(rec.path.len < 3) {
        return COAP_BAD_REQUEST;
      }
      for(i = 0; i < p->len; i++) {
        if(rec.path.id[i] != p->id[i]) {
          return COAP_BAD_REQUEST;
        }
      }
      if(COMPOSITE_ROOT(p)) { /* Write-Composite: each record names its object, never /0 */
        if(!rec.path.id[0]) {
          return COAP_UNAUTHORIZED;
        }
        if(!(x->obj = find_obj(x->ctx, rec.path.id[0]))) {
          return COAP_NOT_FOUND;
        }
      }
      if(!(r = find_res(x->obj, rec.path.id[2]))) {
        return COAP_NOT_FOUND;
      }
      if((rc = not_writable(x, r))) {
        return rc;
      }
      if((rc = write_inst(x, rec.path.id[1]))) {
        return rc;
      }
      if(((r->flags & LWM2M_MULTI) != 0) != (rec.path.len == 4) ||
         lwm2m_senml_decode(&rec, LWM2M_TYPE(r->flags), &x->op.v) < 0) {
        return COAP_BAD_REQUEST;
      }
      if((rc = write_value(x, r, rec.path.len == 4 ? rec.path.id[3] : LWM2M_NO_ID))) {
        return rc;
      }
      if(COMPOSITE_ROOT(p) && !x->op.check) {
        lwm2m_changed(x->ctx, rec.path.id[0], rec.path.id[1], rec.path.id[2]);
      }
    }
    return k < 0 ? COAP_BAD_REQUEST : 0;
  }
#endif
  }
  return COAP_UNSUPPORTED_CF;
}

/* Validate everything first (dry run), then apply: a failed write changes nothing. x: the
 * write's context and mode (bs, replace); write_path sets its object, slot and resource. */
static uint8_t
write_checked(target_t *x, const lwm2m_path_t *p, const coap_msg_t *req)
{
  uint8_t rc;
  for(x->op.check = 1;; x->op.check = 0) {
    if(BS_WRITES) {
      x->made = 0xFF;
      x->last = LWM2M_NO_ID;
    }
    if((rc = write_path(x, p, req)) || !x->op.check) {
      return rc;
    }
  }
}

#if LWM2M_WITH_OBSERVE
static void obs_cancel_path(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, unsigned len);
#endif

/* Deletes the instance t has resolved (t->op.slot), at path p (object and instance) */
__attribute__((unused)) static void
delete_inst(target_t *t, const lwm2m_path_t *p)
{
  call_op(t, LWM2M_OP_DELETE, 0, 0);
  t->obj->iids[t->op.slot] = LWM2M_NO_ID;
#if LWM2M_WITH_OBSERVE
  obs_cancel_path(t->ctx, p, 2);
#else
  (void)p;
#endif
  lwm2m_request_update(t->ctx, LWM2M_UPD_OBJS);
}

/* ---------------------------------------------------------------- attributes, observe */

#if LWM2M_WITH_OBSERVE
/* a is a prefix of b (or equal) */
static inline __attribute__((always_inline)) int
path_prefix(const lwm2m_path_t *a, const lwm2m_path_t *b)
{
  return a->len <= b->len && !memcmp(a->id, b->id, 2u * a->len);
}

/* The attributes written on the first len ids of p, else a free entry, else NULL */
static lwm2m_attr_t *
attr_find(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, unsigned len)
{
  lwm2m_attr_t *f = NULL;
  for(unsigned i = 0; i < LWM2M_MAX_ATTRS; i++) {
    lwm2m_attr_t *a = &ctx->attrs[i];
    if(!a->set) {
      f = a;
    } else if(a->path.len == len && !memcmp(a->path.id, p->id, 2u * len)) {
      return a;
    }
  }
  return f;
}

/* Merges into m (its set bits saying which) the attributes written on p's levels from the first
 * len ids down to p itself: the closest level's win. gt / lt / st are only ever written on a single
 * numeric resource (write_attrs: read_numeric), the last level of any path they are found on. */
static void
attr_merge(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, unsigned len, lwm2m_attr_t *m)
{
  for(; len <= p->len; len++) {
    const lwm2m_attr_t *a = attr_find(ctx, p, len);
    unsigned set = a ? a->set : 0; /* a free entry has none */
    m->set |= set;
    for(unsigned b = 0; set; b++, set >>= 1) {
      if(set & 1) {
        m->v[b] = a->v[b];
      }
    }
  }
}

/* Ends the observations of the first len ids of p and of what they hold: an instance's when it
 * is deleted (len 2: each observer gets a 4.04), every one for a new registration (len 0) */
static void
obs_cancel_path(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, unsigned len)
{
  for(lwm2m_obs_t *o = ctx->obs; o < ctx->obs + LWM2M_MAX_OBS; o++) {
    if(o->path.len >= len && !memcmp(o->path.id, p->id, 2u * len)) {
      if(len) {
        coap_observe_gone(&ctx->coap, &o->co);
      } else {
        coap_observe_stop(&ctx->coap, &o->co);
      }
    }
  }
#if LWM2M_WITH_COMPOSITE
  if(!len) { /* (a composite observation outlives a deleted instance: it reads what is there) */
    coap_observe_stop(&ctx->coap, &ctx->cobs.co);
  }
#endif
}

typedef struct nctx {
  lwm2m_ctx_t *ctx;
  lwm2m_obs_t *o;
} nctx_t;

static void SIZE_OPT("optimize-sibling-calls") /* measured: -4 B */
notify_render(void *arg, coap_win_t *w)
{
  nctx_t *n = arg;
  render(n->ctx, &n->o->path, n->o->cf, w);
}

static void
notify_build(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  nctx_t n = { CTX(c), t->arg };
  coap_build_notification(t, b, &n.o->co, n.o->cf, notify_render, &n);
}

static void
on_rst(coap_ctx_t *c, const coap_ep_t *from, uint16_t mid)
{
  lwm2m_ctx_t *ctx = CTX(c);
  for(unsigned i = 0; i < LWM2M_MAX_OBS; i++) {
    coap_observer_t *o = &ctx->obs[i].co;
    if(o->last_mid == mid && coap_ep_equal(&o->ep, from)) {
      o->active = 0; /* Cancel Observation by Reset (again if already inactive: harmless) */
    }
  }
#if LWM2M_WITH_COMPOSITE
  if(ctx->cobs.co.last_mid == mid && coap_ep_equal(&ctx->cobs.co.ep, from)) {
    ctx->cobs.co.active = 0;
  }
#endif
}

/* s seconds in ms, at most 4,294,967 s (49.7 days: the span of the ms clock; more would wrap) */
static inline __attribute__((always_inline)) uint32_t
secs_ms(uint32_t s)
{
  return (s < 4294967u ? s : 4294967u) * 1000u;
}

/* The attributes in effect on an observation of p into a (its periods: the current account's,
 * unless a level of the path has its own), and its periods in ms: pmax 0xFFFFFFFF for none
 * (0, or below pmin: ignored) */
static inline __attribute__((always_inline)) void
periods(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, lwm2m_attr_t *a, uint32_t *pmin, uint32_t *pmax)
{
  const lwm2m_server_t *srv = &CUR_SRV(ctx);
  a->pmin = srv->pmin;
  a->pmax = srv->pmax;
  a->set = 0;
  attr_merge(ctx, p, 1, a);
  *pmax = a->pmax >= a->pmin ? secs_ms(a->pmax) : 0;
  if(!*pmax) {
    *pmax = 0xFFFFFFFFu;
  }
  *pmin = secs_ms(a->pmin);
}

/* Checks observations; returns ms until the next check is needed. */
static inline __attribute__((always_inline)) uint32_t /* measured: inlined is smaller */
obs_step(lwm2m_ctx_t *ctx, uint32_t now)
{
  uint32_t next = 0xFFFFFFFFu;
  for(lwm2m_obs_t *o = ctx->obs; o < ctx->obs + LWM2M_MAX_OBS; o++) {
    uint32_t el = now - o->last_ms, pmin, pmax, d, w;
    int32_t cur;
    lwm2m_attr_t a;
    if(!o->co.active) {
      continue;
    }
    periods(ctx, &o->path, &a, &pmin, &pmax);
    w = LWM2M_POLL_MS;
    if(read_numeric(ctx, &o->path, &cur)) {
      /* anything else (an instance, an object, a string or multiple resource) is sampled by the
       * hash of its representation (the ETag's): a sensor that changes with time need not call
       * lwm2m_changed for an observation of its instance to notify at pmin */
      coap_win_t h;
      coap_win_init(&h, NULL, 0, 0);
      render(ctx, &o->path, o->cf, &h);
      if((cur = h.sum) != o->last_val) {
        o->changed = 1;
      }
    } else {
      /* values between the last notified one and this one: [lo, lo + span]; gt is crossed if
       * lo <= gt < lo + span, lt if lo < lt <= lo + span (unsigned, so without overflow).
       * gt/lt/st are written on the observed resource itself (write_attrs allows no other level) */
      unsigned s = a.set;
      uint32_t lo = (uint32_t)(cur < o->last_val ? cur : o->last_val);
      uint32_t span = (uint32_t)(cur < o->last_val ? o->last_val : cur) - lo;
      uint32_t st = 1; /* no threshold: any change (st of one thousandth) */
      if(!(s & (LWM2M_A_GT | LWM2M_A_LT | LWM2M_A_ST))) {
        s = LWM2M_A_ST;
      } else {
        st = (uint32_t)a.st; /* used only where s has its bit */
      }
      if(((s & LWM2M_A_GT) && (uint32_t)a.gt - lo < span) ||
         ((s & LWM2M_A_LT) && (uint32_t)a.lt - 1u - lo < span) ||
         ((s & LWM2M_A_ST) && st <= span)) {
        o->changed = 1;
      }
    }
    d = o->changed && pmin < pmax ? pmin : pmax;
    if(el >= d) {
      if(coap_observe_notify(&ctx->coap, &o->co, LWM2M_NOTIFY_CON, notify_build, NULL, o) < 0) {
        w = LWM2M_POLL_MS; /* no transaction slot: try again later */
        d = 0xFFFFFFFFu;
      } else {
        o->last_ms = now;
        o->changed = 0;
        o->last_val = cur;
        el = 0;
        d = pmax;
      }
    }
    if(d != 0xFFFFFFFFu && d - el < w) {
      w = d - el;
    }
    if(w < next) {
      next = w;
    }
  }
  return next;
}

/* GET with Observe 0 (start, or re-register the same observation) or 1 (cancel) */
static void
obs_start(lwm2m_ctx_t *ctx, const coap_ep_t *from, const coap_msg_t *req,
          const lwm2m_path_t *p, uint16_t fmt, coap_resp_t *r)
{
  lwm2m_obs_t *o = NULL;
  for(unsigned i = 0; i < LWM2M_MAX_OBS; i++) {
    lwm2m_obs_t *c = &ctx->obs[i];
    if(!c->co.active) {
      o = o ? o : c; /* the first free one (an inactive observer matches no token anyway) */
    } else if(coap_observe_match_token(&c->co, from, req) ||
              (!req->observe && c->path.len == p->len && path_prefix(&c->path, p))) {
      if(req->observe) {
        coap_observe_stop(&ctx->coap, &c->co); /* Cancel Observation by GET with Observe=1 */
        continue;
      }
      o = c; /* re-registration of the same observation */
      break;
    }
  }
  if(!o || req->observe) {
    return; /* no room: served as a plain read (RFC 7641 4.1) */
  }
  coap_observe_start(&o->co, from, req, r);
  o->path = *p;
  o->cf = fmt;
  o->last_ms = ctx->now;
  o->changed = 0;
  o->last_val = r->win.sum; /* the hash of what the response carries (obs_step) */
  read_numeric(ctx, p, &o->last_val);
}

#endif /* LWM2M_WITH_OBSERVE */
#if LWM2M_WITH_OBSERVE
/* A change at (oid, iid, rid) (LWM2M_NO_ID past its path) and path p overlap: either contains the
 * other (an active observation names an object at least; an inactive one starts afresh anyway) */
static inline __attribute__((always_inline)) int
touches(const lwm2m_path_t *p, uint16_t oid, uint16_t iid, uint16_t rid)
{
  return p->id[0] == oid &&
         (p->len < 2 || iid == LWM2M_NO_ID ||
          (p->id[1] == iid && (p->len < 3 || rid == LWM2M_NO_ID || p->id[2] == rid)));
}
#endif

void SIZE_OPT("no-ivopts") /* measured: -2 B */
lwm2m_changed(lwm2m_ctx_t *ctx, uint16_t oid, uint16_t iid, uint16_t rid)
{
#if LWM2M_WITH_OBSERVE
  for(lwm2m_obs_t *o = ctx->obs; o < ctx->obs + LWM2M_MAX_OBS; o++) {
    if(touches(&o->path, oid, iid, rid)) {
      o->changed = 1;
    }
  }
#if LWM2M_WITH_COMPOSITE
  for(uint8_t i = 0; i < ctx->cobs.paths.n; i++) {
    const lwm2m_path_t *p = &ctx->cobs.paths.p[i];
    if(p->len && touches(p, oid, iid, rid)) {
      ctx->cobs.changed |= 1u << i;
    }
  }
#endif
#else
  (void)ctx;
  (void)oid;
  (void)iid;
  (void)rid;
#endif
}

/* ---------------------------------------------------------------- Discover, attributes */

#if LWM2M_WITH_OBSERVE
/* attribute names in LWM2M_A_* bit order, one after the other; then the accepted, unused ones */
static const char attr_names[] = "pmin\0pmax\0gt\0lt\0st\0epmin\0epmax";
#endif

#if LWM2M_WITH_DISCOVER
/* Discover: the attributes on e's path as ";name=value" link parameters: its own, and on a
 * resource asked for itself those it inherits from its instance and object too (TS 5.4.2) */
static void
link_attrs(const enc_t *e)
{
#if LWM2M_WITH_OBSERVE
  coap_win_t *w = e->w;
  lwm2m_attr_t a;
  const char *nm = attr_names;
  a.set = 0;
  attr_merge(e->t.ctx, &e->path, e->root == 3 ? 1 : e->path.len, &a);
  for(unsigned b = 0; b < 5; b++, nm += strlen(nm) + 1) {
    if(a.set >> b & 1) {
      coap_win_byte(w, ';');
      coap_win_str(w, nm);
      coap_win_byte(w, '=');
      (b < 2 ? lwm2m_text_int : lwm2m_text_milli)(w, a.v[b]);
    }
  }
#else
  (void)e;
#endif
}

#endif

static void
link_obj_ver(coap_win_t *w, const lwm2m_object_t *o)
{
  if(o->ver && o->ver != 0x10) {
    coap_win_str(w, ";ver=");
    lwm2m_text_int(w, o->ver >> 4);
    coap_win_byte(w, '.');
    lwm2m_text_int(w, o->ver & 15);
  }
}


#if LWM2M_WITH_BOOTSTRAP
/* Bootstrap-Discover: lwm2m version, then every object and instance, with the ssid / uri of
 * Security and Server instances (obj_links). */
static void obj_links(lwm2m_ctx_t *ctx, coap_win_t *w, uint8_t first, uint16_t only, unsigned bs);
static void
bs_discover(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, coap_win_t *w)
{
  coap_win_str(w, "</>;lwm2m=1.1");
  obj_links(ctx, w, 0, p->len ? p->id[0] : LWM2M_NO_ID, 1);
}
#endif /* LWM2M_WITH_BOOTSTRAP */

#if LWM2M_WITH_OBSERVE
/* Write-Attributes: "name=value" sets, "name" alone removes; all of a path's attributes live in one
 * entry, which is freed when none is left */
static uint8_t
write_attrs(lwm2m_ctx_t *ctx, const lwm2m_path_t *p, const target_t *t, const coap_msg_t *req)
{
  lwm2m_attr_t a, *slot = attr_find(ctx, p, p->len);
  coap_opt_iter_t it;
  const uint8_t *v;
  uint16_t l;
  int32_t x;
  (void)t;
  a.set = 0; /* values are read only where their bit is set */
  if(slot) {
    a = *slot; /* a free entry has set 0 */
  }
  a.path = *p;
  coap_opt_iter_init(&it, req);
  while(coap_opt_find(&it, COAP_OPT_URI_QUERY, &v, &l)) {
    const uint8_t *eq = memchr(v, '=', l);
    unsigned k, n = eq ? (unsigned)(eq - v) : l; /* the name's length */
    const char *nm = attr_names;
    for(k = 0; k < 7 && (strlen(nm) != n || memcmp(v, nm, n)); k++) {
      nm += strlen(nm) + 1;
    }
    if(k == 7) {
      return COAP_BAD_REQUEST;
    }
    if(k >= 5) {
      continue; /* evaluation periods: accepted, not used */
    }
    /* gt, lt, st: numeric single resources only */
    if(k >= 2 && read_numeric(ctx, p, &x) < 0) {
      return COAP_BAD_REQUEST;
    }
    a.set &= ~(1u << k);
    if(l == n) {
      continue;
    }
    /* pmin, pmax: whole seconds; gt, lt, st: thousandths; pmin, pmax, st not negative */
    if(lwm2m_parse_num((const char *)v + n + 1, (uint16_t)(l - n - 1), &x, k >= 2) < 0 ||
       (x < 0 && (0x13 >> k & 1))) { /* 0x13: bits of pmin, pmax, st */
      return COAP_BAD_REQUEST;
    }
    a.set |= 1u << k;
    a.v[k] = x;
  }
  /* pmax >= pmin; lt < gt and lt + 2 * st < gt (without overflow: 2 * st fits in 32 bits) */
  if(((a.set & 3) == 3 && a.pmax < a.pmin) ||
     ((a.set & (LWM2M_A_GT | LWM2M_A_LT)) == (LWM2M_A_GT | LWM2M_A_LT) &&
      (a.lt >= a.gt ||
       ((a.set & LWM2M_A_ST) && 2u * (uint32_t)a.st >= (uint32_t)a.gt - (uint32_t)a.lt)))) {
    return COAP_BAD_REQUEST;
  }
  if(!slot) {
    return a.set ? COAP_INTERNAL_ERROR : COAP_CHANGED; /* every entry in use */
  }
  *slot = a;
  return COAP_CHANGED;
}

#endif /* LWM2M_WITH_OBSERVE */

/* ---------------------------------------------------------------- request dispatch */

/* The content format of a read: Accept, else the default. A single resource's default (opaque for
 * opaque, else text) is also the only one of those two it takes; TLV and SenML take any path. */
static uint8_t
pick_fmt(const coap_msg_t *req, const lwm2m_path_t *p, const target_t *t, uint16_t *fmt)
{
  int single = p->len == 4 || (p->len == 3 && !(t->res->flags & LWM2M_MULTI));
  uint16_t dflt = !single ? LWM2M_CF_TLV
                  : LWM2M_TYPE(t->res->flags) == LWM2M_T_OPAQUE ? LWM2M_CF_OPAQUE
                                                                 : LWM2M_CF_TEXT;
  uint16_t f = req->accept == COAP_NO_CF ? dflt : req->accept;
  *fmt = f;
  return f == dflt || f == LWM2M_CF_TLV || f == LWM2M_CF_TLV_OLD || IS_SENML(f)
           ? 0
           : COAP_NOT_ACCEPTABLE;
}

/* Read, and Discover (Accept: link format; not in a Bootstrap-Read, from NULL): one render */
static uint8_t
do_read(lwm2m_ctx_t *ctx, const coap_ep_t *from, const coap_msg_t *req, const lwm2m_path_t *p,
        const target_t *t, coap_resp_t *r)
{
  uint16_t fmt;
  uint8_t rc;
#if LWM2M_WITH_DISCOVER
  if(req->accept == LWM2M_CF_LINK && (!LWM2M_WITH_BOOTSTRAP || from)) {
    if(p->len == 4) {
      return COAP_BAD_REQUEST;
    }
    fmt = LWM2M_CF_LINK;
  } else
#endif
  {
    if(p->len >= 3 && !(t->res->flags & LWM2M_R)) {
      return COAP_METHOD_NOT_ALLOWED;
    }
    if((rc = pick_fmt(req, p, t, &fmt))) {
      return rc;
    }
  }
  if((rc = render(ctx, p, fmt, &r->win))) {
    return rc;
  }
  r->cf = fmt;
#if LWM2M_WITH_OBSERVE
  /* Discover and Bootstrap-Read (from NULL, only with bootstrap) start no observation */
  if(fmt != LWM2M_CF_LINK && (!LWM2M_WITH_BOOTSTRAP || from) && req->observe <= 1) {
    obs_start(ctx, from, req, p, fmt, r);
  }
#else
  (void)from;
#endif
  return COAP_CONTENT;
}

static uint8_t
do_stream(const coap_msg_t *req, target_t *t, coap_resp_t *r)
{
  uint32_t b1 = req->block1;
  lwm2m_op_t *x = &t->op;
  uint8_t rc;
  if(req->content_format != LWM2M_CF_OPAQUE && req->content_format != COAP_NO_CF) {
    return COAP_UNSUPPORTED_CF;
  }
  x->offset = 0; /* without Block1: one final block at offset 0 */
  x->more = 0;
  if(b1 != COAP_NONE) {
    if(COAP_BLOCK_SZX(b1) > LWM2M_STREAM_MAX_SZX) {
      r->block1 = COAP_BLOCK(0, 0, LWM2M_STREAM_MAX_SZX);
      r->size1 = COAP_BLOCK_SIZE(LWM2M_STREAM_MAX_SZX);
      return COAP_TOO_LARGE;
    }
    x->offset = COAP_BLOCK_NUM(b1) << (COAP_BLOCK_SZX(b1) + 4);
    x->more = (uint8_t)COAP_BLOCK_MORE(b1);
    /* a block with more to come is exactly the block size (RFC 7959 2.2) */
    if(x->more && req->payload_len != COAP_BLOCK_SIZE(COAP_BLOCK_SZX(b1))) {
      return COAP_BAD_REQUEST;
    }
  }
  x->v.p = req->payload;
  x->v.len = req->payload_len;
  x->v.i = 0;
  if((rc = call_op(t, LWM2M_OP_BLOCK, t->res->id, LWM2M_NO_ID))) {
    return rc;
  }
  r->block1 = b1; /* echoed; COAP_NONE (the response's default, no option) without Block1 */
  return x->more ? COAP_CONTINUE : COAP_CHANGED;
}

/* t: resolved by a management server's request (t->res for a streamed resource), or just the
 * context (bs); its mode set (bs, replace) */
static uint8_t
do_write(const coap_msg_t *req, const lwm2m_path_t *p, target_t *t, coap_resp_t *r)
{
  uint8_t rc;
  if(p->len == 3 && STREAMED(t->res)) {
    return do_stream(req, t, r);
  }
  /* a block number or "more": anything above block 0 without more (whatever its size) */
  if(req->block1 != COAP_NONE && req->block1 > COAP_BLOCK(0, 0, 7)) {
    r->size1 = LWM2M_MAX_BODY; /* no reassembly buffer: the whole body must come at once */
    return COAP_TOO_LARGE;
  }
  if(req->content_format == COAP_NO_CF) {
    return COAP_BAD_REQUEST;
  }
  rc = write_checked(t, p, req);
  if(rc) {
    return rc;
  }
  if(!BS_MODE(t) && !COMPOSITE_ROOT(p)) { /* an instance at least (dm_request); a composite
                                            * write reports each of its resources (write_path) */
    lwm2m_changed(t->ctx, p->id[0], p->id[1], p->id[2]); /* LWM2M_NO_ID past the path */
  }
  return COAP_CHANGED;
}

#if LWM2M_WITH_CREATE
static char loc_buf[12]; /* "65535/65535" */

/* Create is a bootstrap-style write (it makes the instance, ignores W) at /o/iid, the instance
 * given by the server in an instance TLV or else the first free ID. */
static uint8_t
do_create(const coap_msg_t *req, target_t *t, coap_resp_t *r)
{
  const lwm2m_object_t *o = t->obj;
  const uint8_t *pl = req->payload;
  lwm2m_path_t p = { { o->id, 0 }, 2 };
  lwm2m_tlv_t tl;
  uint8_t rc, named;
  coap_win_t w;
  if(!(o->flags & LWM2M_OBJ_CREATE)) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(req->content_format != LWM2M_CF_TLV && req->content_format != LWM2M_CF_TLV_OLD) {
    return COAP_UNSUPPORTED_CF;
  }
  named = lwm2m_tlv_next(&pl, pl + req->payload_len, &tl) > 0 && tl.type == LWM2M_TLV_INST;
  p.id[1] = named ? tl.id : 0;
  while(find_slot(o, p.id[1]) >= 0) {
    if(named) {
      return COAP_BAD_REQUEST; /* the server's instance id exists */
    }
    p.id[1]++; /* else the first free id */
  }
  t->bs = 1;
  if((rc = write_checked(t, &p, req))) {
    return rc;
  }
  /* Location-Path "o/iid": the instance's link "</o/iid>", its "</" skipped, its ">" made NUL */
  coap_win_init(&w, (uint8_t *)loc_buf, sizeof(loc_buf), 2);
  lwm2m_link_path(&w, 1, p.id, 2);
  loc_buf[w.pos - 3] = 0;
  r->location = loc_buf;
  return COAP_CREATED;
}
#endif /* LWM2M_WITH_CREATE */

#if LWM2M_WITH_COMPOSITE
/* Whether another of paths[0..n) holds p: a shorter one above it, or the same one earlier */
static int
covered(const lwm2m_path_t *paths, uint8_t n, const lwm2m_path_t *p)
{
  for(const lwm2m_path_t *q = paths; q < paths + n; q++) {
    if(q != p && q->len <= p->len && !memcmp(q->id, p->id, 2u * q->len) &&
       (q->len < p->len || q < p)) {
      return 1;
    }
  }
  return 0;
}

/* The values at paths[0..n) as one SenML pack in fmt. Best effort (TS 1.1 6.3.3): a path that
 * cannot be read (absent, not readable) is left out, and so is /0 (a Send's paths come from the
 * application; a server's composite request naming /0 got 4.01 before this). Whether any record
 * was written. */
static int
render_paths(lwm2m_ctx_t *ctx, const lwm2m_path_t *paths, uint8_t n, uint16_t fmt, coap_win_t *w)
{
  coap_win_t none;
  enc_t e;
  coap_win_init(&none, NULL, 0, 0);
  e.fmt = ENC(fmt);
  e.first = 1;
#if LWM2M_WITH_SENML_CBOR
  e.recs = 0;
#endif
  /* SenML CBOR's array is counted first: a pass into a null window */
  for(int pass = fmt == LWM2M_CF_SENML_CBOR ? 0 : 1; pass < 2; pass++) {
    e.w = pass ? w : &none;
#if LWM2M_WITH_SENML_CBOR
    if(pass && fmt == LWM2M_CF_SENML_CBOR) {
      lwm2m_cbor_head(w, 4, e.recs);
    }
#endif
    for(const lwm2m_path_t *p = paths; p < paths + n; p++) {
      if(covered(paths, n, p)) {
        continue; /* each value once */
      }
      if(p->len && p->id[0] && !resolve(ctx, p, &e.t) && (p->len < 3 || (e.t.res->flags & LWM2M_R))) {
        e.path = *p;
#if LWM2M_WITH_DISCOVER
        e.root = p->len;
#endif
        emit(&e, p->len, 0); /* SenML has no wrapping; an error leaves the path out */
      }
    }
  }
#if LWM2M_WITH_SENML
  if(fmt == LWM2M_CF_SENML_JSON) {
    coap_win_str(w, e.first ? "[]" : "]");
    return !e.first;
  }
#endif
#if LWM2M_WITH_SENML_CBOR
  return e.recs != 0;
#endif
}

#if LWM2M_WITH_OBSERVE
static void
cobs_render(void *arg, coap_win_t *w)
{
  lwm2m_ctx_t *ctx = arg;
  render_paths(ctx, ctx->cobs.paths.p, ctx->cobs.paths.n, ctx->cobs.cf, w);
}

static void
cobs_build(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  lwm2m_ctx_t *ctx = CTX(c);
  coap_build_notification(t, b, &ctx->cobs.co, ctx->cobs.cf, cobs_render, ctx);
}

/* Samples the single numeric resources among the composite observation's paths: the bits of
 * those that differ from the value last notified (with `keep`: remembers the values instead);
 * -1 if none is numeric */
static int32_t
cobs_sample(lwm2m_ctx_t *ctx, uint8_t keep)
{
  lwm2m_cobs_t *o = &ctx->cobs;
  int32_t changed = -1;
  for(uint8_t i = 0; i < o->paths.n; i++) {
    int32_t v;
    if(!read_numeric(ctx, &o->paths.p[i], &v)) {
      changed = (changed < 0 ? 0 : changed) | (v != o->last[i]) << i;
      if(keep) {
        o->last[i] = v;
      }
    }
  }
  return changed;
}

/* The Observe-Composite observation: each path with the periods in effect on it (Write-Attributes
 * on its levels, else the server's), as an observation of it alone would have; a notification of
 * all of them when the first is due: a path's pmax, or its pmin after it changed (a write, an
 * object's lwm2m_changed, a sampled numeric value). Returns ms until it needs a look again. */
static uint32_t
cobs_step(lwm2m_ctx_t *ctx, uint32_t now)
{
  lwm2m_cobs_t *o = &ctx->cobs;
  uint32_t el = now - o->last_ms, d = 0xFFFFFFFFu, w;
  int32_t sampled;
  if(!o->co.active) {
    return 0xFFFFFFFFu;
  }
  sampled = cobs_sample(ctx, 0);
  if(sampled > 0) {
    o->changed |= (uint32_t)sampled;
  }
  w = sampled < 0 ? 0xFFFFFFFFu : LWM2M_POLL_MS;
  for(uint8_t i = 0; i < o->paths.n; i++) {
    lwm2m_attr_t a;
    uint32_t pmin, pmax, di;
    periods(ctx, &o->paths.p[i], &a, &pmin, &pmax);
    di = (o->changed >> i & 1) && pmin < pmax ? pmin : pmax;
    if(di < d) {
      d = di;
    }
  }
  if(d != 0xFFFFFFFFu && el >= d) {
    if(coap_observe_notify(&ctx->coap, &o->co, LWM2M_NOTIFY_CON, cobs_build, NULL, o) < 0) {
      return LWM2M_POLL_MS; /* no transaction slot: try again later */
    }
    cobs_sample(ctx, 1);
    o->last_ms = now;
    o->changed = 0;
    return LWM2M_POLL_MS < w ? LWM2M_POLL_MS : w; /* the periods start again: a look soon */
  }
  return d != 0xFFFFFFFFu && d - el < w ? d - el : w;
}
#endif

/* FETCH / iPATCH on "/": Read-Composite (Observe-Composite with Observe 0, its cancel with 1) /
 * Write-Composite, SenML JSON or CBOR */
static uint8_t
composite(lwm2m_ctx_t *ctx, const coap_ep_t *from, const coap_msg_t *req, coap_resp_t *r)
{
  uint16_t fmt = req->accept == COAP_NO_CF ? req->content_format : req->accept;
  lwm2m_senml_reader_t rd;
  lwm2m_senml_rec_t rec;
  lwm2m_paths_t ps;
  int k;
  if(!IS_SENML(req->content_format)) {
    return COAP_UNSUPPORTED_CF;
  }
  if(req->code == COAP_IPATCH) {
    target_t t;
    t.ctx = ctx;
    t.res = NULL;
    t.bs = 0;
    t.replace = 0;
    t.op.slot = 0;
    return do_write(req, &(const lwm2m_path_t){ { 0 }, 0 }, &t, r);
  }
  if(!IS_SENML(fmt)) {
    return COAP_NOT_ACCEPTABLE;
  }
  if(req->block1 != COAP_NONE && req->block1 > COAP_BLOCK(0, 0, 7)) {
    r->size1 = COAP_MAX_PDU; /* no reassembly: the pack must come in one datagram */
    return COAP_TOO_LARGE;
  }
  ps.n = 0;
  lwm2m_senml_reader_init(&rd, req->payload, req->payload_len);
  while((k = SENML_NEXT(req->content_format, &rd, &rec)) > 0) {
    if(ps.n == LWM2M_COMPOSITE_MAX) {
      return COAP_TOO_LARGE; /* more paths than one request may name here */
    }
    if(rec.path.len && !rec.path.id[0]) {
      return COAP_UNAUTHORIZED; /* /0 to a management server, as for every other operation */
    }
    ps.p[ps.n++] = rec.path;
  }
  if(k < 0) {
    return COAP_BAD_REQUEST;
  }
  render_paths(ctx, ps.p, ps.n, fmt, &r->win);
  r->cf = fmt;
#if LWM2M_WITH_OBSERVE
  {
    lwm2m_cobs_t *o = &ctx->cobs;
    int mine = o->co.active && coap_observe_match_token(&o->co, from, req);
    if(req->observe == 1 && mine) {
      coap_observe_stop(&ctx->coap, &o->co); /* Cancel Observe-Composite */
    } else if(req->observe == 0 && (!o->co.active || mine)) { /* else served as a plain read */
      coap_observe_start(&o->co, from, req, r);
      o->paths = ps;
      o->cf = fmt;
      o->last_ms = ctx->now;
      o->changed = 0;
      cobs_sample(ctx, 1);
    }
  }
#else
  (void)from;
#endif
  return COAP_CONTENT;
}

static void
send_render(void *arg, coap_win_t *w)
{
  lwm2m_ctx_t *ctx = arg;
  coap_win_put(w, ctx->send_buf, ctx->send_len);
}

static void
send_build(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  lwm2m_ctx_t *ctx = CTX(c);
  coap_build_path(b, COAP_OPT_URI_PATH, "dp");
  coap_build_opt_uint(b, COAP_OPT_CONTENT_FORMAT, ctx->send_cf);
  coap_build_body(t, b, send_render, ctx);
}

/* The Send's outcome; non-zero: a Block2 rest of the answer is not fetched (nothing to read) */
static int
send_resp(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *m)
{
  lwm2m_ctx_t *ctx = CTX(c);
  (void)t;
  if(!ctx->send_t) {
    return 1; /* failed inside coap_request: lwm2m_send returns -1 for it */
  }
  ctx->send_t = NULL;
  if(m && m->type != COAP_RST && (m->code >> 5) == 2) {
    event(ctx, LWM2M_EV_SENT, NULL);
  } else {
    event(ctx, LWM2M_EV_SEND_FAILED, !m ? "no answer" : m->type == COAP_RST ? "reset" : "rejected");
  }
  return 1;
}

int
lwm2m_send(lwm2m_ctx_t *ctx, const lwm2m_path_t *paths, uint8_t n, uint16_t cf)
{
  coap_win_t w;
  if((ctx->state != LWM2M_ST_REGISTERED && ctx->state != LWM2M_ST_UPDATE) || ctx->send_t ||
     !n || n > LWM2M_COMPOSITE_MAX || !IS_SENML(cf) || CUR_SRV(ctx).mute_send) {
    return -1;
  }
  /* a snapshot of the values: every block and retransmission carries the same pack */
  coap_win_init(&w, ctx->send_buf, sizeof(ctx->send_buf), 0);
  if(!render_paths(ctx, paths, n, cf, &w) || coap_win_len(&w) > sizeof(ctx->send_buf)) {
    return -1; /* nothing readable, or more than LWM2M_SEND_MAX bytes */
  }
  ctx->send_len = coap_win_len(&w);
  ctx->send_cf = cf;
  ctx->send_t = coap_request(&ctx->coap, &ctx->server, COAP_CON, COAP_POST, NULL, 0, send_build,
                             send_resp, ctx);
  return ctx->send_t ? 0 : -1;
}
#endif /* LWM2M_WITH_COMPOSITE */

static uint8_t
dm_request(lwm2m_ctx_t *ctx, const coap_ep_t *from, const coap_msg_t *req,
           const lwm2m_path_t *p, coap_resp_t *r)
{
  target_t t;
  uint8_t rc;
#if LWM2M_WITH_COMPOSITE
  if(!p->len && (req->code == COAP_FETCH || req->code == COAP_IPATCH)) {
    return composite(ctx, from, req, r);
  }
#endif
  if(!p->len) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(p->id[0] == 0) {
    return COAP_UNAUTHORIZED; /* Security object: bootstrap server only */
  }
  if((rc = resolve(ctx, p, &t))) {
    return rc;
  }
  switch(req->code) {
  case COAP_GET:
    return do_read(ctx, from, req, p, &t, r);
  case COAP_PUT:
#if LWM2M_WITH_OBSERVE
    if(!req->payload_len && req->content_format == COAP_NO_CF) {
      return write_attrs(ctx, p, &t, req);
    }
#endif
    if(p->len < 2) {
      return COAP_METHOD_NOT_ALLOWED;
    }
    t.replace = 1;
    break; /* a write, below */
  case COAP_POST:
#if LWM2M_WITH_CREATE
    if(p->len == 1) {
      return do_create(req, &t, r);
    }
#endif
    if(p->len == 3 && (t.res->flags & LWM2M_E)) {
      t.op.v.p = req->payload; /* the arguments */
      t.op.v.len = req->payload_len;
      t.op.v.i = 0;
      return (rc = call_op(&t, LWM2M_OP_EXECUTE, p->id[2], LWM2M_NO_ID))
               ? rc
               : COAP_CHANGED;
    }
    /* partial update of an instance, or a streamed resource */
    if(p->len == 2 || (p->len == 3 && STREAMED(t.res))) {
      break; /* a write, below */
    }
    return COAP_METHOD_NOT_ALLOWED;
#if LWM2M_WITH_CREATE
  case COAP_DELETE:
    if(p->len != 2 || !(t.obj->flags & LWM2M_OBJ_CREATE)) {
      return COAP_METHOD_NOT_ALLOWED;
    }
    delete_inst(&t, p);
    return COAP_DELETED;
#endif
  default:
    return COAP_METHOD_NOT_ALLOWED;
  }
  return do_write(req, p, &t, r); /* one call: inlined where bootstrap does not call it too */
}

#if LWM2M_WITH_BOOTSTRAP
static uint8_t
bs_request(lwm2m_ctx_t *ctx, const coap_msg_t *req, const lwm2m_path_t *p, coap_resp_t *r)
{
  target_t t;
  switch(req->code) {
  case COAP_PUT:
    if(!p->len) {
      return COAP_BAD_REQUEST;
    }
    if(!find_obj(ctx, p->id[0])) {
      return COAP_NOT_FOUND;
    }
    t.ctx = ctx;
    t.res = NULL; /* not streamed */
    t.bs = 1;
    t.replace = 0;
    return do_write(req, p, &t, r);
  case COAP_DELETE:
    if(p->len > 2) {
      return COAP_BAD_REQUEST;
    }
    for(unsigned i = 0; i < ctx->nobjs; i++) {
      const lwm2m_object_t *o = ctx->objs[i];
      /* "/" clears the server accounts; sensor instances backed by hardware stay unless
       * their object is named explicitly */
      if((p->len && o->id != p->id[0]) ||
         (o->id > 1 && (!p->len || !(o->flags & LWM2M_OBJ_CREATE)))) {
        continue;
      }
      for(unsigned s = 0; s < o->max_inst; s++) {
        if(o->iids[s] == LWM2M_NO_ID || (p->len == 2 && o->iids[s] != p->id[1])) {
          continue;
        }
        if(o->id == 0 && lwm2m_sec[s].bootstrap) {
          if(p->len == 2) {
            return COAP_BAD_REQUEST; /* the bootstrap account stays */
          }
          continue;
        }
        {
          lwm2m_path_t ip = { { o->id, o->iids[s] }, 2 };
          resolve(ctx, &ip, &t); /* o and slot s again */
          delete_inst(&t, &ip);
        }
      }
    }
    return COAP_DELETED;
  case COAP_GET:
    if(req->accept == LWM2M_CF_LINK && p->len <= 1) {
      bs_discover(ctx, p, &r->win);
      r->cf = LWM2M_CF_LINK;
      return COAP_CONTENT;
    }
    if(p->len && p->id[0] == 1) { /* Bootstrap-Read (1.1): Server object only */
      uint8_t rc = resolve(ctx, p, &t);
      return rc ? rc : do_read(ctx, NULL, req, p, &t, r);
    }
    return COAP_METHOD_NOT_ALLOWED;
  }
  return COAP_METHOD_NOT_ALLOWED;
}
#endif /* LWM2M_WITH_BOOTSTRAP */

static int pick_server(lwm2m_ctx_t *ctx, uint8_t bootstrap);

static void
on_request(coap_ctx_t *c, const coap_ep_t *from, const coap_msg_t *req, coap_resp_t *r)
{
  lwm2m_ctx_t *ctx = CTX(c);
  lwm2m_path_t p;
  coap_opt_iter_t it;
  const uint8_t *v;
  uint16_t l;
  uint8_t bs_uri = 0;
  uint8_t bs = LWM2M_WITH_BOOTSTRAP &&
               (ctx->state == LWM2M_ST_BS_REQ || ctx->state == LWM2M_ST_BS_WAIT);

  /* only the server we registered with (or bootstrap server); after Bootstrap-Finish neither,
   * until the next step has started the registration (ctx->server, the management server's since
   * the Finish, has no registration to be served by yet) */
  if(!coap_ep_equal(from, &ctx->server) ||
     (LWM2M_WITH_BOOTSTRAP && ctx->state == LWM2M_ST_BS_DONE)) {
    r->code = COAP_UNAUTHORIZED;
    return;
  }
  if(ctx->state >= LWM2M_ST_DEREGISTERED) {
    /* deregistered (for good, or disabled by /1/x/4 until the Disable Timeout) or failed: no
     * registration to serve, so the server's requests are ignored (no response, not even an ACK) */
    r->code = COAP_IGNORE;
    return;
  }
  p.len = 0;
  p.id[2] = p.id[3] = LWM2M_NO_ID; /* a request's ids past its length: "none" (write_path, do_write) */
  coap_opt_iter_init(&it, req);
  while(coap_opt_find(&it, COAP_OPT_URI_PATH, &v, &l)) {
    int32_t x;
    /* "bs" (Bootstrap-Finish); without bootstrap it is not a number: 4.04 all the same */
    if(LWM2M_WITH_BOOTSTRAP && !p.len && !bs_uri && l == 2 && v[0] == 'b' && v[1] == 's') {
      bs_uri = 1;
      continue;
    }
    /* an id is digits only: no sign ("+5", "-0"), no leading zero, below 65535 */
    if(bs_uri || p.len == 4 || lwm2m_parse_int((const char *)v, l, &x) < 0 ||
       (uint8_t)(v[0] - '0') > 9 || x >= LWM2M_NO_ID || (l > 1 && v[0] == '0')) {
      r->code = COAP_NOT_FOUND;
      return;
    }
    p.id[p.len++] = (uint16_t)x;
  }
  if(bs_uri) {
    if(!bs || req->code != COAP_POST) {
      r->code = COAP_NOT_FOUND;
      return;
    }
    /* Bootstrap-Finish. The server has had our Bootstrap-Request: one still unacknowledged
     * stops (its retransmissions are rebuilt from the state, they would go out as a Register to
     * the bootstrap server). A configuration without a usable management account is refused
     * with 4.06 (TS 1.1 5.2.7): the client stays in bootstrap for the server to complete it,
     * talking to the bootstrap server again (the failed pick_server changed ctx->server). */
    coap_trans_cancel(&ctx->coap, ctx->reg_t);
    ctx->reg_t = NULL;
    if(pick_server(ctx, 0)) {
      pick_server(ctx, 1);
      ctx->state = LWM2M_ST_BS_WAIT;
      ctx->timer = ctx->now + LWM2M_BS_TIMEOUT_MS;
      r->code = COAP_NOT_ACCEPTABLE;
      return;
    }
    ctx->state = LWM2M_ST_BS_DONE;
    ctx->timer = ctx->now;
    r->code = COAP_CHANGED;
    return;
  }
#if LWM2M_WITH_BOOTSTRAP
  if(bs) {
    if(ctx->state == LWM2M_ST_BS_WAIT) {
      ctx->timer = ctx->now + LWM2M_BS_TIMEOUT_MS; /* server is active: restart the wait */
    }
    r->code = bs_request(ctx, req, &p, r);
    return;
  }
#endif
  r->code = dm_request(ctx, from, req, &p, r);
}

/* ---------------------------------------------------------------- registration */


/* Uri-Query "key" + string v, or + decimal i when v is NULL */
static void
q_opt(coap_build_t *b, const char *key, const char *v, int32_t i)
{
  char q[48];
  coap_win_t w;
  coap_win_init(&w, (uint8_t *)q, sizeof(q), 0);
  coap_win_str(&w, key);
  if(v) {
    coap_win_str(&w, v);
  } else {
    lwm2m_text_int(&w, i);
  }
  if(w.pos > sizeof(q)) {
    b->err = 1;
    return;
  }
  coap_build_opt(b, COAP_OPT_URI_QUERY, q, (uint16_t)w.pos); /* all of it, checked above */
}

/* Objects with their instances; the object's own link too when it has none (after them, which
 * is the same) or a version other than 1.0 (before them).
 * Registration (bs 0): all objects but Security. Bootstrap-Discover (bs 1): Security too, with
 * ssid and uri attributes. only: one object, or LWM2M_NO_ID. */
static void
obj_links(lwm2m_ctx_t *ctx, coap_win_t *w, uint8_t first, uint16_t only, unsigned bs)
{
  for(unsigned i = 0; i < ctx->nobjs; i++) {
    const lwm2m_object_t *o = ctx->objs[i];
    uint8_t listed = 0; /* a link of this object went out */
    uint16_t ids[2]; /* ids[1] is set before it is read */
    ids[0] = o->id;
    if(only != LWM2M_NO_ID ? o->id != only : (!o->id && !bs)) {
      continue;
    }
    if(o->ver && o->ver != 0x10) { /* the version goes with the object's own link */
      lwm2m_link_path(w, first, ids, 1);
      link_obj_ver(w, o);
      first = 0;
      listed = 1;
    }
    for(unsigned s = 0; s < o->max_inst; s++) {
      if((ids[1] = o->iids[s]) == LWM2M_NO_ID) {
        continue;
      }
      lwm2m_link_path(w, first, ids, 2);
      first = 0;
      listed = 1;
      if(bs && o->id <= 1) {
        /* the bootstrap server's own account has no ssid (TS 1.1 5.2.7.3) */
        if(o->id || !lwm2m_sec[s].bootstrap) {
          coap_win_str(w, ";ssid=");
          lwm2m_text_int(w, o->id ? lwm2m_srv[s].ssid : lwm2m_sec[s].ssid);
        }
        if(!o->id) {
          coap_win_str(w, ";uri=\"");
          coap_win_str(w, lwm2m_sec[s].uri);
          coap_win_byte(w, '"');
        }
      }
    }
    if(!listed) { /* no instances (and version 1.0): the object alone */
      lwm2m_link_path(w, first, ids, 1);
      first = 0;
    }
  }
}

static void
reg_links(void *arg, coap_win_t *w)
{
  obj_links(arg, w, 1, LWM2M_NO_ID, 0);
}

_Static_assert(LWM2M_UPD_LT == 1, "lwm2m_step sets UPD_LT from a comparison");
/* What a registration-side request carries (ctx->upd_sent, also for its retransmissions): its
 * state in the low 4 bits, LWM2M_UPD_* reasons above (UPD_LT: lt=, UPD_OBJS: the object links) */
#define REG_REQ(st, upd) ((st) | (upd) << 4)
#define REG_REQ_LT (LWM2M_UPD_LT << 4)
#define REG_REQ_OBJS (LWM2M_UPD_OBJS << 4)
#define REG_REQ_BIND (LWM2M_UPD_BIND << 4)

static void SIZE_OPT("no-thread-jumps", "no-if-conversion") /* measured: -16 B */
reg_build(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  lwm2m_ctx_t *ctx = CTX(c);
  uint8_t st = ctx->state;
  /* a Register carries both. (Built from the state, also for retransmissions: no state change
   * leaves a request in flight; Bootstrap-Finish ends an unacknowledged Bootstrap-Request.) */
  uint8_t f = st == LWM2M_ST_REG ? REG_REQ_LT | REG_REQ_OBJS | REG_REQ_BIND : ctx->upd_sent;
  /* Bootstrap-Request at /bs, Register at /rd, Update (POST) and De-register (DELETE) at the
   * registration's location */
  coap_build_path(b, COAP_OPT_URI_PATH,
                  st == LWM2M_ST_REG ? "rd"
                  : LWM2M_WITH_BOOTSTRAP && st == LWM2M_ST_BS_REQ ? "bs" : ctx->loc);
  if(f & REG_REQ_OBJS) {
    coap_build_opt_uint(b, COAP_OPT_CONTENT_FORMAT, LWM2M_CF_LINK);
  }
  if(st == LWM2M_ST_REG || (LWM2M_WITH_BOOTSTRAP && st == LWM2M_ST_BS_REQ)) {
    q_opt(b, "ep=", ctx->ep, 0);
  }
  if(f & REG_REQ_LT) {
    q_opt(b, "lt=", NULL, (int32_t)ctx->reg_lifetime);
  }
  if(st == LWM2M_ST_REG) {
    /* a 1.0 server that refused "1.1" with 4.00 gets a 1.0 registration (queue mode as b=UQ) */
    q_opt(b, "lwm2m=1.", NULL, !ctx->v10); /* lwm2m=1.1, or 1.0 */
  }
  if(f & REG_REQ_BIND) { /* a Register, or an Update after a write of the binding */
    /* the binding is never empty: a new Server instance has "U" and a write needs a U. Its Q
     * (1.0 queue mode, which a server may write) is left out: in 1.1 queue mode is the separate
     * Q parameter, in 1.0 the UQ this client sends when it is in queue mode */
    char bnd[sizeof(CUR_SRV(ctx).binding)], *d = bnd;
    for(const char *s = CUR_SRV(ctx).binding; *s; s++) {
      if(*s != 'Q') {
        *d++ = *s;
      }
    }
    *d = 0;
    q_opt(b, "b=", ctx->v10 && ctx->queue ? "UQ" : bnd, 0);
  }
  if(st == LWM2M_ST_REG && ctx->queue && !ctx->v10) {
    coap_build_opt_str(b, COAP_OPT_URI_QUERY, "Q");
  }
  coap_build_body(t, b, f & REG_REQ_OBJS ? reg_links : NULL, ctx);
}

static int
pick_server(lwm2m_ctx_t *ctx, uint8_t bootstrap)
{
  for(unsigned s = 0; s < LWM2M_MAX_SEC; s++) {
    if(lwm2m_sec_iids[s] == LWM2M_NO_ID || !lwm2m_sec[s].uri[0] ||
       lwm2m_sec[s].bootstrap != bootstrap || coap_ep_parse(lwm2m_sec[s].uri, &ctx->server)) {
      continue;
    }
    /* ctx->sec is read only for the Bootstrap-Finish event, ctx->srv only with several Server
     * slots (one: always 0): a failed pick may leave them changed */
    if(LWM2M_WITH_BOOTSTRAP) {
      ctx->sec = s;
    }
    if(bootstrap) {
      return 0;
    }
    for(unsigned v = 0; v < LWM2M_MAX_SRV; v++) {
      if(lwm2m_srv_iids[v] != LWM2M_NO_ID && lwm2m_srv[v].ssid == lwm2m_sec[s].ssid) {
        if(LWM2M_MAX_SRV > 1) {
          ctx->srv = v;
        }
        return 0;
      }
    }
  }
  return -1;
}

static inline __attribute__((always_inline)) void /* measured: inlined is smaller */
goto_state(lwm2m_ctx_t *ctx, uint8_t st, uint32_t delay)
{
  ctx->state = st;
  ctx->timer = ctx->now + delay;
}

/* Every transition with an event: enter state st for delay_s seconds (its timer), then report
 * ev. State and event travel in one argument (SE) to keep the calls short; every delay is whole
 * seconds, multiplied here once (at most 2,147,483 s: within DUE's signed 31 bits in ms). */
#define SE(st, ev) ((st) | (ev) << 4)
_Static_assert(LWM2M_ST_FAILED < 16 && LWM2M_EV_BAD_REQUEST < 16, "SE packs state and event");
_Static_assert(LWM2M_BS_TIMEOUT_MS % 1000 == 0, "the Bootstrap-Finish wait is whole seconds");
static void __attribute__((noinline)) /* measured: -12 B */
go(lwm2m_ctx_t *ctx, uint8_t se, uint32_t delay_s, const char *detail)
{
  goto_state(ctx, se & 15, delay_s * 1000u);
  event(ctx, se >> 4, detail);
}

/* A failure: retry in state (SE) after an exponential backoff (1 s .. 64 s), report its event */
static void
backoff(lwm2m_ctx_t *ctx, uint8_t se, const char *why)
{
  uint8_t r = ctx->retries < 6 ? ctx->retries : 6;
  ctx->retries++;
  go(ctx, se, 1u << r, why);
}

static void
reg_failed(lwm2m_ctx_t *ctx, const char *why)
{
#if LWM2M_WITH_BOOTSTRAP
  if(ctx->retries >= LWM2M_REG_RETRIES && !pick_server(ctx, 1)) {
    ctx->retries = 0;
    go(ctx, SE(LWM2M_ST_BS_REQ, LWM2M_EV_REG_FAILED), 0, why);
    return;
  }
  /* the management account again: pick_server(ctx, 1) changed ctx->server, and bootstrap may
   * have changed the accounts. Without bootstrap nothing changes the one lwm2m_start picked
   * (a management server can neither write /0 nor /1/x/0, nor create or delete them). */
  pick_server(ctx, 0);
#endif
  backoff(ctx, SE(LWM2M_ST_REG, LWM2M_EV_REG_FAILED), why);
}

/* Deregistered: for good, or for the Disable Timeout after Execute /1/x/4 */
static void
deregistered(lwm2m_ctx_t *ctx, const char *loc)
{
  uint32_t t = CUR_SRV(ctx).disable_timeout;
  ctx->reg_t = NULL;
  if(ctx->disabled) {
    ctx->disabled = LWM2M_DISABLE_WAITING;
  }
  go(ctx, SE(LWM2M_ST_DEREGISTERED, LWM2M_EV_DEREGISTERED), t > 2147483 ? 2147483 : t, loc);
}

/* Registered (again): the next Update before the lifetime ends; se: SE(REGISTERED, event) */
static void
registered(lwm2m_ctx_t *ctx, uint8_t se)
{
  uint32_t lt = ctx->reg_lifetime;
  uint32_t margin = lt / 2 < 93 ? lt / 2 : 93; /* leave MAX_TRANSMIT_WAIT before expiry */
  go(ctx, se, lt - margin, ctx->loc);
}

static int SIZE_OPT("no-if-conversion", "no-thread-jumps") /* measured: -16 B */
reg_resp(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *m)
{
  lwm2m_ctx_t *ctx = CTX(c);
  uint8_t code = m ? m->code : 0;
  uint8_t ok = m && m->type != COAP_RST && (code >> 5) == 2;
  const char *why = m ? "rejected" : "no answer"; /* of a failed Bootstrap-Request / Register */
  (void)t;
  ctx->reg_t = NULL;
  switch(ctx->state) {
#if LWM2M_WITH_BOOTSTRAP
  case LWM2M_ST_BS_REQ:
    if(ok) {
      ctx->retries = 0;
      go(ctx, SE(LWM2M_ST_BS_WAIT, LWM2M_EV_BOOTSTRAP_REQ), LWM2M_BS_TIMEOUT_MS / 1000, NULL);
    } else {
      backoff(ctx, SE(LWM2M_ST_BS_REQ, LWM2M_EV_BOOTSTRAP_FAILED), why);
    }
    break;
#endif
  case LWM2M_ST_REG: {
    coap_opt_iter_t it;
    const uint8_t *v;
    uint16_t l;
    char *q = ctx->loc;
    if(code == COAP_BAD_REQUEST && !ctx->v10) {
      ctx->v10 = 1; /* retry at once as LwM2M 1.0 */
      go(ctx, SE(LWM2M_ST_REG, LWM2M_EV_REG_FAILED), 0, "4.00, retrying as 1.0");
      break;
    }
    if(!ok || code != COAP_CREATED) {
      reg_failed(ctx, why);
      break;
    }
    coap_opt_iter_init(&it, m);
    while(coap_opt_find(&it, COAP_OPT_LOCATION_PATH, &v, &l)) {
      if(q - ctx->loc + l + 2 > LWM2M_LOC_MAX) {
        q = ctx->loc;
        break;
      }
      if(q != ctx->loc) {
        *q++ = '/';
      }
      memcpy(q, v, l);
      q += l;
    }
    *q = 0;
    if(q == ctx->loc) {
      reg_failed(ctx, "bad Location-Path");
      break;
    }
    ctx->retries = 0;
#if LWM2M_WITH_OBSERVE
    /* a new registration starts with no observations (nor notifications in flight) */
    obs_cancel_path(ctx, &ctx->obs[0].path, 0);
    memset(ctx->obs, 0, sizeof(ctx->obs));
#endif
    registered(ctx, SE(LWM2M_ST_REGISTERED, LWM2M_EV_REGISTERED));
    break;
  }
  case LWM2M_ST_UPDATE:
    if(ok) {
      registered(ctx, SE(LWM2M_ST_REGISTERED, LWM2M_EV_UPDATED));
    } else {
      /* 4.04 (unknown registration), other errors and timeouts: register again (upd, which
       * only REGISTERED reads, is cleared when that Register is built) */
      go(ctx, SE(LWM2M_ST_REG, LWM2M_EV_REG_FAILED), 0,
         code == COAP_NOT_FOUND ? "update: 4.04" : "update failed");
    }
    break;
  case LWM2M_ST_DEREG:
    deregistered(ctx, ctx->loc);
    break;
  }
  /* non-zero: never fetch further Block2 blocks of a registration response. It has no body we
   * want, and the exchange is already forgotten (reg_t NULL): a continuation would run untracked
   * and its response be taken for whichever exchange is current by then. */
  return 1;
}

/* Enter the state of req (REG_REQ()) and send its request (reg_build). Without a transaction slot
 * (or when it cannot be built): back to the previous state, retry in 1 s with the same reasons. */
static void SIZE_OPT("schedule-insns2") /* measured: -4 B */
reg_send(lwm2m_ctx_t *ctx, uint8_t req)
{
  uint8_t prev = ctx->state;
  ctx->state = req & 15;
  ctx->upd_sent = req;
  if(req == LWM2M_ST_REG) {
    /* a Register carries what an Update was due for; a reason that comes while it is in flight
     * (a new object, "update" from the console) is sent once it is answered. Not cleared when a
     * retransmission is built: a server that had the first copy answers from its cache. */
    ctx->upd = 0;
  }
  ctx->reg_t = coap_request(&ctx->coap, &ctx->server, COAP_CON,
                            req == LWM2M_ST_DEREG ? COAP_DELETE : COAP_POST, NULL, 0,
                            reg_build, reg_resp, ctx);
  if(!ctx->reg_t) {
    ctx->state = prev;
    ctx->timer = ctx->now + 1000;
    ctx->upd |= req >> 4; /* an Update's lt= and object links go with its retry */
  }
}

void
lwm2m_request_update(lwm2m_ctx_t *ctx, uint8_t why)
{
  ctx->upd |= why;
}

static inline __attribute__((always_inline)) void /* measured: -2 B */
plat_deferred(lwm2m_ctx_t *ctx)
{
  if(ctx->pending_ev) {
    uint8_t ev = ctx->pending_ev;
    ctx->pending_ev = 0;
    event(ctx, ev, NULL);
  }
}

/* Lifetime of the server account, capped so that its timer stays within DUE's signed 31 bits in
 * milliseconds (a longer one would be due at once: an Update right after every Update) */
static inline __attribute__((always_inline)) uint32_t /* measured: -12 B */
srv_lifetime(lwm2m_ctx_t *ctx)
{
  uint32_t lt = CUR_SRV(ctx).lifetime;
  return lt > 2147483 ? 2147483 : lt;
}

uint32_t SIZE_OPT("no-if-conversion", "no-thread-jumps", "no-reorder-blocks") /* measured: -26 B */
lwm2m_step(lwm2m_ctx_t *ctx, uint32_t now)
{
  uint32_t next, w, lt;
  uint8_t due;
  unsigned send = 0; /* the request that goes out now (REG_REQ(), reg_send), 0 none */
  ctx->now = now;
  next = coap_step(&ctx->coap, now);
  plat_deferred(ctx);
  due = DUE(ctx->timer, now);
  lt = srv_lifetime(ctx); /* of the account a Register/Update is for (BS_DONE may pick another) */
  switch(ctx->state) {
#if LWM2M_WITH_BOOTSTRAP
  case LWM2M_ST_BS_WAIT:
    if(due) {
      backoff(ctx, SE(LWM2M_ST_BS_REQ, LWM2M_EV_BOOTSTRAP_FAILED), "no Bootstrap-Finish");
    }
    break;
  case LWM2M_ST_BS_DONE: /* the Finish handler (on_request) picked the management account */
    ctx->retries = 0;
    go(ctx, SE(LWM2M_ST_REG, LWM2M_EV_BOOTSTRAPPED), 0, lwm2m_sec[ctx->sec].uri);
    if(LWM2M_MAX_SRV > 1) {
      lt = srv_lifetime(ctx);
    }
    due = 1;
    __attribute__((fallthrough));
  case LWM2M_ST_BS_REQ:
#endif
  case LWM2M_ST_REG: /* Bootstrap-Request or Register when due */
    if(!ctx->reg_t && due) {
#if LWM2M_WITH_BOOTSTRAP
      if(ctx->state != LWM2M_ST_REG) {
        pick_server(ctx, 1);
      }
#endif
      send = ctx->state;
    }
    break;
  case LWM2M_ST_REGISTERED:
    if(!ctx->disabled) {
      /* the Update's reasons: those asked for, and a new lifetime (UPD_LT is 1) */
      unsigned upd = ctx->upd | (lt != ctx->reg_lifetime);
      if(upd | due) { /* measured: | is 4 B smaller than || */
        send = REG_REQ(LWM2M_ST_UPDATE, upd);
        ctx->upd = 0;
      }
      break;
    }
    /* Disable requested (only DEREGISTERED gets to WAITING): the Execute's response went out
     * before this step */
    __attribute__((fallthrough));
  case LWM2M_ST_DEREGISTERED:
    if(ctx->disabled == LWM2M_DISABLE_REQUESTED) {
      /* De-register; with nothing to deregister (again during the Disable Timeout, or after a
       * De-register) the timeout starts now. Left REQUESTED, the due timer below would ask
       * for a step at once forever and the client would never come back. */
      lwm2m_deregister(ctx);
    } else if(ctx->disabled && due) {
      lwm2m_start(ctx); /* the Disable Timeout is over (clears disabled) */
    }
    break;
  }
  if(send) {
    if(!LWM2M_WITH_BOOTSTRAP || send != LWM2M_ST_BS_REQ) {
      ctx->reg_lifetime = lt; /* what this Register/Update announces */
    }
    reg_send(ctx, send);
  }
#if LWM2M_WITH_OBSERVE
  if(ctx->state == LWM2M_ST_REGISTERED || ctx->state == LWM2M_ST_UPDATE) {
    w = obs_step(ctx, now);
    if(w < next) {
      next = w;
    }
#if LWM2M_WITH_COMPOSITE
    w = cobs_step(ctx, now);
    if(w < next) {
      next = w;
    }
#endif
  }
#endif
  /* the registration timer: every state from BS_REQ to DEREG (none survives the switch in
   * BS_DONE), DEREGISTERED only for the Disable Timeout; none while idle or failed */
  if(!ctx->reg_t && (ctx->state - 1u < LWM2M_ST_DEREGISTERED - 1u ||
                     (ctx->state == LWM2M_ST_DEREGISTERED && ctx->disabled))) {
    w = DUE(ctx->timer, now) ? 0 : ctx->timer - now;
    if(w < next) {
      next = w;
    }
  }
  /* A Register/Update/notification sent above started a CoAP transaction after the first
   * coap_step: fold in its retransmission deadline, or a lost request would wait for the next
   * unrelated wake-up (the caller's 60 s cap) instead of ACK_TIMEOUT. */
  w = coap_step(&ctx->coap, now);
  if(w < next) {
    next = w;
  }
  /* Nothing is left for "at once": what asks for it (a deferred event, Bootstrap-Finish, an
   * Update or Disable request) comes from a request (lwm2m_input) or an API call between steps,
   * and the switch above has dealt with it; the switch leaves neither BS_DONE nor REGISTERED with
   * upd / disabled set. */
  return next;
}

void
lwm2m_input(lwm2m_ctx_t *ctx, uint32_t now, const uint8_t *buf, uint16_t len,
            const coap_ep_t *from)
{
  ctx->now = now;
  coap_input(&ctx->coap, now, buf, len, from);
}

void
lwm2m_init(lwm2m_ctx_t *ctx, const char *ep, const lwm2m_object_t *const *objs, uint8_t nobjs,
           coap_send_fn send, coap_rand_fn rnd, void *user, uint32_t now)
{
  memset(ctx, 0, sizeof(*ctx));
  coap_init(&ctx->coap, send, rnd, on_request, user, now);
#if LWM2M_WITH_OBSERVE
  ctx->coap.on_rst = on_rst;
#endif
  ctx->ep = ep;
  ctx->objs = objs;
  ctx->nobjs = nobjs;
  ctx->now = now;
}

void
lwm2m_set_queue_mode(lwm2m_ctx_t *ctx, uint8_t on)
{
  ctx->queue = on;
}

void
lwm2m_start(lwm2m_ctx_t *ctx)
{
  /* a restart abandons the exchange in flight: its response would be taken for the new one's */
  coap_trans_cancel(&ctx->coap, ctx->reg_t);
  ctx->reg_t = NULL;
  ctx->retries = 0;
  ctx->disabled = 0;
  if(!pick_server(ctx, 0)) {
    goto_state(ctx, LWM2M_ST_REG, 0);
#if LWM2M_WITH_BOOTSTRAP
  } else if(!pick_server(ctx, 1)) {
    goto_state(ctx, LWM2M_ST_BS_REQ, 0);
#endif
  } else {
    go(ctx, SE(LWM2M_ST_FAILED, LWM2M_EV_REG_FAILED), 0, "no server");
  }
}

void
lwm2m_deregister(lwm2m_ctx_t *ctx)
{
  coap_trans_cancel(&ctx->coap, ctx->reg_t);
  if(ctx->state == LWM2M_ST_REGISTERED || ctx->state == LWM2M_ST_UPDATE) {
    reg_send(ctx, LWM2M_ST_DEREG);
    if(ctx->reg_t) {
      return;
    }
  }
  deregistered(ctx, NULL);
}

void
lwm2m_disable(lwm2m_ctx_t *ctx)
{
  ctx->disabled = LWM2M_DISABLE_REQUESTED;
}

const char *
lwm2m_state_name(uint8_t st)
{
  /* one string, no pointer table: skip st names */
  static const char n[] = "idle\0bootstrap-request\0bootstrapping\0bootstrap-done\0registering\0"
                          "registered\0updating\0deregistering\0deregistered\0failed\0?";
  const char *p = n;
  for(st = st <= LWM2M_ST_FAILED ? st : LWM2M_ST_FAILED + 1; st; st--) {
    p += strlen(p) + 1;
  }
  return p;
}
