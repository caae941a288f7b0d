/* Object 5 (lwm2m-obj-fw.c) natively, on the RAM flash model: push (streamed Block1 writes as the
 * engine delivers them), header checks, integrity, reset, cancel, execute, boot outcomes and pull
 * through the real CoAP engine (the test plays the server answering Block2 GETs). */
#include <stdint.h>
#include <stdlib.h>

#include "bootloader/bl-flash.h"
#include "bootloader/bootstate.h"
#include "bootloader/fw-image.h"
#include "net/app-layer/lwm2m/lwm2m-obj-fw.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"
#include "sha256.h"
#include "unit.h"

extern uint8_t bl_flash_ram[FW_FLASH_SIZE];

/* ---- platform hooks of the linked objects ---- */
const char *lwm2m_plat_str(uint8_t which) { (void)which; return "x"; }
void lwm2m_plat_eui64(uint8_t eui[8]) { memset(eui, 1, 8); }
uint32_t lwm2m_plat_free_memory_kb(void) { return 1; }
int32_t lwm2m_plat_time_base(void) { return 0; }

static lwm2m_ctx_t ctx;
static uint8_t sent[1500];
static uint16_t sent_len;
static int sends;

static int
send_cb(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  (void)user;
  (void)to;
  memcpy(sent, buf, len);
  sent_len = len;
  sends++;
  return 0;
}

static uint32_t
rand_cb(void *user)
{
  (void)user;
  return 1234;
}

static const lwm2m_object_t *const objs[] = { &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_fw };

static void
put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint8_t pkg[16384];

static uint32_t
make_pkg(uint32_t body, uint32_t type, const char *version)
{
  memset(pkg, 0xFF, FW_HDR_SIZE);
  for(uint32_t i = 0; i < body; i++) {
    pkg[FW_HDR_SIZE + i] = (uint8_t)(i * 13 + 7);
  }
  put32(pkg + FW_OFF_MAGIC, FW_HDR_MAGIC);
  pkg[FW_OFF_HVER] = 1;
  pkg[FW_OFF_HVER + 1] = 0;
  pkg[FW_OFF_HSIZE] = 0;
  pkg[FW_OFF_HSIZE + 1] = 4;
  put32(pkg + FW_OFF_TYPE, type);
  put32(pkg + FW_OFF_BODY, body);
  put32(pkg + FW_OFF_LOAD, FW_LOAD_ADDR);
  memset(pkg + FW_OFF_VERSION, 0, FW_VERSION_LEN);
  memcpy(pkg + FW_OFF_VERSION, version, strlen(version));
  sha256(pkg + FW_HDR_SIZE, body, pkg + FW_OFF_SHA);
  put32(pkg + FW_OFF_CRC, fw_crc32(pkg, FW_OFF_CRC, 0));
  return FW_HDR_SIZE + body;
}

static uint8_t
op(uint8_t kind, uint16_t rid, const void *p, uint16_t len, uint32_t offset, uint8_t more)
{
  lwm2m_op_t x;
  memset(&x, 0, sizeof(x));
  x.ctx = &ctx;
  x.op = kind;
  x.rid = rid;
  x.riid = LWM2M_NO_ID;
  x.v.p = p;
  x.v.len = len;
  x.offset = offset;
  x.more = more;
  return lwm2m_obj_fw.handler(&x);
}

static int32_t
read_int(uint16_t rid)
{
  lwm2m_op_t x;
  memset(&x, 0, sizeof(x));
  x.ctx = &ctx;
  x.op = LWM2M_OP_READ;
  x.rid = rid;
  lwm2m_obj_fw.handler(&x);
  return x.v.i;
}

/* Streams a package in blocks of bs bytes, as the engine's Block1 handling would. */
static uint8_t
push(const uint8_t *p, uint32_t len, uint16_t bs)
{
  uint8_t rc = 0;
  for(uint32_t off = 0; off < len && !rc; off += bs) {
    uint16_t n = (uint16_t)(len - off < bs ? len - off : bs);
    rc = op(LWM2M_OP_BLOCK, 0, p + off, n, off, off + n < len);
  }
  return rc;
}

