/* Cortex-M3 core helpers (interrupt masking, sleep, barriers) for the CC2538. */
#ifndef CPU_H_
#define CPU_H_

#include <stdint.h>

static inline void cpu_irq_enable(void)  { __asm volatile("cpsie i" : : : "memory"); }
static inline void cpu_irq_disable(void) { __asm volatile("cpsid i" : : : "memory"); }
static inline void cpu_wfi(void)         { __asm volatile("wfi" : : : "memory"); }
static inline void cpu_dsb(void)         { __asm volatile("dsb" : : : "memory"); }
static inline void cpu_isb(void)         { __asm volatile("isb" : : : "memory"); }
static inline uint32_t cpu_get_sp(void)
{
  uint32_t sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

/* Fixed clocks after sys_ctrl_init(): 32 MHz crystal, system and I/O clock undivided. */
#define CPU_SYS_CLOCK_HZ 32000000u
#define CPU_IO_CLOCK_HZ  32000000u

#endif /* CPU_H_ */
