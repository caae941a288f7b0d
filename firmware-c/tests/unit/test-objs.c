/* Objects 0, 1 and 3 through their handlers, without the engine: the write limits of every
 * Security / Server field (the field table in lwm2m-obj-security.c), check-only writes, read
 * back, executes, lwm2m_add_server, and the Device resources. */
#include <string.h>

#include "net/app-layer/lwm2m/lwm2m.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"
#include "unit.h"

/* ---- hooks the objects call ---- */
static int disables, updates;
static uint8_t update_why;
void lwm2m_disable(lwm2m_ctx_t *c) { (void)c; disables++; }
void lwm2m_request_update(lwm2m_ctx_t *c, uint8_t why) { (void)c; updates++; update_why = why; }
const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_MANUFACTURER ? "Acme" : which == LWM2M_PLAT_MODEL ? "M1" : "9.8.7";
}
void
lwm2m_plat_eui64(uint8_t eui[8])
{
  static const uint8_t e[8] = { 0x00, 0x12, 0x4B, 0x00, 0xA0, 0xB1, 0xC2, 0xFF };
  memcpy(eui, e, 8);
}
uint32_t lwm2m_plat_free_memory_kb(void) { return 17; }
/* Object 4: the addresses of ip6_text's cases (connmon), one at a time */
static const uint8_t *cm_addr;
int16_t lwm2m_plat_rssi(void) { return -60; }
uint8_t lwm2m_plat_bearer(void) { return 23; }
uint8_t lwm2m_plat_ip_count(void) { return 1; }
void lwm2m_plat_ip(uint8_t idx, uint8_t addr[16]) { (void)idx; memcpy(addr, cm_addr, 16); }
int32_t lwm2m_plat_time_base(void) { return 1000000; }

static lwm2m_ctx_t ctx;
static lwm2m_op_t op;
static char scratch[40];

static uint8_t
run(const lwm2m_object_t *o, uint8_t opc, uint8_t slot, uint16_t rid, int32_t i, const char *s,
    uint8_t check)
{
  memset(&op, 0, sizeof(op));
  op.ctx = &ctx;
  op.op = opc;
  op.slot = slot;
  op.rid = rid;
  op.riid = LWM2M_NO_ID;
  op.v.i = i;
  op.v.p = (const uint8_t *)s;
  op.v.len = s ? (uint16_t)strlen(s) : 0;
  op.check = check;
  op.scratch = scratch;
  op.scratch_len = sizeof(scratch);
  return o->handler(&op);
}

/* A write is accepted (first as check only, changing nothing) or refused with 4.00 */
static int
wr(const lwm2m_object_t *o, uint16_t rid, int32_t i, const char *s)
{
  uint8_t before[sizeof(lwm2m_sec) + sizeof(lwm2m_srv)], rc;
  memcpy(before, lwm2m_sec, sizeof(lwm2m_sec));
  memcpy(before + sizeof(lwm2m_sec), lwm2m_srv, sizeof(lwm2m_srv));
  rc = run(o, LWM2M_OP_WRITE, 0, rid, i, s, 1);
  if(memcmp(before, lwm2m_sec, sizeof(lwm2m_sec)) ||
     memcmp(before + sizeof(lwm2m_sec), lwm2m_srv, sizeof(lwm2m_srv))) {
    printf("  check-only write of rid %u changed the instance\n", rid);
    return -2;
  }
  if(rc) {
    return rc == COAP_BAD_REQUEST ? -1 : -3;
  }
  return run(o, LWM2M_OP_WRITE, 0, rid, i, s, 0) ? -4 : 0;
}

static int32_t
rd_int(const lwm2m_object_t *o, uint16_t rid)
{
  return run(o, LWM2M_OP_READ, 0, rid, 0, NULL, 0) ? -999 : op.v.i;
}

