/* Object 5, Firmware Update: see lwm2m-obj-fw.h. Downloads go straight to slot B (no RAM
 * buffer beyond one word); the boot journal (bootloader/bootstate.h) carries the outcome of an
 * update across the restart. */
#include "lwm2m-obj-fw.h"

#include <string.h>

#include "bootloader/bl-flash.h"
#include "bootloader/bootstate.h"
#include "bootloader/fw-image.h"

#if !LWM2M_WITH_STREAM
#error "Object 5 streams its Package (/5/0/0) to flash: build the engine with LWM2M_WITH_STREAM 1"
#endif

#define FW_PKG_NAME "rig-cc2538-app"

static uint16_t fw_iids[1] = { 0 };

static const lwm2m_res_t fw_res[] = {
  { 0, LWM2M_T_OPAQUE | LWM2M_W | LWM2M_STREAM }, /* Package */
  { 1, LWM2M_T_STR | LWM2M_R | LWM2M_W },         /* Package URI */
  { 2, LWM2M_E },                                 /* Update */
  { 3, LWM2M_T_INT | LWM2M_R },                   /* State */
  { 5, LWM2M_T_INT | LWM2M_R },                   /* Update Result */
  { 6, LWM2M_T_STR | LWM2M_R },                   /* PkgName */
  { 7, LWM2M_T_STR | LWM2M_R },                   /* PkgVersion */
  { 8, LWM2M_T_INT | LWM2M_R | LWM2M_MULTI },     /* Firmware Update Protocol Support */
  { 9, LWM2M_T_INT | LWM2M_R },                   /* Firmware Update Delivery Method */
  { 10, LWM2M_E },                                /* Cancel */
};

static struct {
  lwm2m_ctx_t *ctx;
  coap_trans_t *pull;
  const char *pull_path;
  uint32_t received;   /* package bytes accepted */
  uint32_t written;    /* bytes programmed into slot B (whole words) */
  uint32_t expected;   /* package length from its header, 0 until the header is in */
  uint32_t trial_start;
  uint32_t block_at;   /* when the last Block1 of a push arrived (inactivity timeout) */
  uint32_t tail;       /* bytes of the word being assembled */
  uint8_t state, result, apply, trial, confirmed_a;
  char uri[LWM2M_FW_URI_MAX];
  char version[FW_VERSION_LEN + 1];
} fw;

uint8_t
lwm2m_fw_state(void)
{
  return fw.state;
}

uint8_t
lwm2m_fw_result(void)
{
  return fw.result;
}

static void
fw_notify(void)
{
  if(fw.ctx) {
    lwm2m_changed(fw.ctx, 5, 0, 3);
    lwm2m_changed(fw.ctx, 5, 0, 5);
  }
}

/* Voids slot B's magic: a package there is not found again at the next boot (lwm2m_fw_init). */
static void
fw_void_b(void)
{
  static const uint32_t zero = 0;
  bl_flash_program(FW_SLOT_B, &zero, 4);
}

static void
fw_set(uint8_t state, uint8_t result)
{
  if(fw.state == LWM2M_FW_DOWNLOADED && state == LWM2M_FW_IDLE) {
    fw_void_b(); /* downloaded package forgotten (reset, cancel) */
  }
  if(state != fw.state || result != fw.result) {
    fw.state = state;
    fw.result = result;
    fw_notify();
  }
}

static void
fw_stop_pull(void)
{
  if(fw.pull && fw.ctx) {
    coap_trans_cancel(&fw.ctx->coap, fw.pull);
  }
  fw.pull = NULL;
}

static void
fw_fail(uint8_t result)
{
  fw_stop_pull();
  fw.expected = 0;
  fw_set(LWM2M_FW_IDLE, result);
}

static void
fw_start(void)
{
  /* A new download: the previous outcome has been reported, the journal starts afresh. Slot B
   * (an earlier package, or the image a swap moved out of slot A) is voided first: a power cut
   * before the download erases it must not leave a clear journal next to a package that
   * verifies. */
  fw_void_b();
  bs_clear();
  fw.received = fw.written = fw.expected = 0;
  fw.tail = 0xFFFFFFFFu;
  fw.confirmed_a = 0;
  fw_set(LWM2M_FW_DOWNLOADING, LWM2M_FW_R_INITIAL);
}