static void
fresh(void)
{
  memset(bl_flash_ram, 0xFF, sizeof(bl_flash_ram));
  lwm2m_init(&ctx, "ep", objs, 3, send_cb, rand_cb, NULL, 0);
  lwm2m_fw_init(&ctx, 0);
}

UNIT_TEST(test_push_downloads_and_verifies)
{
  uint16_t sizes[] = { 16, 64, 100, 512, 1024 };
  for(unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    uint32_t len = make_pkg(5001, 1, "2.0.0");
    fresh();
    UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
    UNIT_CHECK_EQ(push(pkg, len, sizes[i]), 0);
    UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
    UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INITIAL);
    UNIT_CHECK(memcmp(&bl_flash_ram[FW_SLOT_B - FW_FLASH_BASE], pkg, len) == 0);
  }
}

UNIT_TEST(test_push_failures_give_results)
{
  uint32_t len = make_pkg(5000, 7, "2.0.0");
  fresh();
  UNIT_CHECK_EQ(push(pkg, len, 64), COAP_BAD_REQUEST); /* refused at the header block */
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_TYPE);

  len = make_pkg(5000, 1, "2.0.0");
  put32(pkg + FW_OFF_BODY, FW_BODY_MAX + 4);
  put32(pkg + FW_OFF_CRC, fw_crc32(pkg, FW_OFF_CRC, 0));
  UNIT_CHECK_EQ(push(pkg, len, 256), COAP_BAD_REQUEST);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_NO_FLASH);

  len = make_pkg(5000, 1, "2.0.0");
  pkg[FW_HDR_SIZE + 3000] ^= 1;
  UNIT_CHECK_EQ(push(pkg, len, 256), COAP_BAD_REQUEST);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INTEGRITY);

  len = make_pkg(5000, 1, "2.0.0");
  UNIT_CHECK_EQ(push(pkg, len - 100, 256), COAP_BAD_REQUEST); /* truncated */
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INTEGRITY);

  memset(pkg, 0x42, 2000); /* not a package at all */
  UNIT_CHECK_EQ(push(pkg, 2000, 512), COAP_BAD_REQUEST);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_TYPE);

  /* a block out of sequence, or a continuation without a download */
  fresh();
  len = make_pkg(5000, 1, "2.0.0");
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg + 512, 512, 512, 1), COAP_INCOMPLETE);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg + 1024, 512, 1024, 1), COAP_INCOMPLETE);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), 0); /* a restarted transfer is fine */
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADING);
}

UNIT_TEST(test_reset_cancel_execute)
{
  uint32_t len = make_pkg(3000, 1, "2.0.0");
  uint8_t zero = 0;
  fresh();
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 2, NULL, 0, 0, 0), COAP_METHOD_NOT_ALLOWED); /* ETS 772 */
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, &zero, 1, 0, 0), 0); /* '\0' resets */
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INITIAL);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 10, NULL, 0, 0, 0), 0); /* cancel while downloading */
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_CANCELLED);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 2, NULL, 0, 0, 0), 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_UPDATING);
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 10, NULL, 0, 0, 0), COAP_METHOD_NOT_ALLOWED);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), COAP_METHOD_NOT_ALLOWED);
  UNIT_CHECK_EQ(lwm2m_fw_poll(1), LWM2M_FW_APPLY);
  UNIT_CHECK_EQ(lwm2m_fw_poll(2), LWM2M_FW_NOTHING);
  {
    bs_state_t s;
    bs_read(&s);
    UNIT_CHECK_EQ(s.phase, BS_REQUESTED);
  }
}

UNIT_TEST(test_uri_write_results)
{
  static const struct { const char *uri; uint8_t result; } cases[] = {
    { "coaps://[fd00::1]:5684/fw/a.img", LWM2M_FW_R_PROTOCOL },
    { "http://example.com/fw.img", LWM2M_FW_R_PROTOCOL },
    { "not a uri", LWM2M_FW_R_BAD_URI },
    { "coap://[fd00::1:5683/fw", LWM2M_FW_R_BAD_URI },
    { "coap://[fd00::1]:5683", LWM2M_FW_R_BAD_URI },
  };
  for(unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    fresh();
    UNIT_CHECK_EQ(op(LWM2M_OP_WRITE, 1, cases[i].uri, (uint16_t)strlen(cases[i].uri), 0, 0), 0);
    UNIT_CHECK_EQ(read_int(5), cases[i].result);
    UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  }
  UNIT_CHECK_EQ(op(LWM2M_OP_WRITE, 1, "", 0, 0, 0), 0); /* empty URI resets */
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INITIAL);
}

