/* LED state is kept here so toggling needs no register read-back (Renode GPIO reads vary). */
#include "dev/leds.h"

static leds_mask_t leds_state;

void
leds_init(void)
{
  leds_arch_init();
  leds_state = 0;
  leds_arch_set(0);
}

void
leds_set(leds_mask_t leds)
{
  leds_state = leds & LEDS_ALL;
  leds_arch_set(leds_state);
}

void
leds_on(leds_mask_t leds)
{
  leds_set(leds_state | leds);
}

void
leds_off(leds_mask_t leds)
{
  leds_set(leds_state & (leds_mask_t)~leds);
}

void
leds_toggle(leds_mask_t leds)
{
  leds_set(leds_state ^ leds);
}

leds_mask_t
leds_get(void)
{
  return leds_state;
}
