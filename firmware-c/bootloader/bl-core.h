/* Bootloader decision and power-safe swap, portable C over bl-flash.h (unit-tested natively
 * with power cuts injected at every flash operation: tests/unit/test-bootloader.c). */
#ifndef BL_CORE_H_
#define BL_CORE_H_

#include <stdint.h>

#include "bootloader/bootstate.h"

/* Platform log hook (a line of text; may do nothing). */
void bl_log(const char *msg);
/* Platform hook: bl_run is about to return an image on trial (the CC2538 arms its watchdog, so an
 * image that hangs or faults is reset and counted as a failed trial). */
void bl_trial_boot(void);

/* Brings the flash to a bootable state: verifies slot B and swaps when requested, resumes an
 * interrupted swap or rollback, counts trial boots and rolls back an image that did not
 * confirm or has no plausible vector table. Returns the vector table address to start
 * (FW_LOAD_ADDR) or 0 when slot A holds nothing bootable. Safe to interrupt at any instant:
 * calling it again after a power cut finishes the job. */
uint32_t bl_run(void);

/* Swaps slots A and B over npages pages, resuming after `done` steps, progress words at base. */
void bl_swap(uint16_t npages, uint16_t done, uint16_t base);

#endif /* BL_CORE_H_ */
