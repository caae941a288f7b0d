/* The lock-page (CCA) record at the end of flash, read by the CC2538 boot ROM (and by our
 * emulator) to decide whether to run the image and where its vector table is. */
#include <stdint.h>

#include "cc.h"

#ifndef CCA_CONF_BOOTLDR_BACKDOOR
#define CCA_CONF_BOOTLDR_BACKDOOR 1   /* ROM serial bootloader if PA3 (SmartRF06 SELECT) is low */
#endif
#define CCA_BACKDOOR_PIN 3u

#define CCA_BOOTLDR_ENABLE  0xF0FFFFFFu  /* backdoor on; bits 26:24 pin, bit 27 active high */
#define CCA_BOOTLDR_DISABLE 0xEFFFFFFFu
#define CCA_IMAGE_VALID     0x00000000u

typedef void (*cc2538_vector_t)(void);
extern const cc2538_vector_t cc2538_vectors[];

struct cca_lock_page {
  uint32_t bootldr_cfg;
  uint32_t image_valid;
  const void *app_vectors;
  uint8_t lock_bits[32];
};

CC_SECTION(".flashcca") CC_USED
const struct cca_lock_page cca_lock_page = {
#if CCA_CONF_BOOTLDR_BACKDOOR
  CCA_BOOTLDR_ENABLE | (CCA_BACKDOOR_PIN << 24),
#else
  CCA_BOOTLDR_DISABLE,
#endif
  CCA_IMAGE_VALID,
  cc2538_vectors,
  /* All pages writable, debug access unlocked. */
  { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }
};
