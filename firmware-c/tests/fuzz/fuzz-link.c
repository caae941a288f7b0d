/* libFuzzer: CoRE link-format reader and LwM2M path parser. */
#include "net/app-layer/lwm2m/lwm2m.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size;
  lwm2m_link_t l;
  lwm2m_path_t path;
  while(lwm2m_link_next(&p, end, &l) > 0) {
    if(l.uri < (const char *)data || l.uri + l.uri_len > end || l.params + l.params_len > end) {
      __builtin_trap();
    }
    (void)lwm2m_path_parse(l.uri, l.uri_len, &path);
  }
  (void)lwm2m_path_parse((const char *)data, (uint16_t)(size > 64 ? 64 : size), &path);
  return 0;
}
