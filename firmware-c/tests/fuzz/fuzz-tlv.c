/* libFuzzer: TLV reader (tree check, entry walk, value decoders). */
#include "net/app-layer/lwm2m/lwm2m.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const uint8_t *p, const uint8_t *end, int depth)
{
  lwm2m_tlv_t t;
  while(lwm2m_tlv_next(&p, end, &t) > 0) {
    lwm2m_value_t v;
    for(uint8_t ty = LWM2M_T_STR; ty <= LWM2M_T_OBJLNK; ty++) {
      (void)lwm2m_tlv_decode(ty, t.val, t.len, &v);
    }
    if(depth < 3 && (t.type == LWM2M_TLV_INST || t.type == LWM2M_TLV_MULTI)) {
      walk(t.val, t.val + t.len, depth + 1);
    }
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int32_t m;
  (void)lwm2m_tlv_check(data, (uint32_t)size);
  walk(data, data + size, 0);
  if(size >= 8) {
    uint8_t out[8];
    int32_t back;
    (void)lwm2m_float_to_milli(data, 8, &m);
    m = (int32_t)((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3]);
    lwm2m_milli_to_double(m, out);
    if(lwm2m_float_to_milli(out, 8, &back) < 0 || back != m) {
      __builtin_trap(); /* the conversion must round-trip */
    }
  }
  (void)lwm2m_parse_milli((const char *)data, (uint16_t)(size > 64 ? 64 : size), &m);
  (void)lwm2m_parse_int((const char *)data, (uint16_t)(size > 64 ? 64 : size), &m);
  return 0;
}