/* Programs the assembled word at the end of what is in slot B (erasing each page first). */
static int
fw_flush_word(void)
{
  uint32_t addr = FW_SLOT_B + fw.written;
  if(fw.written >= FW_SLOT_SIZE) {
    fw_fail(LWM2M_FW_R_NO_FLASH);
    return -1;
  }
  if((fw.written & (FW_PAGE_SIZE - 1u)) == 0 && bl_flash_erase(addr)) {
    fw_fail(LWM2M_FW_R_FAILED);
    return -1;
  }
  if(bl_flash_program(addr, &fw.tail, 4)) {
    fw_fail(LWM2M_FW_R_FAILED);
    return -1;
  }
  fw.written += 4;
  fw.tail = 0xFFFFFFFFu;
  if(!fw.expected && fw.written >= FW_HDR_USED) {
    /* The header is in: refuse what cannot be installed before taking the rest. */
    fw_header_t h;
    int rc = fw_image_parse(bl_flash_map(FW_SLOT_B), &h);
    if(rc != FW_OK) {
      fw_fail(rc == FW_ERR_SIZE ? LWM2M_FW_R_NO_FLASH : LWM2M_FW_R_TYPE);
      return -1;
    }
    fw.expected = FW_HDR_SIZE + h.body_size;
  }
  return 0;
}

/* Appends a block of the package; 0 ok, -1 the download failed (state/result set). */
static int
fw_accept(const uint8_t *p, uint16_t len)
{
  if(fw.expected && fw.received + len > fw.expected) {
    fw_fail(LWM2M_FW_R_INTEGRITY); /* more data than the header announced */
    return -1;
  }
  while(len--) {
    unsigned shift = 8u * (fw.received & 3u);
    fw.tail &= ~(0xFFu << shift) | (uint32_t)*p++ << shift; /* little-endian byte order */
    fw.received++;
    if((fw.received & 3u) == 0 && fw_flush_word()) {
      return -1;
    }
  }
  return 0;
}

/* Last block in: flush the partial word, check length and SHA-256. */
static void
fw_finish(void)
{
  if((fw.received & 3u) && fw_flush_word()) {
    return;
  }
  if(!fw.expected || fw.received != fw.expected ||
     fw_image_verify(bl_flash_map(FW_SLOT_B), NULL) != FW_OK) {
    fw_fail(fw.expected ? LWM2M_FW_R_INTEGRITY : LWM2M_FW_R_TYPE);
    return;
  }
  fw_set(LWM2M_FW_DOWNLOADED, LWM2M_FW_R_INITIAL);
}

static void
fw_reset(void)
{
  fw_stop_pull();
  fw.uri[0] = 0;
  fw.expected = 0;
  fw_set(LWM2M_FW_IDLE, LWM2M_FW_R_INITIAL);
}

/* ---- push: /5/0/0 ---- */
static uint8_t
fw_block(lwm2m_op_t *op)
{
  if(fw.state == LWM2M_FW_UPDATING) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(op->offset == 0) {
    if(!op->more && (op->v.len == 0 || (op->v.len == 1 && op->v.p[0] == 0))) {
      fw_reset(); /* '\0' (or nothing): back to Idle, downloaded image forgotten */
      return 0;
    }
    fw_stop_pull();
    fw_start();
  } else if(fw.state != LWM2M_FW_DOWNLOADING || fw.pull) {
    return COAP_INCOMPLETE; /* no download in progress to continue */
  }
  fw.block_at = op->ctx->now;
  if(op->offset != fw.received) {
    if(op->offset + op->v.len <= fw.received) {
      return 0; /* duplicate of a block already written */
    }
    return COAP_INCOMPLETE;
  }
  if(fw_accept(op->v.p, op->v.len)) {
    return COAP_BAD_REQUEST;
  }
  if(!op->more) {
    fw_finish();
    if(fw.state != LWM2M_FW_DOWNLOADED) {
      return COAP_BAD_REQUEST;
    }
  }
  return 0;
}

/* ---- pull: /5/0/1 ---- */
static void
fw_pull_build(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b)
{
  (void)c;
  if(t->b2szx == 7) { /* first request: ask for our block size right away (early negotiation) */
    t->b2szx = LWM2M_FW_PULL_SZX;
    t->b2num = 0;
  }
  coap_build_path(b, COAP_OPT_URI_PATH, fw.pull_path);
  coap_build_body(t, b, NULL, NULL);
}

