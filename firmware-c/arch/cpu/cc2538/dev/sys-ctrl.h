/* System control: clocks, peripheral clock gating, interrupt map, resets. */
#ifndef SYS_CTRL_H_
#define SYS_CTRL_H_

#include <stdint.h>

#include "reg.h"

#define SYS_CTRL_CLOCK_CTRL (SYS_CTRL_BASE + 0x000u)
#define SYS_CTRL_CLOCK_STA  (SYS_CTRL_BASE + 0x004u)
#define SYS_CTRL_RCGCGPT    (SYS_CTRL_BASE + 0x008u)
#define SYS_CTRL_RCGCSSI    (SYS_CTRL_BASE + 0x018u)
#define SYS_CTRL_RCGCUART   (SYS_CTRL_BASE + 0x028u)
#define SYS_CTRL_SCGCUART   (SYS_CTRL_BASE + 0x02Cu)
#define SYS_CTRL_DCGCUART   (SYS_CTRL_BASE + 0x030u)
#define SYS_CTRL_RCGCSEC    (SYS_CTRL_BASE + 0x048u)
#define SYS_CTRL_PMCTL      (SYS_CTRL_BASE + 0x058u)
#define SYS_CTRL_PWRDBG     (SYS_CTRL_BASE + 0x074u)
#define SYS_CTRL_I_MAP      (SYS_CTRL_BASE + 0x098u)
#define SYS_CTRL_RCGCRFC    (SYS_CTRL_BASE + 0x0A8u)
#define SYS_CTRL_SCGCRFC    (SYS_CTRL_BASE + 0x0ACu)
#define SYS_CTRL_DCGCRFC    (SYS_CTRL_BASE + 0x0B0u)
#define SYS_CTRL_EMUOVR     (SYS_CTRL_BASE + 0x0B4u)

/* CLOCK_CTRL / CLOCK_STA bits */
#define SYS_CTRL_CLOCK_OSC32K   0x01000000u  /* 1: 32 kHz RC oscillator, 0: crystal */
#define SYS_CTRL_CLOCK_OSC_PD   0x00020000u  /* power down the unused high-speed oscillator */
#define SYS_CTRL_CLOCK_OSC      0x00010000u  /* 1: 16 MHz RC, 0: 32 MHz crystal */
#define SYS_CTRL_CLOCK_IO_DIV   0x00000700u
#define SYS_CTRL_CLOCK_SYS_DIV  0x00000007u
#define SYS_CTRL_CLOCK_STA_RST   0x00C00000u
#define SYS_CTRL_CLOCK_STA_RST_S 22

#define SYS_CTRL_I_MAP_ALTMAP 0x1u
#define SYS_CTRL_RCGCUART_UART0 0x1u
#define SYS_CTRL_RCGCRFC_RFC0   0x1u

/* Switch to the 32 MHz crystal (system and I/O clock undivided, 32 kHz RC oscillator for the sleep
 * timer) and select the alternate interrupt map. The clock-stable wait is bounded: on Renode the
 * status register is a rolling-bit stub, on our emulator it reads as settled.
 * Returns 1 if the clock reported stable, 0 if the wait timed out (we carry on either way). */
int sys_ctrl_init(void);
/* Reset cause from CLOCK_STA: 0 POR, 1 external, 2 watchdog, 3 clock loss or software. */
int sys_ctrl_reset_cause(void);

#endif /* SYS_CTRL_H_ */
