/* LEDs (Contiki-like API). On the CC2538DK: port C pins 0..3 (red, yellow, green, orange).
 * A bitmask API: leds_on(LEDS_RED | LEDS_GREEN). Natively the state is only kept in memory. */
#ifndef LEDS_H_
#define LEDS_H_

#include <stdint.h>

typedef uint8_t leds_mask_t;

#define LEDS_LED1   0x01
#define LEDS_LED2   0x02
#define LEDS_LED3   0x04
#define LEDS_LED4   0x08
#define LEDS_RED    LEDS_LED1
#define LEDS_YELLOW LEDS_LED2
#define LEDS_GREEN  LEDS_LED3
#define LEDS_ORANGE LEDS_LED4
#define LEDS_ALL    0x0f

void leds_init(void);
void leds_on(leds_mask_t leds);
void leds_off(leds_mask_t leds);
void leds_toggle(leds_mask_t leds);
void leds_set(leds_mask_t leds);
leds_mask_t leds_get(void);

/* Port hook (arch/.../leds-arch.c). */
void leds_arch_init(void);
void leds_arch_set(leds_mask_t leds);

#endif /* LEDS_H_ */