/* The device's GET for Block2 block `num`: answer it from pkg in `szx` blocks. */
static void
answer(uint32_t len, uint8_t szx, int code)
{
  coap_msg_t m;
  coap_build_t b;
  uint8_t out[1400];
  uint32_t num = 0, size = 16u << szx;
  coap_ep_t from = { { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 5683 };
  UNIT_CHECK_EQ(coap_parse(&m, sent, sent_len), 0);
  UNIT_CHECK_EQ(m.code, COAP_GET);
  if(m.block2 != COAP_NONE) {
    num = COAP_BLOCK_NUM(m.block2) << COAP_BLOCK_SZX(m.block2) >> szx;
  }
  coap_build_init(&b, out, sizeof(out), COAP_ACK, (uint8_t)code, m.mid, m.token, m.tkl);
  if(code == COAP_CONTENT) {
    uint32_t off = num * size, n = len - off < size ? len - off : size;
    coap_build_opt_uint(&b, COAP_OPT_CONTENT_FORMAT, 42);
    coap_build_opt_uint(&b, COAP_OPT_BLOCK2, COAP_BLOCK(num, off + n < len, szx));
    coap_build_payload(&b, pkg + off, (uint16_t)n);
  }
  lwm2m_input(&ctx, 10, out, coap_build_end(&b), &from);
}

UNIT_TEST(test_pull_fetches_with_block2)
{
  const char *uri = "coap://[fd00::1]:5683/fw/pkg.img";
  uint32_t len = make_pkg(7000, 1, "3.1.4");
  for(uint8_t szx = 2; szx <= 6; szx++) {
    int guard = 0;
    fresh();
    sends = 0;
    UNIT_CHECK_EQ(op(LWM2M_OP_WRITE, 1, uri, (uint16_t)strlen(uri), 0, 0), 0);
    UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADING);
    UNIT_CHECK_EQ(sends, 1);
    while(read_int(3) == LWM2M_FW_DOWNLOADING && guard++ < 1000) {
      answer(len, szx, COAP_CONTENT);
    }
    UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
    UNIT_CHECK_EQ(sends, (int)((len + (16u << szx) - 1) >> (szx + 4)));
  }
  fresh();
  UNIT_CHECK_EQ(op(LWM2M_OP_WRITE, 1, uri, (uint16_t)strlen(uri), 0, 0), 0);
  answer(len, 5, COAP_NOT_FOUND);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_BAD_URI);
  /* no answer at all: the CoAP retransmissions run out -> Connection lost */
  fresh();
  UNIT_CHECK_EQ(op(LWM2M_OP_WRITE, 1, uri, (uint16_t)strlen(uri), 0, 0), 0);
  for(uint32_t t = 0; t < 300000; t += 1000) {
    lwm2m_step(&ctx, t);
  }
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_CONN_LOST);
}

UNIT_TEST(test_boot_outcomes)
{
  bs_state_t s;
  fresh();
  bs_put(BS_W_REQ, BS_RECORD(BS_REC_REQ, 0));
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 3));
  bs_put(BS_W_DONE, BS_RECORD(BS_REC_DONE, 0));
  bs_put(BS_W_TRIAL, BS_RECORD(BS_REC_TRIAL, 0));
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INITIAL);
  lwm2m_fw_registered();
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_SUCCESS);
  bs_read(&s);
  UNIT_CHECK_EQ(s.phase, BS_CONFIRMED);
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_SUCCESS);
  bs_put(BS_W_RB_BEGIN, BS_RECORD(BS_REC_RB_BEGIN, 0));
  bs_put(BS_W_RB_DONE, BS_RECORD(BS_REC_RB_DONE, 0));
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_FAILED);
  /* a trial image that never registers asks for a restart */
  bs_clear();
  bs_put(BS_W_REQ, BS_RECORD(BS_REC_REQ, 0));
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 3));
  bs_put(BS_W_DONE, BS_RECORD(BS_REC_DONE, 0));
  lwm2m_fw_init(&ctx, 100);
  UNIT_CHECK_EQ(lwm2m_fw_poll(100 + LWM2M_FW_TRIAL_MS - 1), LWM2M_FW_NOTHING);
  UNIT_CHECK_EQ(lwm2m_fw_poll(100 + LWM2M_FW_TRIAL_MS), LWM2M_FW_TRIAL_EXPIRED);
  bs_clear();
  bs_put(BS_W_REQ, BS_RECORD(BS_REC_REQ, 0));
  bs_put(BS_W_ABORT, BS_RECORD(BS_REC_ABORT, (uint8_t)-FW_ERR_HASH));
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INTEGRITY);
}

