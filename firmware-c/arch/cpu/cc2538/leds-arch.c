/* CC2538DK LEDs: port C pins 0..3, active high. */
#include "dev/gpio.h"
#include "dev/leds.h"

void
leds_arch_init(void)
{
  gpio_software_control(GPIO_C_BASE, LEDS_ALL);
  gpio_set_output(GPIO_C_BASE, LEDS_ALL);
}

void
leds_arch_set(leds_mask_t leds)
{
  gpio_write(GPIO_C_BASE, LEDS_ALL, leds);
}
