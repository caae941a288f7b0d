/* Watchdog (SMWDTHROSC_WDCTL). Renode's model counts but never resets the MCU, so the rig does not
 * rely on it; on the real chip watchdog_start() enables it with a ~1 s interval. */
#ifndef WATCHDOG_H_
#define WATCHDOG_H_

#define WATCHDOG_WDCTL (0x400D5000u)

void watchdog_start(void);
void watchdog_periodic(void);

#endif /* WATCHDOG_H_ */
