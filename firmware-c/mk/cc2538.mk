# CC2538 CPU port: startup, clocks, console UART, LEDs, flash, EUI-64, RNG seed; and the small
# memcpy & co. (os/lib/mem-small.c) that replace newlib-nano's speed-tuned ones in every image.
# An app links $(CC2538_BASE_SRCS) (kernel + libs + port + main) plus its own files:
#   CC2538_APPS += myapp
#   myapp_SRCS = apps/myapp/myapp.c $(CC2538_BASE_SRCS)
# The radio driver (arch/cpu/cc2538/dev/rf-core.c) is not part of the base: add it when needed.
# cca.c puts the lock-page (CCA) record in the image: leave it out for images that do not start at
# the beginning of flash (bootloader slots): use $(CC2538_NOCCA_SRCS) instead.
CC2538_NOCCA_SRCS := arch/cpu/cc2538/startup.c arch/cpu/cc2538/clock.c \
  arch/cpu/cc2538/platform.c arch/cpu/cc2538/console.c arch/cpu/cc2538/leds-arch.c \
  arch/cpu/cc2538/dev/sys-ctrl.c arch/cpu/cc2538/dev/uart.c arch/cpu/cc2538/dev/flash.c \
  arch/cpu/cc2538/dev/ieee-addr.c arch/cpu/cc2538/dev/rfrnd.c arch/cpu/cc2538/dev/watchdog.c \
  arch/cpu/cc2538/dev/sleep-timer.c os/lib/mem-small.c
CC2538_SRCS := $(CC2538_NOCCA_SRCS) arch/cpu/cc2538/cca.c
CC2538_BASE_SRCS = $(KERNEL_SRCS) $(KERNEL_MAIN_SRCS) $(LIB_SRCS) $(CC2538_SRCS)