static int
rd_str(const lwm2m_object_t *o, uint16_t rid, const char *want)
{
  if(run(o, LWM2M_OP_READ, 0, rid, 0, NULL, 0)) {
    return 0;
  }
  if(op.v.len != strlen(want) || memcmp(op.v.p, want, op.v.len)) {
    printf("  rid %u: got '%.*s' want '%s'\n", rid, op.v.len, (const char *)op.v.p, want);
    return 0;
  }
  return 1;
}

UNIT_TEST(add_server)
{
  char uri[LWM2M_URI_MAX + 1];
  memset(uri, 'a', sizeof(uri));
  uri[LWM2M_URI_MAX] = 0;
  UNIT_CHECK_EQ(lwm2m_add_server(uri, 0, 1, 60), -1); /* no room for the NUL */
  UNIT_CHECK(lwm2m_sec_iids[0] == LWM2M_NO_ID && lwm2m_srv_iids[0] == LWM2M_NO_ID);
  UNIT_CHECK_EQ(lwm2m_add_server("coap://[::1]:5683", 0, 7, 120), 0);
  UNIT_CHECK(lwm2m_sec_iids[0] == 0 && lwm2m_srv_iids[0] == 0);
  UNIT_CHECK(rd_str(&lwm2m_obj_security, 0, "coap://[::1]:5683"));
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_security, 1), 0);
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_security, 2), 3); /* NoSec */
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_security, 10), 7);
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_server, 0), 7);
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_server, 1), 120);
  UNIT_CHECK_EQ(rd_int(&lwm2m_obj_server, 5), 86400);
  UNIT_CHECK(rd_str(&lwm2m_obj_server, 7, "U"));
  UNIT_CHECK_EQ(lwm2m_add_server("coap://[::1]:5684", 1, 9, 0), 0); /* bootstrap: ssid 0 */
  UNIT_CHECK(lwm2m_sec_iids[1] == 1 && lwm2m_sec[1].bootstrap == 1 && lwm2m_sec[1].ssid == 0);
  UNIT_CHECK_EQ(lwm2m_add_server("coap://[::1]:5685", 1, 9, 0), -1); /* Security full */
}

UNIT_TEST(security_limits)
{
  char s[LWM2M_URI_MAX + 1];
  const lwm2m_object_t *o = &lwm2m_obj_security;
  memset(s, 'u', sizeof(s));
  s[LWM2M_URI_MAX - 1] = 0;
  UNIT_CHECK_EQ(wr(o, 0, 0, s), 0);
  UNIT_CHECK(rd_str(o, 0, s));
  s[LWM2M_URI_MAX - 1] = 'u';
  s[LWM2M_URI_MAX] = 0;
  UNIT_CHECK_EQ(wr(o, 0, 0, s), -1);
  UNIT_CHECK_EQ(wr(o, 1, 1, NULL), 0);
  UNIT_CHECK_EQ(rd_int(o, 1), 1);
  UNIT_CHECK_EQ(wr(o, 2, 4, NULL), 0);
  UNIT_CHECK_EQ(wr(o, 2, 5, NULL), -1);
  UNIT_CHECK_EQ(wr(o, 2, -1, NULL), -1);
  UNIT_CHECK_EQ(rd_int(o, 2), 4);
  for(uint16_t rid = 10; rid <= 11; rid++) {
    UNIT_CHECK_EQ(wr(o, rid, 65535, NULL), 0);
    UNIT_CHECK_EQ(rd_int(o, rid), 65535);
    UNIT_CHECK_EQ(wr(o, rid, 65536, NULL), -1);
    UNIT_CHECK_EQ(wr(o, rid, -1, NULL), -1);
    UNIT_CHECK_EQ(wr(o, rid, 0, NULL), 0);
  }
  /* keys: accepted and dropped, not readable */
  UNIT_CHECK_EQ(wr(o, 3, 0, "key"), 0);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_READ, 0, 5, 0, NULL, 0), COAP_NOT_FOUND);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 0, 0, NULL, 0), COAP_METHOD_NOT_ALLOWED);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_DELETE, 0, 0, 0, NULL, 0), 0);
  UNIT_CHECK(rd_str(o, 0, "") && rd_int(o, 2) == 3 && rd_int(o, 10) == 0);
}

