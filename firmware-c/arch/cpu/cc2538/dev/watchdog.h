/* Watchdog (SMWDTHROSC_WDCTL), ~1 s interval. The bootloader enables it for a trial boot of a new
 * image; the idle loop feeds it. Renode's model counts but never resets the MCU: only the builtin
 * emulator and the real chip reset an image that stops feeding it. */
#ifndef WATCHDOG_H_
#define WATCHDOG_H_

#define WATCHDOG_WDCTL (0x400D5000u)

void watchdog_start(void);
void watchdog_periodic(void);
/* 1 once enabled (by this image or by the bootloader before it): it must then be fed */
int watchdog_running(void);

#endif /* WATCHDOG_H_ */
