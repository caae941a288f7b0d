/* Lock-page (CCA) record for a device with the bootloader: the boot ROM (and the emulators)
 * start the vector table at 0x00200000, the bootloader, whatever image is linked with it. */
#include <stdint.h>

#include "cc.h"

struct cca_boot_page {
  uint32_t bootldr_cfg, image_valid, app_vectors;
  uint8_t lock_bits[32];
};

CC_SECTION(".flashcca") CC_USED
const struct cca_boot_page cca_boot_page = {
  0xF3FFFFFFu, /* ROM serial bootloader backdoor on PA3, active low (as cca.c) */
  0x00000000u, /* image valid */
  0x00200000u,
  { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }
};