static int
fw_pull_resp(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *m)
{
  uint32_t off = 0;
  uint8_t more = 0;
  (void)c;
  if(t != fw.pull) {
    return 1; /* cancelled meanwhile */
  }
  if(!m || m->type == COAP_RST) {
    fw.pull = NULL;
    fw_fail(LWM2M_FW_R_CONN_LOST);
    return 1;
  }
  if(m->code != COAP_CONTENT) {
    fw.pull = NULL;
    fw_fail(LWM2M_FW_R_BAD_URI); /* 4.04 and friends: nothing to fetch there */
    return 1;
  }
  if(m->block2 != COAP_NONE) {
    off = COAP_BLOCK_NUM(m->block2) << (COAP_BLOCK_SZX(m->block2) + 4);
    more = (uint8_t)COAP_BLOCK_MORE(m->block2);
  }
  if(off != fw.received) {
    if(off + m->payload_len <= fw.received && more) {
      return 0;
    }
    fw.pull = NULL;
    fw_fail(LWM2M_FW_R_CONN_LOST);
    return 1;
  }
  if(fw_accept(m->payload, m->payload_len)) {
    fw.pull = NULL;
    return 1;
  }
  if(!more) {
    fw.pull = NULL;
    fw_finish();
    return 1;
  }
  return 0;
}

static uint8_t
fw_write_uri(lwm2m_op_t *op)
{
  coap_ep_t ep;
  const char *path;
  if(fw.state == LWM2M_FW_UPDATING) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(op->v.len == 0) {
    fw_reset();
    return 0;
  }
  fw_stop_pull();
  if(op->v.len >= sizeof(fw.uri)) {
    fw.uri[0] = 0;
    fw_fail(LWM2M_FW_R_BAD_URI);
    return 0;
  }
  memcpy(fw.uri, op->v.p, op->v.len);
  fw.uri[op->v.len] = 0;
  if(strncmp(fw.uri, "coap://", 7) != 0) {
    /* coaps, http(s), coap+tcp...: a scheme we do not speak; anything else: not a URI */
    fw_fail(strstr(fw.uri, "://") ? LWM2M_FW_R_PROTOCOL : LWM2M_FW_R_BAD_URI);
    return 0;
  }
  path = strchr(fw.uri + 7, '/');
  if(coap_ep_parse(fw.uri, &ep) || !path || !path[1]) {
    fw_fail(LWM2M_FW_R_BAD_URI);
    return 0;
  }
  fw_start();
  fw.pull_path = path;
  fw.pull = coap_request(&op->ctx->coap, &ep, COAP_CON, COAP_GET, NULL, 0, fw_pull_build,
                         fw_pull_resp, NULL);
  if(!fw.pull) {
    fw_fail(LWM2M_FW_R_NO_RAM); /* no CoAP transaction free */
  }
  return 0;
}

/* ---- the object ---- */
static const char *
fw_header_version(uint32_t slot)
{
  fw_header_t h;
  if(fw_image_parse(bl_flash_map(slot), &h) != FW_OK) {
    return NULL;
  }
  memcpy(fw.version, h.version, sizeof(fw.version));
  return fw.version;
}

static uint8_t
fw_read_str(lwm2m_op_t *op, const char *s)
{
  op->v.p = (const uint8_t *)(s ? s : "");
  op->v.len = (uint16_t)(s ? strlen(s) : 0);
  return 0;
}

static uint8_t
fw_handler(lwm2m_op_t *op)
{
  const char *v;
  fw.ctx = op->ctx;
  switch(op->op) {
  case LWM2M_OP_COUNT:
    op->v.i = 1;
    return 0;
  case LWM2M_OP_READ:
    switch(op->rid) {
    case 1: return fw_read_str(op, fw.uri);
    case 3: op->v.i = fw.state; return 0;
    case 5: op->v.i = fw.result; return 0;
    case 6:
    case 7:
      /* The downloaded package, or the installed one after a successful update. */
      v = fw.state >= LWM2M_FW_DOWNLOADED ? fw_header_version(FW_SLOT_B)
          : fw.confirmed_a ? fw_header_version(FW_SLOT_A) : NULL;
      return fw_read_str(op, op->rid == 6 ? (v ? FW_PKG_NAME : NULL) : v);
    case 8: op->v.i = 0; return 0; /* CoAP */
    case 9: op->v.i = 2; return 0; /* pull and push */
    }
    return COAP_NOT_FOUND;
  case LWM2M_OP_BLOCK:
    return op->rid == 0 ? fw_block(op) : COAP_METHOD_NOT_ALLOWED;
  case LWM2M_OP_WRITE:
    if(op->check) {
      return op->rid <= 1 ? 0 : COAP_METHOD_NOT_ALLOWED; /* outcomes are Update Results, not errors */
    }
    if(op->rid == 1) {
      return fw_write_uri(op);
    }
    if(op->rid == 0) { /* a whole package in one (non-streamed) write */
      lwm2m_op_t b = *op;
      b.offset = 0;
      b.more = 0;
      return fw_block(&b);
    }
    return COAP_METHOD_NOT_ALLOWED;
  case LWM2M_OP_EXECUTE:
    if(op->rid == 2) {
      if(fw.state != LWM2M_FW_DOWNLOADED) {
        return COAP_METHOD_NOT_ALLOWED; /* nothing downloaded to install */
      }
      fw.apply = 1;
      fw_set(LWM2M_FW_UPDATING, LWM2M_FW_R_INITIAL);
      return 0;
    }
    if(op->rid == 10) {
      if(fw.state == LWM2M_FW_UPDATING) {
        return COAP_METHOD_NOT_ALLOWED;
      }
      if(fw.state != LWM2M_FW_IDLE) {
        fw_fail(LWM2M_FW_R_CANCELLED);
      }
      return 0;
    }
    return COAP_METHOD_NOT_ALLOWED;
  }
  return COAP_METHOD_NOT_ALLOWED;
}

