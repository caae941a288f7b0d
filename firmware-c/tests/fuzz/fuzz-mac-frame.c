/* libFuzzer: 802.15.4 frame parser. Property: a frame that parses rebuilds to the same header. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mac/mac-frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  mac_frame_t f;
  uint8_t buf[MAC_MAX_FRAME];
  if(size > 127) {
    return 0;
  }
  if(mac_frame_parse(data, (uint8_t)size, &f) != 0) {
    return 0;
  }
  if(f.payload < data || f.payload + f.payload_len != data + size) {
    __builtin_trap();
  }
  int h = mac_frame_header(buf, sizeof(buf), &f);
  size_t hl = (size_t)(f.payload - data);
  /* Bits we do not model (frame pending, reserved) are not rebuilt: compare the rest. */
  if(h != (int)hl || memcmp(buf + 2, data + 2, hl - 2) != 0 || (buf[0] & 0x67) != (data[0] & 0x67) ||
     (buf[1] & 0xFC) != (data[1] & 0xFC)) {
    __builtin_trap();
  }
  return 0;
}
