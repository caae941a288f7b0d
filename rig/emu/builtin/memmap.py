"""The CC2538SF53 memory map as the builtin emulator models it."""

from __future__ import annotations

ROM_BASE = 0x00000000
ROM_SIZE = 128 * 1024  # boot ROM: mapped, reads as zero (no ROM image; firmware must not call it)

FLASH_BASE = 0x00200000
FLASH_SIZE = 512 * 1024
FLASH_END = FLASH_BASE + FLASH_SIZE
FLASH_PAGE = 2048

INFO_BASE = 0x00280000  # information page: factory data, the EUI-64 among it
INFO_SIZE = 2048
EUI64_OFFSET = 0x28  # 0x00280028

RAM_BASE = 0x20000000
RAM_SIZE = 32 * 1024
RAM_END = RAM_BASE + RAM_SIZE

SRAM_BITBAND_BASE = 0x22000000  # one word per SRAM bit
PERIPH_BASE = 0x40000000
PERIPH_SIZE = 0x00100000  # APB/AHB peripherals 0x40000000-0x400FFFFF
PERIPH_BITBAND_BASE = 0x42000000
PPB_BASE = 0xE0000000  # private peripheral bus: ITM, DWT, FPB, SCS...
PPB_SIZE = 0x00100000
SCS_BASE = 0xE000E000

# Customer configuration area (CCA) at the end of the last flash page (the lock page): the boot ROM
# reads it to decide whether to run the image (image_valid == 0) and where its vector table is.
CCA_BASE = 0x0027FFD4
CCA_BOOTLDR_CFG = CCA_BASE + 0x0
CCA_IMAGE_VALID = CCA_BASE + 0x4
CCA_APP_ENTRY = CCA_BASE + 0x8
CCA_LOCK_BITS = CCA_BASE + 0xC  # 32 bytes of page/debug lock bits
CCA_SIZE = 0x2C


def in_flash(address: int, size: int = 1) -> bool:
    return address >= FLASH_BASE and address + size <= FLASH_END


def in_ram(address: int, size: int = 1) -> bool:
    return address >= RAM_BASE and address + size <= RAM_END