const lwm2m_object_t lwm2m_obj_fw = {
  5, 0x11, sizeof(fw_res) / sizeof(fw_res[0]), fw_res, fw_iids, 1, 0, fw_handler
};

void
lwm2m_fw_init(lwm2m_ctx_t *ctx, uint32_t now)
{
  static const uint8_t abort_result[] = {
    LWM2M_FW_R_FAILED, LWM2M_FW_R_TYPE, LWM2M_FW_R_TYPE, LWM2M_FW_R_NO_FLASH, LWM2M_FW_R_INTEGRITY
  };
  bs_state_t s;
  memset(&fw, 0, sizeof(fw));
  fw.ctx = ctx;
  bs_read(&s);
  switch(s.phase) {
  case BS_SWAPPED: /* running the new image on trial: confirmed once registered */
    fw.trial = 1;
    fw.trial_start = now;
    break;
  case BS_CONFIRMED:
    fw.result = LWM2M_FW_R_SUCCESS;
    fw.confirmed_a = 1;
    break;
  case BS_ABORTED:
    fw.result = abort_result[s.reason < sizeof(abort_result) ? s.reason : 0];
    break;
  case BS_ROLLED_BACK:
  case BS_REQUESTED: /* the swap request was not acted upon: no bootloader */
    fw.result = LWM2M_FW_R_FAILED;
    break;
  case BS_IDLE:
    /* The journal is cleared when a download starts: a package in slot B that verifies was
     * downloaded completely, and its Execute (if any) never reached the journal. State 2
     * survives a restart, and the server can Execute again. */
    if(fw_image_verify(bl_flash_map(FW_SLOT_B), NULL) == FW_OK) {
      fw.state = LWM2M_FW_DOWNLOADED;
    }
    break;
  }
}

void
lwm2m_fw_registered(void)
{
  if(fw.trial) {
    fw.trial = 0;
    bs_confirm();
    fw.confirmed_a = 1;
    fw_set(LWM2M_FW_IDLE, LWM2M_FW_R_SUCCESS);
  }
}

uint8_t
lwm2m_fw_poll(uint32_t now)
{
  if(fw.apply) {
    fw.apply = 0;
    bs_request_swap();
    return LWM2M_FW_APPLY;
  }
  if(fw.state == LWM2M_FW_DOWNLOADING && !fw.pull &&
     (uint32_t)(now - fw.block_at) >= LWM2M_FW_BLOCK1_IDLE_MS) {
    fw_fail(LWM2M_FW_R_CONN_LOST); /* the server stopped pushing (RFC 7959 2.5) */
  }
  if(fw.trial && (uint32_t)(now - fw.trial_start) >= LWM2M_FW_TRIAL_MS) {
    fw.trial = 0;
    return LWM2M_FW_TRIAL_EXPIRED;
  }
  return LWM2M_FW_NOTHING;
}

const char *
lwm2m_fw_running_version(const char *fallback)
{
  static char running[FW_VERSION_LEN + 1];
  fw_header_t h;
  if(fw_image_parse(bl_flash_map(FW_SLOT_A), &h) != FW_OK) {
    return fallback;
  }
  memcpy(running, h.version, sizeof(running));
  return running;
}
