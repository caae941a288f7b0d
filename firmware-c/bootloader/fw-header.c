/* Placeholder for the package header of a slot-A image (0x400 bytes of 0xFF): the sealing tool
 * (python -m rig.fota.image seal) writes the real header into this section of the ELF. */
#include <stdint.h>

#include "bootloader/fw-image.h"
#include "cc.h"

CC_SECTION(".fwheader") CC_USED
const uint8_t fw_header_placeholder[FW_HDR_SIZE] = { [0 ... FW_HDR_SIZE - 1] = 0xFF };