UNIT_TEST(server_limits)
{
  const lwm2m_object_t *o = &lwm2m_obj_server;
  UNIT_CHECK_EQ(run(o, LWM2M_OP_CREATE, 0, 0, 0, NULL, 0), 0);
  UNIT_CHECK_EQ(wr(o, 0, 65535, NULL), 0); /* bootstrap writes the R-only ssid */
  UNIT_CHECK_EQ(wr(o, 0, 65536, NULL), -1);
  UNIT_CHECK_EQ(wr(o, 0, -1, NULL), -1);
  UNIT_CHECK_EQ(wr(o, 1, 0, NULL), -1); /* lifetime >= 1 */
  UNIT_CHECK_EQ(wr(o, 1, 1, NULL), 0);
  UNIT_CHECK_EQ(wr(o, 1, 2147483647, NULL), 0);
  UNIT_CHECK_EQ(rd_int(o, 1), 2147483647);
  for(uint16_t rid = 2; rid <= 5; rid += rid == 3 ? 2 : 1) {
    UNIT_CHECK_EQ(wr(o, rid, -1, NULL), -1);
    UNIT_CHECK_EQ(wr(o, rid, 0, NULL), 0);
    UNIT_CHECK_EQ(wr(o, rid, 2147483647, NULL), 0);
    UNIT_CHECK_EQ(rd_int(o, rid), 2147483647);
  }
  UNIT_CHECK_EQ(wr(o, 6, 1, NULL), 0);
  UNIT_CHECK_EQ(rd_int(o, 6), 1);
  UNIT_CHECK_EQ(wr(o, 7, 0, "UQ"), 0);
  UNIT_CHECK(rd_str(o, 7, "UQ"));
  UNIT_CHECK_EQ(wr(o, 7, 0, "TSU"), 0);
  UNIT_CHECK_EQ(wr(o, 7, 0, ""), -1);
  UNIT_CHECK_EQ(wr(o, 7, 0, "T"), -1);   /* UDP only */
  UNIT_CHECK_EQ(wr(o, 7, 0, "UQSN"), -1); /* longer than the field */
  UNIT_CHECK(rd_str(o, 7, "TSU"));
  /* each stored binding asks for an Update with b= (the check-only passes do not) */
  UNIT_CHECK(updates == 2 && update_why == LWM2M_UPD_BIND);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_WRITE, 0, 7, 0, "U", 1), 0);
  UNIT_CHECK_EQ(updates, 2);
  updates = 0;
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 4, 0, NULL, 0), 0);
  UNIT_CHECK(disables == 1 && updates == 0);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 8, 0, NULL, 0), 0);
  UNIT_CHECK(disables == 1 && updates == 1 && update_why == LWM2M_UPD_NOW);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_READ, 0, 4, 0, NULL, 0), COAP_NOT_FOUND);
}

