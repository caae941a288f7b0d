/* libFuzzer: a registered LwM2M client receiving one arbitrary datagram from its server
 * (device management dispatch, all codecs, observe, block-wise), then running its timers. */
#include "../unit/lwm2m-harness.h"

static const lwm2m_object_t *const objs[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device, &lwm2m_obj_connmon,
  &lwm2m_obj_temperature, &lwm2m_obj_light,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint16_t n = size > 1500 ? 1500 : (uint16_t)size;
  h_n = 0;
  h_reset_servers();
  lwm2m_init(&ctx, "fuzz", objs, 6, h_send, h_rand, NULL, 1000);
  lwm2m_add_server("coap://[::1]:5683", 0, 1, 60);
  lwm2m_start(&ctx);
  lwm2m_step(&ctx, 1000);
  h_answer(COAP_CREATED, "rd/f", NULL);
  lwm2m_input(&ctx, 1000, data, n, &h_srv);
  lwm2m_step(&ctx, 3000);
  lwm2m_input(&ctx, 3000, data, n, &h_srv);
  lwm2m_step(&ctx, 70000);
  for(int i = 0; i < h_n && i < H_MAXSENT; i++) {
    coap_msg_t m;
    if(coap_parse(&m, h_sent[i], h_len[i]) < 0) {
      __builtin_trap(); /* everything sent must be well-formed */
    }
  }
  return 0;
}
