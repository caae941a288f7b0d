/* Package header parsing and verification, shared by the bootloader and the application. */
#include "bootloader/fw-image.h"

#include "sha256.h"

uint32_t
fw_le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t
fw_crc32(const void *data, size_t len, uint32_t crc)
{
  /* CRC-32 (IEEE 802.3, reflected 0xEDB88320), bitwise: a few dozen bytes of code. */
  const uint8_t *p = data;
  crc = ~crc;
  while(len--) {
    crc ^= *p++;
    for(int k = 0; k < 8; k++) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

int
fw_image_parse(const uint8_t *hdr, fw_header_t *h)
{
  uint32_t body = fw_le32(hdr + FW_OFF_BODY);

  if(fw_le32(hdr + FW_OFF_MAGIC) != FW_HDR_MAGIC ||
     (hdr[FW_OFF_HVER] | hdr[FW_OFF_HVER + 1] << 8) != FW_HDR_VERSION ||
     (hdr[FW_OFF_HSIZE] | hdr[FW_OFF_HSIZE + 1] << 8) != FW_HDR_SIZE ||
     fw_crc32(hdr, FW_OFF_CRC, 0) != fw_le32(hdr + FW_OFF_CRC)) {
    return FW_ERR_MAGIC;
  }
  if(h) {
    h->magic = FW_HDR_MAGIC;
    h->header_version = FW_HDR_VERSION;
    h->header_size = FW_HDR_SIZE;
    h->image_type = fw_le32(hdr + FW_OFF_TYPE);
    h->body_size = body;
    h->load_address = fw_le32(hdr + FW_OFF_LOAD);
    for(int i = 0; i < FW_VERSION_LEN; i++) {
      h->version[i] = (char)hdr[FW_OFF_VERSION + i];
    }
    h->version[FW_VERSION_LEN] = 0;
    for(int i = 0; i < 32; i++) {
      h->sha256[i] = hdr[FW_OFF_SHA + i];
    }
    h->header_crc = fw_le32(hdr + FW_OFF_CRC);
  }
  if(fw_le32(hdr + FW_OFF_TYPE) != FW_TYPE_CC2538_APP || fw_le32(hdr + FW_OFF_LOAD) != FW_LOAD_ADDR) {
    return FW_ERR_TYPE;
  }
  if(body == 0 || body > FW_BODY_MAX) {
    return FW_ERR_SIZE;
  }
  return FW_OK;
}

int
fw_image_verify(const uint8_t *slot, fw_header_t *h)
{
  fw_header_t tmp;
  uint8_t digest[32];
  int rc;

  if(!h) {
    h = &tmp;
  }
  if((rc = fw_image_parse(slot, h)) != FW_OK) {
    return rc;
  }
  sha256(slot + FW_HDR_SIZE, h->body_size, digest);
  for(int i = 0; i < 32; i++) {
    if(digest[i] != h->sha256[i]) {
      return FW_ERR_HASH;
    }
  }
  return FW_OK;
}

int
fw_vectors_ok(const uint8_t *vectors, uint32_t body_size)
{
  uint32_t sp = fw_le32(vectors), pc = fw_le32(vectors + 4);

  return sp > 0x20000000u && sp <= 0x20008000u && (sp & 3u) == 0 && (pc & 1u) &&
         pc > FW_LOAD_ADDR && pc < FW_LOAD_ADDR + body_size;
}