UNIT_TEST(device)
{
  const lwm2m_object_t *o = &lwm2m_obj_device;
  UNIT_CHECK(o->iids[0] == 0 && o->max_inst == 1);
  UNIT_CHECK(rd_str(o, 0, "Acme"));
  UNIT_CHECK(rd_str(o, 1, "M1"));
  UNIT_CHECK(rd_str(o, 2, "00124B00A0B1C2FF"));
  UNIT_CHECK(rd_str(o, 3, "9.8.7"));
  UNIT_CHECK(rd_str(o, 16, "U"));
  UNIT_CHECK_EQ(rd_int(o, 10), 17);
  UNIT_CHECK_EQ(rd_int(o, 11), 0);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_COUNT, 0, 11, 0, NULL, 0), 0);
  UNIT_CHECK_EQ(op.v.i, 1);
  ctx.now = 5000;
  UNIT_CHECK_EQ(rd_int(o, 13), 1000005);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_WRITE, 0, 13, 2000000, NULL, 1), 0); /* check only */
  UNIT_CHECK_EQ(rd_int(o, 13), 1000005);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_WRITE, 0, 13, 2000000, NULL, 0), 0);
  ctx.now = 7000;
  UNIT_CHECK_EQ(rd_int(o, 13), 2000002);
  /* the extremes of a time written by a server read back as written (no signed overflow) */
  UNIT_CHECK_EQ(run(o, LWM2M_OP_WRITE, 0, 13, INT32_MIN, NULL, 0), 0);
  UNIT_CHECK_EQ(rd_int(o, 13), INT32_MIN);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_WRITE, 0, 13, INT32_MAX, NULL, 0), 0);
  UNIT_CHECK_EQ(rd_int(o, 13), INT32_MAX);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_READ, 0, 4, 0, NULL, 0), COAP_NOT_FOUND);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 12, 0, NULL, 0), 0);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 4, 0, NULL, 0), 0);
  UNIT_CHECK_EQ(ctx.pending_ev, LWM2M_EV_REBOOT);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_EXECUTE, 0, 5, 0, NULL, 0), 0);
  UNIT_CHECK_EQ(ctx.pending_ev, LWM2M_EV_FACTORY_RESET);
  UNIT_CHECK_EQ(run(o, LWM2M_OP_DELETE, 0, 0, 0, NULL, 0), COAP_METHOD_NOT_ALLOWED);
}

/* /4/0/4: IPv6 addresses in the canonical text of RFC 5952 (section 4): no leading zeros,
 * lowercase, the first longest run of two or more zero groups as "::", a single zero group kept.
 * It used to print every group ("0:0:0:0:0:0:0:1"). */
UNIT_TEST(connmon_ip_text_rfc5952)
{
  static const struct {
    uint8_t a[16];
    const char *text;
  } cases[] = {
    { { [15] = 1 }, "::1" },
    { { 0 }, "::" },
    { { 0xfd, 0, [8] = 0x02, 0x12, 0x4b, 0, 0, 0, 0, 1 }, "fd00::212:4b00:0:1" },
    { { 0xfe, 0x80, [8] = 0x02, 0x12, 0x4b, 0, 0, 0x01, 0x02, 0x03 }, "fe80::212:4b00:1:203" },
    { { 0x20, 0x01, 0x0d, 0xb8 }, "2001:db8::" },
    { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 }, "2001:db8:0:1:1:1:1:1" },
    { { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [15] = 1 }, "2001:db8:0:1::1" },
    { { 0x20, 0x01, 0, 0, 0, 0, 0, 1, [15] = 1 }, "2001:0:0:1::1" },
    { { 0x20, 0x01, 0x0d, 0xb8, [8] = 0, 1, [15] = 1 }, "2001:db8::1:0:0:1" },
    { { 0xAB, 0xCD, 0x0E, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF }, "abcd:ef0:ffff:ffff:ffff:ffff:ffff:ffff" },
  };
  const lwm2m_object_t *o = &lwm2m_obj_connmon;
  for(unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cm_addr = cases[i].a;
    memset(&op, 0, sizeof(op));
    op.ctx = &ctx;
    op.op = LWM2M_OP_READ;
    op.rid = 4;
    op.riid = 0;
    op.scratch = scratch;
    op.scratch_len = sizeof(scratch);
    UNIT_CHECK_EQ(o->handler(&op), 0);
    if(op.v.len != strlen(cases[i].text) || memcmp(op.v.p, cases[i].text, op.v.len)) {
      printf("  got '%.*s' wanted '%s'\n", op.v.len, (const char *)op.v.p, cases[i].text);
      UNIT_CHECK(0);
    }
  }
}

int
main(void)
{
  UNIT_RUN(add_server);
  UNIT_RUN(security_limits);
  UNIT_RUN(server_limits);
  UNIT_RUN(device);
  UNIT_RUN(connmon_ip_text_rfc5952);
  return UNIT_DONE();
}
