/* What the kernel and apps need from a platform (CC2538 or native). One implementation per
 * port: arch/cpu/cc2538/platform.c, arch/platform/native/platform.c. */
#ifndef PLATFORM_H_
#define PLATFORM_H_

#include <stddef.h>
#include <stdint.h>

#include "cc.h"

/* Clocks, console UART, LEDs, RNG seed; called first thing in main(). Interrupts are enabled at
 * its end (drivers only poll processes from their handlers, and polls before kernel_init are
 * ignored). */
void platform_init(void);
/* Called by the main loop when no process has work: sleep until an interrupt (or, natively,
 * until the next etimer expiry). Returns with work possibly pending. */
void platform_idle(void);
/* Hardware reset (CC2538: AIRCR.SYSRESETREQ; native: exit(0)). */
CC_NORETURN void platform_reboot(void);
/* Restart into the image whose vector table is at vtor: set VTOR and MSP from it and jump to its
 * reset handler, without a hardware reset (flash and RAM stay as they are). Used after a
 * firmware update because Renode erases flash on a reset. Not available natively (reboots). */
CC_NORETURN void platform_soft_restart(uint32_t vtor);
/* Device EUI-64 (IEEE address), most significant byte first (00:12:4b:... on TI parts). */
void platform_eui64(uint8_t out[8]);
/* Globally enable interrupts (platform_init already does; for code that masked them). */
void platform_irq_enable(void);
/* Bytes of the reserved stack ever used (painted-stack high-water mark); 0 if unknown. */
size_t platform_stack_max_used(void);
/* Size of the reserved stack region; 0 if unknown. */
size_t platform_stack_size(void);

#endif /* PLATFORM_H_ */
