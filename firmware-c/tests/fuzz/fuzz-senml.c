/* libFuzzer: SenML readers, JSON and CBOR, on the same input. */
#include "net/app-layer/lwm2m/lwm2m.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const uint8_t *data, uint16_t size,
         int (*next)(lwm2m_senml_reader_t *r, lwm2m_senml_rec_t *rec))
{
  lwm2m_senml_reader_t r;
  lwm2m_senml_rec_t rec;
  int n = 0;
  lwm2m_senml_reader_init(&r, data, size);
  while(next(&r, &rec) > 0 && n++ < 1000) {
    lwm2m_value_t v;
    for(uint8_t ty = LWM2M_T_STR; ty <= LWM2M_T_OBJLNK; ty++) {
      (void)lwm2m_senml_decode(&rec, ty, &v);
    }
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint16_t n = (uint16_t)(size > 4096 ? 4096 : size);
  read_all(data, n, lwm2m_senml_next);
  read_all(data, n, lwm2m_senml_cbor_next);
  return 0;
}
