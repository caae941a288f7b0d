/* The engine built without floats (LWM2M_WITH_FLOAT=0, the lwm2m-client-min profile): a read that
 * reaches a float resource answers 5.00 Internal Server Error in every format, never the value's
 * thousandths as an integer (TLV) or an empty payload (text). */
#include "lwm2m-harness.h"

static const lwm2m_object_t *const objs[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device, &lwm2m_obj_temperature,
};

static void
registered(void)
{
  h_n = 0;
  h_now = 1000;
  h_reset_servers();
  lwm2m_init(&ctx, "node-1", objs, sizeof(objs) / sizeof(objs[0]), h_send, h_rand, NULL, h_now);
  ctx.event = h_event;
  UNIT_CHECK_EQ(lwm2m_add_server("coap://[::1]:5683", 0, 101, 300), 0);
  lwm2m_start(&ctx);
  lwm2m_step(&ctx, h_now);
  h_answer(COAP_CREATED, "rd/5a3f", NULL);
  lwm2m_step(&ctx, h_now);
  UNIT_CHECK_EQ(ctx.state, LWM2M_ST_REGISTERED);
}

UNIT_TEST(float_resource_reads_answer_5_00)
{
  registered();
  /* /3303/0/5700 Sensor Value: plain text (the default), TLV, and the instance and object in TLV */
  UNIT_CHECK_EQ(h_do(REQ(.code = COAP_GET, .path = "/3303/0/5700")).code, COAP_INTERNAL_ERROR);
  UNIT_CHECK_EQ(h_do(REQ(.code = COAP_GET, .path = "/3303/0/5700", .accept = LWM2M_CF_TLV)).code,
                COAP_INTERNAL_ERROR);
  UNIT_CHECK_EQ(h_do(REQ(.code = COAP_GET, .path = "/3303/0")).code, COAP_INTERNAL_ERROR);
  UNIT_CHECK_EQ(h_do(REQ(.code = COAP_GET, .path = "/3303")).code, COAP_INTERNAL_ERROR);
}

UNIT_TEST(other_resources_still_read)
{
  coap_msg_t m;
  registered();
  m = h_do(REQ(.code = COAP_GET, .path = "/3303/0/5701")); /* Sensor Units: a string */
  UNIT_CHECK_EQ(m.code, COAP_CONTENT);
  m = h_do(REQ(.code = COAP_GET, .path = "/3/0/10")); /* Memory Free: an integer */
  UNIT_CHECK_EQ(m.code, COAP_CONTENT);
  m = h_do(REQ(.code = COAP_GET, .path = "/3/0", .accept = LWM2M_CF_TLV)); /* no float in /3 */
  UNIT_CHECK_EQ(m.code, COAP_CONTENT);
  UNIT_CHECK(m.payload_len > 0);
}

int
main(void)
{
  UNIT_RUN(float_resource_reads_answer_5_00);
  UNIT_RUN(other_resources_still_read);
  return UNIT_DONE();
}
