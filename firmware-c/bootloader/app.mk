# The two-slot bootloader (issue 7): build/cc2538/bootloader.elf/.bin, 8 KiB max at 0x00200000.
CC2538_APPS += bootloader
bootloader_SRCS = bootloader/bl-main.c bootloader/bl-core.c bootloader/bootstate.c \
  bootloader/fw-image.c bootloader/cca-boot.c bootloader/bl-flash-cc2538.c os/lib/sha256.c \
  arch/cpu/cc2538/dev/flash.c arch/cpu/cc2538/dev/uart.c arch/cpu/cc2538/dev/sys-ctrl.c \
  arch/cpu/cc2538/dev/watchdog.c os/lib/mem-small.c
bootloader_LDSCRIPT = bootloader/bootloader.ld
