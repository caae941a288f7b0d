/* Native port knobs (beyond platform.h). */
#ifndef NATIVE_PLATFORM_H_
#define NATIVE_PLATFORM_H_

#include <stdint.h>

/* EUI-64 reported by platform_eui64() (default 02:00:00:ff:fe:00:00:01, locally administered).
 * platform_init() also reads NATIVE_EUI64=aa:bb:cc:dd:ee:ff:00:11 from the environment. */
void native_set_eui64(const uint8_t eui64[8]);
/* Longest platform_idle() sleep in ms when no etimer is pending (keeps stdin responsive). */
#define NATIVE_IDLE_MAX_MS 1000

#endif /* NATIVE_PLATFORM_H_ */
