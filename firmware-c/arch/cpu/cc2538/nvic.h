/* NVIC helpers. IRQ numbers are external interrupt numbers in the CC2538's regular interrupt map
 * (SYS_CTRL I_MAP at its reset value 0, which the firmware keeps); vector = 16 + irq. */
#ifndef NVIC_H_
#define NVIC_H_

#include <stdint.h>

#include "reg.h"

#define NVIC_IRQ_GPIO_A      0
#define NVIC_IRQ_GPIO_B      1
#define NVIC_IRQ_GPIO_C      2
#define NVIC_IRQ_GPIO_D      3
#define NVIC_IRQ_UART0       5
#define NVIC_IRQ_UART1       6
#define NVIC_IRQ_UDMA_SW     46
#define NVIC_IRQ_UDMA_ERR    47
#define NVIC_IRQ_USB         140
#define NVIC_IRQ_RF_RXTX     141
#define NVIC_IRQ_RF_ERR      142
#define NVIC_IRQ_AES         143
#define NVIC_IRQ_PKA         144
#define NVIC_IRQ_SLEEP_TIMER 145
#define NVIC_IRQ_MAC_TIMER   146
#define NVIC_IRQ_COUNT       147

#define NVIC_ISER(n) (0xE000E100u + 4u * (n))
#define NVIC_ICER(n) (0xE000E180u + 4u * (n))
#define NVIC_ISPR(n) (0xE000E200u + 4u * (n))
#define NVIC_ICPR(n) (0xE000E280u + 4u * (n))
#define NVIC_IPR(irq) (0xE000E400u + (irq))   /* byte access */

static inline void nvic_enable(unsigned irq)
{
  REG(NVIC_ISER(irq >> 5)) = 1u << (irq & 31u);
}
static inline void nvic_disable(unsigned irq)
{
  REG(NVIC_ICER(irq >> 5)) = 1u << (irq & 31u);
}
static inline void nvic_set_pending(unsigned irq)
{
  REG(NVIC_ISPR(irq >> 5)) = 1u << (irq & 31u);
}
static inline void nvic_clear_pending(unsigned irq)
{
  REG(NVIC_ICPR(irq >> 5)) = 1u << (irq & 31u);
}
static inline int nvic_is_pending(unsigned irq)
{
  return (REG(NVIC_ISPR(irq >> 5)) >> (irq & 31u)) & 1u;
}

#endif /* NVIC_H_ */
