/* GPIO ports A-D (Stellaris-style: the DATA register is masked by address bits 9:2). */
#ifndef GPIO_H_
#define GPIO_H_

#include <stdint.h>

#include "reg.h"

#define GPIO_DATA  0x000u
#define GPIO_DIR   0x400u
#define GPIO_IS    0x404u
#define GPIO_IBE   0x408u
#define GPIO_IEV   0x40Cu
#define GPIO_IE    0x410u
#define GPIO_RIS   0x414u
#define GPIO_MIS   0x418u
#define GPIO_IC    0x41Cu
#define GPIO_AFSEL 0x420u

#define GPIO_PORT_BASE(port) (GPIO_A_BASE + ((uint32_t)(port) << 12))
#define GPIO_PIN_MASK(pin)   (1u << (pin))

/* Write only the pins in mask (no read-modify-write needed thanks to address masking). */
static inline void gpio_write(uint32_t base, uint8_t mask, uint8_t value)
{
  REG(base + GPIO_DATA + ((uint32_t)mask << 2)) = value;
}
static inline uint8_t gpio_read(uint32_t base, uint8_t mask)
{
  return (uint8_t)REG(base + GPIO_DATA + ((uint32_t)mask << 2));
}
static inline void gpio_set_output(uint32_t base, uint8_t mask)
{
  REG(base + GPIO_DIR) |= mask;
}
static inline void gpio_set_input(uint32_t base, uint8_t mask)
{
  REG(base + GPIO_DIR) &= ~(uint32_t)mask;
}
/* Hand the pins to a peripheral (UART, SSI) or back to software control. */
static inline void gpio_peripheral_control(uint32_t base, uint8_t mask)
{
  REG(base + GPIO_AFSEL) |= mask;
}
static inline void gpio_software_control(uint32_t base, uint8_t mask)
{
  REG(base + GPIO_AFSEL) &= ~(uint32_t)mask;
}

/* Port vectors (weak, default handler unless a driver defines them). */
void gpio_a_isr(void);
void gpio_b_isr(void);
void gpio_c_isr(void);
void gpio_d_isr(void);

#endif /* GPIO_H_ */
