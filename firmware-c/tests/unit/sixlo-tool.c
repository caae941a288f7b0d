/* sixlo-tool: the firmware's IPHC codec as a line-oriented filter, for differential tests against
 * the host codec (tests/test_sixlo_differential.py). Each input line:
 *   c <src MAC> <dst MAC> <ctx0 /64 hex or -> <IPv6 datagram hex>   -> "ok <MAC payload hex>"
 *   d <src MAC> <dst MAC> <ctx0 /64 hex or -> <MAC payload hex>      -> "ok <IPv6 datagram hex>"
 *   f <src EUI> <dst MAC> <ctx0 /64 hex or -> <tag>:<IPv6 datagram hex> -> "ok <payload> <payload>..."
 *     (what sixlo_output sends: the MAC payload of every frame, MAC headers stripped)
 * MAC: 16 hex digits (extended) or 4 (short). Failure: "err". */
#include <stdio.h>
#include <string.h>

#include "mac/mac.h"
#include "mock-radio.h"
#include "net-hex.h"
#include "sixlo/sixlo.h"

static void put_hex(const uint8_t *p, int n)
{
  printf("ok ");
  for(int i = 0; i < n; i++) {
    printf("%02x", p[i]);
  }
  printf("\n");
}

int main(void)
{
  static char line[8192];
  while(fgets(line, sizeof(line), stdin)) {
    char op[4], src[20], dst[20], ctx[20], hex[4096];
    static uint8_t in[2048], out[2048];
    if(sscanf(line, "%3s %19s %19s %19s %4095s", op, src, dst, ctx, hex) != 5) {
      printf("err\n");
      fflush(stdout);
      continue;
    }
    mac_addr_t ms, md;
    mac_from_hex(&ms, src);
    mac_from_hex(&md, dst);
    sixlo_ctx0.valid = strcmp(ctx, "-") != 0 && unhex(ctx, sixlo_ctx0.prefix, 8) == 8;
    unsigned tag = 0;
    char *h = hex;
    if(op[0] == 'f') {
      char *colon = strchr(hex, ':');
      if(!colon || sscanf(hex, "%x", &tag) != 1) {
        printf("err\n");
        fflush(stdout);
        continue;
      }
      h = colon + 1;
    }
    int n = unhex(h, in, sizeof(in));
    if(op[0] == 'c' && n >= 40) {
      uint8_t used;
      uint8_t hl = (in[6] == 17 && n >= 48) ? 48 : 40;
      int c = sixlo_compress(in, hl, &ms, &md, &sixlo_ctx0, out, 128, &used);
      if(c < 0 || (size_t)c + (size_t)(n - used) > sizeof(out)) {
        printf("err\n");
      } else {
        memcpy(out + c, in + used, (size_t)(n - used));
        put_hex(out, c + n - used);
      }
    } else if(op[0] == 'd' && n > 0 && n <= 255) {
      uint16_t len;
      sixlo_reset();
      uint8_t *p = sixlo_input(in, (uint8_t)n, &ms, &md, 0, &len);
      if(p) {
        put_hex(p, len);
      } else {
        printf("err\n");
      }
    } else if(op[0] == 'f' && n >= 40 && ms.mode == MAC_AM_EXT) {
      uint8_t hl = (in[6] == 17 && n >= 48) ? 48 : 40;
      mac_init(ms.a, MAC_DEFAULT_PAN_ID);
      mock_radio_reset();
      sixlo_set_tag((uint16_t)(tag - 1)); /* incremented before use */
      int bcast = md.mode == MAC_AM_SHORT && md.a[0] == 0xFF && md.a[1] == 0xFF;
      if(sixlo_output(in, hl, in + hl, (uint16_t)(n - hl), bcast ? NULL : &md) != 0 ||
         mock_radio_count > MOCK_RADIO_MAX) {
        printf("err\n");
      } else {
        printf("ok");
        for(int i = 0; i < mock_radio_count; i++) {
          mac_frame_t f;
          mac_frame_parse(mock_radio_frames[i], mock_radio_lens[i], &f);
          printf(" ");
          for(int k = 0; k < f.payload_len; k++) {
            printf("%02x", f.payload[k]);
          }
        }
        printf("\n");
      }
    } else {
      printf("err\n");
    }
    fflush(stdout);
  }
  return 0;
}
