/* Firmware entry point (CC2538 images and native programs that use the kernel's own loop). */
#include "kernel.h"
#include "platform.h"
#include "process.h"

int
main(void)
{
  platform_init();
  kernel_init();
  autostart_start(autostart_processes);
  kernel_loop();
}