/* A push the server abandons: back to Idle with Result 4 once no block came for
 * LWM2M_FW_BLOCK1_IDLE_MS (a pull has its own CoAP timeouts and is left alone). */
UNIT_TEST(test_push_abandoned_times_out)
{
  uint32_t len = make_pkg(5000, 1, "2.0.0");
  fresh();
  ctx.now = 1000;
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), 0);
  ctx.now = 2000;
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg + 512, 512, 512, 1), 0);
  UNIT_CHECK_EQ(lwm2m_fw_poll(2000 + LWM2M_FW_BLOCK1_IDLE_MS - 1), LWM2M_FW_NOTHING);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADING);
  UNIT_CHECK_EQ(lwm2m_fw_poll(2000 + LWM2M_FW_BLOCK1_IDLE_MS), LWM2M_FW_NOTHING);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_CONN_LOST);
  /* a continuation after that is refused, a new push starts afresh and completes */
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg + 1024, 512, 1024, 1), COAP_INCOMPLETE);
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
  UNIT_CHECK_EQ(lwm2m_fw_poll(10u * LWM2M_FW_BLOCK1_IDLE_MS), LWM2M_FW_NOTHING);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
}

/* State 2 survives a restart (the journal is clear, slot B verifies), also when the Execute's
 * swap request was lost to a power cut; a reset, cancel or new download forgets it for good. */
UNIT_TEST(test_downloaded_survives_restart)
{
  uint32_t len = make_pkg(3000, 1, "2.0.0");
  uint8_t zero = 0;
  fresh();
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_INITIAL);
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 2, NULL, 0, 0, 0), 0); /* Execute, then a cut before REQ */
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_DOWNLOADED);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, &zero, 1, 0, 0), 0); /* '\0' resets */
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_EXECUTE, 10, NULL, 0, 0, 0), 0); /* cancel */
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  UNIT_CHECK_EQ(op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1), 0); /* a new download, cut short */
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
  /* after an update slot B holds the old image (journal: confirmed); a new download cut right
   * after clearing the journal, before its first erase, must not bring that image back */
  fresh();
  UNIT_CHECK_EQ(push(pkg, len, 512), 0);
  bs_put(BS_W_REQ, BS_RECORD(BS_REC_REQ, 0));
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 3));
  bs_put(BS_W_DONE, BS_RECORD(BS_REC_DONE, 0));
  bs_put(BS_W_CONFIRM, BS_RECORD(BS_REC_CONFIRM, 0));
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(5), LWM2M_FW_R_SUCCESS);
  {
    extern unsigned long bl_flash_ram_ops, bl_flash_ram_cut_at;
    /* the 4th operation: without voiding slot B first (REQ, BEGIN, journal erase) that is the
     * first erase of slot B, and the old package would be back in State 2 */
    bl_flash_ram_cut_at = bl_flash_ram_ops + 4;
    (void)op(LWM2M_OP_BLOCK, 0, pkg, 512, 0, 1);
    bl_flash_ram_cut_at = 0;
  }
  lwm2m_fw_init(&ctx, 0);
  UNIT_CHECK_EQ(read_int(3), LWM2M_FW_IDLE);
}

int
main(void)
{
  UNIT_RUN(test_push_downloads_and_verifies);
  UNIT_RUN(test_push_failures_give_results);
  UNIT_RUN(test_reset_cancel_execute);
  UNIT_RUN(test_uri_write_results);
  UNIT_RUN(test_pull_fetches_with_block2);
  UNIT_RUN(test_boot_outcomes);
  UNIT_RUN(test_push_abandoned_times_out);
  UNIT_RUN(test_downloaded_survives_restart);
  return UNIT_DONE();
}
