#include <stdint.h>
#define REG(a) (*(volatile uint32_t *)(a))
#define UART0 0x4000C000u
#define NVIC_ISER(n) (0xE000E100u + 4u * (n))
#define NVIC_ISPR(n) (0xE000E200u + 4u * (n))
#define NVIC_IPR8(n) (*(volatile uint8_t *)(0xE000E400u + (n)))
#define SCB_ICSR 0xE000ED04u
#define SCB_SHPR3 0xE000ED20u
#define SCB_AIRCR 0xE000ED0Cu
void putc_(char c);
void puts_(const char *s);
void puthex(uint32_t v);
