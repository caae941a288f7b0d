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
PKA_BASE = 0x44004000  # public-key accelerator: registers, then its 2 KiB RAM at 0x44006000
PKA_SIZE = 0x2800

# The chip's blocks the emulator does not model (plain register storage): (base, size, name, quiet).
# A first access warns unless quiet (configuration-only blocks: IOC's pin muxing, the analog
# regulators). Anything else in the peripheral space without a model is reserved.
UNMODELLED = (
    (0x40008000, 0x1000, "SSI0", False),
    (0x40009000, 0x1000, "SSI1", False),
    (0x4000D000, 0x1000, "UART1", False),
    (0x40020000, 0x1000, "I2C", False),
    (0x40030000, 0x1000, "GPTIMER0", False),
    (0x40031000, 0x1000, "GPTIMER1", False),
    (0x40032000, 0x1000, "GPTIMER2", False),
    (0x40033000, 0x1000, "GPTIMER3", False),
    (0x40089000, 0x1000, "USB", False),
    (0x4008B000, 0x1000, "AES/SHA-256 crypto", False),
    (0x400D4000, 0x1000, "IOC", True),
    (0x400D6000, 0x1000, "ANA_REGS", True),
    (0x400D7000, 0x1000, "ADC (SOC_ADC)", False),
    (0x400FF000, 0x1000, "uDMA", False),
    (PKA_BASE, PKA_SIZE, "PKA", False),
    (0xE0000000, 0x1000, "ITM", False),
    (0xE0002000, 0x1000, "FPB", False),
    (0xE0040000, 0x1000, "TPIU", False),
    (0xE0041000, 0x1000, "ETM", False),
)

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
