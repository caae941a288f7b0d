/* Firmware image package format and the flash layout of the two-slot update scheme (issue 7).
 *
 * Flash (CC2538SF53, 2 KiB pages):
 *   0x00200000 bootloader (8 KiB)      the lock page's vector-table address points here
 *   0x00202000 slot A (248 KiB)        running image: header (0x400) + body; VTOR 0x00202400
 *   0x00240000 slot B (248 KiB)        downloaded package, byte for byte
 *   0x0027E000 scratch page            power-safe swap
 *   0x0027E800 boot state page         swap/trial journal (bootstate.h)
 *   0x0027F000 spare, 0x0027F800 lock page (CCA)
 *
 * Package = header (0x400 bytes, rest 0xFF) + body. Header fields are little-endian and read
 * byte by byte (fw_image_parse), so the struct layout never matters on the wire. */
#ifndef FW_IMAGE_H_
#define FW_IMAGE_H_

#include <stddef.h>
#include <stdint.h>

#define FW_FLASH_BASE      0x00200000u
#define FW_FLASH_SIZE      0x00080000u
#define FW_PAGE_SIZE       0x800u
#define FW_BOOT_ADDR       0x00200000u
#define FW_BOOT_SIZE       0x2000u
#define FW_SLOT_A          0x00202000u
#define FW_SLOT_B          0x00240000u
#define FW_SLOT_SIZE       0x3E000u
#define FW_SLOT_PAGES      (FW_SLOT_SIZE / FW_PAGE_SIZE)
#define FW_SCRATCH         0x0027E000u
#define FW_BOOTSTATE       0x0027E800u

#define FW_HDR_MAGIC       0x49474952u /* "RIGI" little-endian */
#define FW_HDR_VERSION     1u
#define FW_HDR_SIZE        0x400u
#define FW_HDR_USED        88u         /* bytes up to and including header_crc */
#define FW_TYPE_CC2538_APP 1u
#define FW_LOAD_ADDR       (FW_SLOT_A + FW_HDR_SIZE)
#define FW_BODY_MAX        (FW_SLOT_SIZE - FW_HDR_SIZE)
#define FW_VERSION_LEN     32

/* Field offsets in the header */
#define FW_OFF_MAGIC    0
#define FW_OFF_HVER     4
#define FW_OFF_HSIZE    6
#define FW_OFF_TYPE     8
#define FW_OFF_BODY     12
#define FW_OFF_LOAD     16
#define FW_OFF_VERSION  20
#define FW_OFF_SHA      52
#define FW_OFF_CRC      84

typedef struct fw_header {
  uint32_t magic;
  uint16_t header_version, header_size;
  uint32_t image_type, body_size, load_address;
  char version[FW_VERSION_LEN + 1]; /* always NUL-terminated here */
  uint8_t sha256[32];
  uint32_t header_crc;
} fw_header_t;

/* Results of fw_image_parse (the Firmware Update object maps them to Update Results). */
#define FW_OK          0
#define FW_ERR_MAGIC   (-1) /* not a package: magic, header version/size or CRC wrong */
#define FW_ERR_TYPE    (-2) /* unsupported image type or load address */
#define FW_ERR_SIZE    (-3) /* body does not fit a slot */
#define FW_ERR_HASH    (-4) /* body SHA-256 mismatch */

uint32_t fw_crc32(const void *data, size_t len, uint32_t crc);
uint32_t fw_le32(const uint8_t *p);
/* Parses and checks the first FW_HDR_USED bytes of a package (magic, version, size, CRC, type,
 * load address, body size against the slot). `h` may be NULL. */
int fw_image_parse(const uint8_t *hdr, fw_header_t *h);
/* Checks a package stored in memory-mapped flash at `slot` (header + body SHA-256). */
int fw_image_verify(const uint8_t *slot, fw_header_t *h);
/* Plausible Cortex-M vector table for an image running at FW_LOAD_ADDR (initial SP in SRAM,
 * reset vector a Thumb address inside the slot body). */
int fw_vectors_ok(const uint8_t *vectors, uint32_t body_size);

#endif /* FW_IMAGE_H_ */
