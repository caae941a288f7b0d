/* UART0 driver (PL011-style), 115200 8N1, console and SLIP transport.
 * TX is polled (blocking while the FIFO is full); RX is interrupt driven: the input callback runs in
 * the UART0 interrupt (IRQ 5) for every received byte. Pins on the CC2538DK: RX PA0, TX PA1. */
#ifndef UART_H_
#define UART_H_

#include <stddef.h>
#include <stdint.h>

#include "reg.h"

#define UART_DR   0x000u
#define UART_ECR  0x004u
#define UART_FR   0x018u
#define UART_IBRD 0x024u
#define UART_FBRD 0x028u
#define UART_LCRH 0x02Cu
#define UART_CTL  0x030u
#define UART_IFLS 0x034u
#define UART_IM   0x038u
#define UART_RIS  0x03Cu
#define UART_MIS  0x040u
#define UART_ICR  0x044u
#define UART_CC   0x0FCu

#define UART_FR_BUSY 0x08u
#define UART_FR_RXFE 0x10u
#define UART_FR_TXFF 0x20u
#define UART_FR_TXFE 0x80u
#define UART_CTL_UARTEN 0x001u
#define UART_CTL_TXE    0x100u
#define UART_CTL_RXE    0x200u
#define UART_LCRH_FEN    0x10u
#define UART_LCRH_WLEN_8 0x60u
#define UART_IM_RXIM 0x10u
#define UART_IM_RTIM 0x40u
#define UART_IM_FEIM 0x80u
#define UART_IM_BEIM 0x200u
#define UART_IM_OEIM 0x400u

#ifndef UART_CONF_BAUD
#define UART_CONF_BAUD 115200u
#endif

void uart_init(void);
void uart_write_byte(uint8_t b);
void uart_write(const uint8_t *buf, size_t len);
/* Wait until the transmitter is idle (before a reset, so the last line is not lost). */
void uart_flush(void);
/* Callback per received byte, in interrupt context; NULL drops input. */
void uart_set_input(int (*input)(unsigned char c));
/* The UART0 vector (named in the vector table). */
void uart0_isr(void);

#endif /* UART_H_ */
