/* UART0: polled TX, interrupt RX. Baud divisors for the 32 MHz system clock (UART_CC = 0):
 * BRD = 32e6 / (16 * 115200) = 17.361 -> IBRD 17, FBRD round(0.361 * 64) = 23. */
#include "dev/uart.h"

#include "cpu.h"
#include "dev/gpio.h"
#include "dev/ioc.h"
#include "dev/sys-ctrl.h"
#include "nvic.h"

#define UART_BRD64 ((CPU_SYS_CLOCK_HZ * 4u + UART_CONF_BAUD / 2u) / UART_CONF_BAUD)
#define UART_TX_SPIN 100000u   /* bound on waiting for FIFO space (~1 character time is plenty) */

static int (*uart_input)(unsigned char c);

void
uart_init(void)
{
  REG(SYS_CTRL_RCGCUART) |= SYS_CTRL_RCGCUART_UART0;
  REG(SYS_CTRL_SCGCUART) |= SYS_CTRL_RCGCUART_UART0;
  REG(SYS_CTRL_DCGCUART) |= SYS_CTRL_RCGCUART_UART0;

  /* Pads (real chip only): RX on PA0, TX on PA1 with output enabled, both to the peripheral. */
  REG(IOC_UARTRXD_UART0) = ioc_input_sel(IOC_PORT_A, 0);
  ioc_set_sel(IOC_PORT_A, 1, IOC_SEL_UART0_TXD);
  ioc_set_over(IOC_PORT_A, 1, IOC_OVERRIDE_OE);
  ioc_set_over(IOC_PORT_A, 0, IOC_OVERRIDE_DIS);
  gpio_peripheral_control(GPIO_A_BASE, GPIO_PIN_MASK(0) | GPIO_PIN_MASK(1));

  REG(UART0_BASE + UART_CTL) = 0;            /* disabled while configuring */
  REG(UART0_BASE + UART_CC) = 0;             /* clocked from the system clock */
  REG(UART0_BASE + UART_IBRD) = UART_BRD64 >> 6;
  REG(UART0_BASE + UART_FBRD) = UART_BRD64 & 0x3fu;
  REG(UART0_BASE + UART_LCRH) = UART_LCRH_WLEN_8 | UART_LCRH_FEN;
  REG(UART0_BASE + UART_IM) = UART_IM_RXIM | UART_IM_RTIM;
  REG(UART0_BASE + UART_ICR) = 0x7FFu;
  REG(UART0_BASE + UART_CTL) = UART_CTL_UARTEN | UART_CTL_TXE | UART_CTL_RXE;
  nvic_enable(NVIC_IRQ_UART0);
}

void
uart_write_byte(uint8_t b)
{
  uint32_t spin = UART_TX_SPIN;

  /* Bounded: a UART that never drains must not hang the firmware. */
  while((REG(UART0_BASE + UART_FR) & UART_FR_TXFF) && --spin) {
  }
  REG(UART0_BASE + UART_DR) = b;
}

void
uart_write(const uint8_t *buf, size_t len)
{
  while(len--) {
    uart_write_byte(*buf++);
  }
}

void
uart_flush(void)
{
  uint32_t spin = UART_TX_SPIN;

  while((REG(UART0_BASE + UART_FR) & UART_FR_BUSY) && --spin) {
  }
}

void
uart_set_input(int (*input)(unsigned char c))
{
  uart_input = input;
}

void
uart0_isr(void)
{
  uint32_t mis = REG(UART0_BASE + UART_MIS);

  REG(UART0_BASE + UART_ICR) = mis;
  /* Drain the FIFO even without a handler, so overruns cannot wedge the receiver. */
  while(!(REG(UART0_BASE + UART_FR) & UART_FR_RXFE)) {
    uint8_t c = (uint8_t)REG(UART0_BASE + UART_DR);
    if(uart_input != NULL) {
      uart_input(c);
    }
  }
  /* Errors (framing, overrun, break) are cleared with the ICR write above and by reading DR. */
  REG(UART0_BASE + UART_ECR) = 0xFFu;
}
