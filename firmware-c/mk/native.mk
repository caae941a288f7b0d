# Native (host) port: arch/platform/native. For native programs and unit tests:
#   <prog>_SRCS := my.c $(NATIVE_BASE_SRCS)          (own main loop; see os/sys/kernel.h)
#   <prog>_SRCS := my.c $(NATIVE_BASE_SRCS) $(KERNEL_MAIN_SRCS)   (kernel's main + AUTOSTART)
NATIVE_ARCH_SRCS := arch/platform/native/clock.c arch/platform/native/platform.c \
  arch/platform/native/console.c arch/platform/native/leds-arch.c
NATIVE_BASE_SRCS = $(KERNEL_SRCS) $(LIB_SRCS) $(NATIVE_ARCH_SRCS)
