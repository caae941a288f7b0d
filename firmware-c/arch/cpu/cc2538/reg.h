/* Memory-mapped register access and the CC2538 memory map (the subset this firmware uses). */
#ifndef REG_H_
#define REG_H_

#include <stdint.h>

#define REG(addr)   (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

/* Memories */
#define CC2538_FLASH_BASE     0x00200000u
#define CC2538_FLASH_SIZE     0x00080000u   /* 512 KiB (CC2538SF53) */
#define CC2538_FLASH_PAGE     2048u
#define CC2538_SRAM_BASE      0x20000000u
#define CC2538_SRAM_SIZE      0x00008000u   /* 32 KiB */
#define CC2538_INFO_PAGE_BASE 0x00280000u

/* Peripheral bases */
#define UART0_BASE        0x4000C000u
#define UART1_BASE        0x4000D000u
#define RFCORE_BASE       0x40088000u
#define SYS_CTRL_BASE     0x400D2000u
#define FLASH_CTRL_BASE   0x400D3000u
#define IOC_BASE          0x400D4000u
#define WDT_BASE          0x400D5000u
#define SMWDTHROSC_BASE   0x400D5000u
#define SLEEP_TIMER_BASE  0x400D5040u
#define GPIO_A_BASE       0x400D9000u
#define GPIO_B_BASE       0x400DA000u
#define GPIO_C_BASE       0x400DB000u
#define GPIO_D_BASE       0x400DC000u

/* Cortex-M3 system control space */
#define SCS_ICSR   0xE000ED04u
#define SCS_VTOR   0xE000ED08u
#define SCS_AIRCR  0xE000ED0Cu
#define SCS_SCR    0xE000ED10u
#define SCS_SHCSR  0xE000ED24u
#define SCS_CFSR   0xE000ED28u
#define SCS_HFSR   0xE000ED2Cu
#define SCS_MMFAR  0xE000ED34u
#define SCS_BFAR   0xE000ED38u

#endif /* REG_H_ */
