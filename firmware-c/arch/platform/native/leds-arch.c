/* Native LEDs: state lives in os/dev/leds.c only. */
#include "dev/leds.h"

void
leds_arch_init(void)
{
}

void
leds_arch_set(leds_mask_t leds)
{
  (void)leds;
}
