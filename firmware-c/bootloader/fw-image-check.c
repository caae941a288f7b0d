/* Host tool for cross-testing the C header code against the Python package builder:
 *   fw-image-check FILE.img   prints "ok version=V body=N" or "error N" (FW_ERR_*), exit 0/1. */
#include <stdio.h>
#include <stdlib.h>

#include "bootloader/fw-image.h"

int
main(int argc, char **argv)
{
  static uint8_t buf[FW_SLOT_SIZE];
  fw_header_t h;
  size_t n;
  FILE *f;
  int rc;

  if(argc != 2 || !(f = fopen(argv[1], "rb"))) {
    fprintf(stderr, "usage: fw-image-check FILE.img\n");
    return 2;
  }
  n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  if(n < FW_HDR_SIZE) {
    printf("error short\n");
    return 1;
  }
  rc = fw_image_parse(buf, &h);
  if(rc == FW_OK && FW_HDR_SIZE + h.body_size > n) {
    printf("error truncated\n");
    return 1;
  }
  if(rc == FW_OK && FW_HDR_SIZE + h.body_size < n) { /* as the device, which refuses them */
    printf("error trailing\n");
    return 1;
  }
  if(rc == FW_OK) {
    rc = fw_image_verify(buf, &h);
  }
  if(rc != FW_OK) {
    printf("error %d\n", rc);
    return 1;
  }
  printf("ok version=%s body=%u\n", h.version, (unsigned)h.body_size);
  return 0;
}
