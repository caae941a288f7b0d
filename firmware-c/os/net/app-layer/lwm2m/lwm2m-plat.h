/* Platform hooks the LwM2M objects call; the application (native main, CC2538 app, unit tests)
 * implements them. Only the hooks of linked objects are needed. Reboot and factory reset
 * (Execute /3/0/4, /3/0/5) reach the application as LWM2M_EV_REBOOT / _FACTORY_RESET events. */
#ifndef LWM2M_PLAT_H_
#define LWM2M_PLAT_H_

#include <stdint.h>

enum { LWM2M_PLAT_MANUFACTURER, LWM2M_PLAT_MODEL, LWM2M_PLAT_FW_VERSION };
const char *lwm2m_plat_str(uint8_t which);
void lwm2m_plat_eui64(uint8_t eui[8]);
uint32_t lwm2m_plat_free_memory_kb(void);
/* Seconds since 1970 at now_ms == 0 (0 if unknown) */
int32_t lwm2m_plat_time_base(void);
/* Object 4 */
int16_t lwm2m_plat_rssi(void);      /* dBm of the last received frame */
uint8_t lwm2m_plat_bearer(void);    /* 23 IEEE 802.15.4, 41 Ethernet */
uint8_t lwm2m_plat_ip_count(void);
void lwm2m_plat_ip(uint8_t idx, uint8_t addr[16]);
/* Object 3311: drive the LED (on 0/1, dimmer 0..100) */
void lwm2m_plat_light(uint8_t on, uint8_t dimmer);

#endif /* LWM2M_PLAT_H_ */
