# Kernel (os/sys): portable, used by CC2538 images and native programs/tests.
KERNEL_SRCS := os/sys/process.c os/sys/etimer.c os/sys/ctimer.c os/sys/timer.c os/sys/stimer.c \
  os/sys/kernel.c
# main() (platform_init, kernel_init, autostart, kernel_loop): only for programs that use the
# kernel's own loop; native programs with their own main loop leave it out.
KERNEL_MAIN_SRCS := os/sys/main.c
