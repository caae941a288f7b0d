/* I/O control: pin function selection and pad overrides (real chip only: Renode and our emulator
 * do not model the IOC, so these writes are harmless there). */
#ifndef IOC_H_
#define IOC_H_

#include <stdint.h>

#include "reg.h"

#define IOC_PXX_SEL(port, pin)  (IOC_BASE + 0x000u + 4u * ((uint32_t)(port) * 8u + (pin)))
#define IOC_PXX_OVER(port, pin) (IOC_BASE + 0x080u + 4u * ((uint32_t)(port) * 8u + (pin)))
#define IOC_UARTRXD_UART0       (IOC_BASE + 0x100u)

#define IOC_SEL_UART0_TXD 0x00u
#define IOC_OVERRIDE_OE   0x08u
#define IOC_OVERRIDE_PUE  0x04u
#define IOC_OVERRIDE_PDE  0x02u
#define IOC_OVERRIDE_ANA  0x01u
#define IOC_OVERRIDE_DIS  0x00u

#define IOC_PORT_A 0
#define IOC_PORT_B 1
#define IOC_PORT_C 2
#define IOC_PORT_D 3

static inline void ioc_set_sel(unsigned port, unsigned pin, uint32_t sel)
{
  REG(IOC_PXX_SEL(port, pin)) = sel;
}
static inline void ioc_set_over(unsigned port, unsigned pin, uint32_t over)
{
  REG(IOC_PXX_OVER(port, pin)) = over;
}
/* Value for an input-select register (IOC_UARTRXD_UART0 ...): (port << 3) + pin. */
static inline uint32_t ioc_input_sel(unsigned port, unsigned pin)
{
  return ((uint32_t)port << 3) + pin;
}

#endif /* IOC_H_ */
