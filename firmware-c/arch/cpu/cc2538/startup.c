/* CC2538 start-up: vector table (16 + 147 entries: the regular interrupt map, and the seven
 * interrupts the alternate map moves (SYS_CTRL I_MAP) at their alternate slots too, which are
 * unused in the regular map), reset handler and fault reporting. No boot-ROM calls: everything here works on Renode without a ROM dump.
 *
 * Stack: [_stack_start, _stack_end) at the bottom of SRAM (see cc2538-layout.ld). The reset handler
 * paints it with STACK_PAINT so platform_stack_max_used() (or an emulator reading RAM) can find the
 * high-water mark: the lowest word that no longer holds the pattern. */
#include <stdint.h>

#include "cc.h"
#include "cpu.h"
#include "dev/console.h"
#include "fmt.h"
#include "nvic.h"
#include "reg.h"

#define STACK_PAINT 0xA5A5A5A5u

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_start, _stack_end;
extern int main(void);

void reset_handler(void);
void default_handler(void);
void fault_handler(void);

#define WEAK_ALIAS(name) void name(void) __attribute__((weak, alias("default_handler")))
WEAK_ALIAS(nmi_handler);
WEAK_ALIAS(svc_handler);
WEAK_ALIAS(debugmon_handler);
WEAK_ALIAS(pendsv_handler);
WEAK_ALIAS(systick_handler);
/* Every peripheral interrupt has a named, weak handler: a driver overrides one by defining a
 * function of that name (void uart1_isr(void) { ... }), no table to edit. Until then it is
 * default_handler, which names the vector and stops. */
WEAK_ALIAS(gpio_a_isr);
WEAK_ALIAS(gpio_b_isr);
WEAK_ALIAS(gpio_c_isr);
WEAK_ALIAS(gpio_d_isr);
WEAK_ALIAS(uart0_isr);
WEAK_ALIAS(uart1_isr);
WEAK_ALIAS(ssi0_isr);
WEAK_ALIAS(i2c_isr);
WEAK_ALIAS(adc_isr);
WEAK_ALIAS(watchdog_isr);
WEAK_ALIAS(gpt0a_isr);
WEAK_ALIAS(gpt0b_isr);
WEAK_ALIAS(gpt1a_isr);
WEAK_ALIAS(gpt1b_isr);
WEAK_ALIAS(gpt2a_isr);
WEAK_ALIAS(gpt2b_isr);
WEAK_ALIAS(gpt3a_isr);
WEAK_ALIAS(gpt3b_isr);
WEAK_ALIAS(analog_cmp_isr);
WEAK_ALIAS(sys_ctrl_isr);
WEAK_ALIAS(flash_ctrl_isr);
WEAK_ALIAS(ssi1_isr);
WEAK_ALIAS(udma_isr);
WEAK_ALIAS(udma_err_isr);
WEAK_ALIAS(usb_isr);
WEAK_ALIAS(rf_core_isr);
WEAK_ALIAS(rf_err_isr);
WEAK_ALIAS(aes_isr);
WEAK_ALIAS(pka_isr);
WEAK_ALIAS(sleep_timer_isr);
WEAK_ALIAS(mac_timer_isr);

typedef void (*cc2538_vector_t)(void);

CC_SECTION(".vectors") CC_USED
const cc2538_vector_t cc2538_vectors[16 + 147] = {
  (cc2538_vector_t)(uintptr_t)&_stack_end, /*   0: initial SP */
  reset_handler,      /*   1 */
  nmi_handler,        /*   2 */
  fault_handler,      /*   3: hard fault */
  fault_handler,      /*   4: memory management */
  fault_handler,      /*   5: bus fault */
  fault_handler,      /*   6: usage fault */
  0, 0, 0, 0,         /* 7-10: reserved */
  svc_handler,        /*  11 */
  debugmon_handler,   /*  12 */
  0,                  /*  13: reserved */
  pendsv_handler,     /*  14 */
  systick_handler,    /*  15 */
  gpio_a_isr,         /*  16: IRQ 0 */
  gpio_b_isr,         /*  17: IRQ 1 */
  gpio_c_isr,         /*  18: IRQ 2 */
  gpio_d_isr,         /*  19: IRQ 3 */
  default_handler,    /*  20: IRQ 4 */
  uart0_isr,          /*  21: IRQ 5 */
  uart1_isr,          /*  22: IRQ 6 */
  ssi0_isr,           /*  23: IRQ 7 */
  i2c_isr,            /*  24: IRQ 8 */
  default_handler,    /*  25: IRQ 9 */
  default_handler,    /*  26: IRQ 10 */
  default_handler,    /*  27: IRQ 11 */
  default_handler,    /*  28: IRQ 12 */
  default_handler,    /*  29: IRQ 13 */
  adc_isr,            /*  30: IRQ 14 */
  default_handler,    /*  31: IRQ 15 */
  default_handler,    /*  32: IRQ 16 */
  default_handler,    /*  33: IRQ 17 */
  watchdog_isr,       /*  34: IRQ 18 */
  gpt0a_isr,          /*  35: IRQ 19 */
  gpt0b_isr,          /*  36: IRQ 20 */
  gpt1a_isr,          /*  37: IRQ 21 */
  gpt1b_isr,          /*  38: IRQ 22 */
  gpt2a_isr,          /*  39: IRQ 23 */
  gpt2b_isr,          /*  40: IRQ 24 */
  analog_cmp_isr,     /*  41: IRQ 25 */
  rf_core_isr,        /*  42: IRQ 26 (alternate map, I_MAP.ALTMAP) */
  rf_err_isr,         /*  43: IRQ 27 (alternate map, I_MAP.ALTMAP) */
  sys_ctrl_isr,       /*  44: IRQ 28 */
  flash_ctrl_isr,     /*  45: IRQ 29 */
  aes_isr,            /*  46: IRQ 30 (alternate map, I_MAP.ALTMAP) */
  pka_isr,            /*  47: IRQ 31 (alternate map, I_MAP.ALTMAP) */
  sleep_timer_isr,    /*  48: IRQ 32 (alternate map, I_MAP.ALTMAP) */
  mac_timer_isr,      /*  49: IRQ 33 (alternate map, I_MAP.ALTMAP) */
  ssi1_isr,           /*  50: IRQ 34 */
  gpt3a_isr,          /*  51: IRQ 35 */
  gpt3b_isr,          /*  52: IRQ 36 */
  default_handler,    /*  53: IRQ 37 */
  default_handler,    /*  54: IRQ 38 */
  default_handler,    /*  55: IRQ 39 */
  default_handler,    /*  56: IRQ 40 */
  default_handler,    /*  57: IRQ 41 */
  default_handler,    /*  58: IRQ 42 */
  default_handler,    /*  59: IRQ 43 */
  usb_isr,            /*  60: IRQ 44 (alternate map, I_MAP.ALTMAP) */
  default_handler,    /*  61: IRQ 45 */
  udma_isr,           /*  62: IRQ 46 */
  udma_err_isr,       /*  63: IRQ 47 */
  default_handler,    /*  64: IRQ 48 */
  default_handler,    /*  65: IRQ 49 */
  default_handler,    /*  66: IRQ 50 */
  default_handler,    /*  67: IRQ 51 */
  default_handler,    /*  68: IRQ 52 */
  default_handler,    /*  69: IRQ 53 */
  default_handler,    /*  70: IRQ 54 */
  default_handler,    /*  71: IRQ 55 */
  default_handler,    /*  72: IRQ 56 */
  default_handler,    /*  73: IRQ 57 */
  default_handler,    /*  74: IRQ 58 */
  default_handler,    /*  75: IRQ 59 */
  default_handler,    /*  76: IRQ 60 */
  default_handler,    /*  77: IRQ 61 */
  default_handler,    /*  78: IRQ 62 */
  default_handler,    /*  79: IRQ 63 */
  default_handler,    /*  80: IRQ 64 */
  default_handler,    /*  81: IRQ 65 */
  default_handler,    /*  82: IRQ 66 */
  default_handler,    /*  83: IRQ 67 */
  default_handler,    /*  84: IRQ 68 */
  default_handler,    /*  85: IRQ 69 */
  default_handler,    /*  86: IRQ 70 */
  default_handler,    /*  87: IRQ 71 */
  default_handler,    /*  88: IRQ 72 */
  default_handler,    /*  89: IRQ 73 */
  default_handler,    /*  90: IRQ 74 */
  default_handler,    /*  91: IRQ 75 */
  default_handler,    /*  92: IRQ 76 */
  default_handler,    /*  93: IRQ 77 */
  default_handler,    /*  94: IRQ 78 */
  default_handler,    /*  95: IRQ 79 */
  default_handler,    /*  96: IRQ 80 */
  default_handler,    /*  97: IRQ 81 */
  default_handler,    /*  98: IRQ 82 */
  default_handler,    /*  99: IRQ 83 */
  default_handler,    /* 100: IRQ 84 */
  default_handler,    /* 101: IRQ 85 */
  default_handler,    /* 102: IRQ 86 */
  default_handler,    /* 103: IRQ 87 */
  default_handler,    /* 104: IRQ 88 */
  default_handler,    /* 105: IRQ 89 */
  default_handler,    /* 106: IRQ 90 */
  default_handler,    /* 107: IRQ 91 */
  default_handler,    /* 108: IRQ 92 */
  default_handler,    /* 109: IRQ 93 */
  default_handler,    /* 110: IRQ 94 */
  default_handler,    /* 111: IRQ 95 */
  default_handler,    /* 112: IRQ 96 */
  default_handler,    /* 113: IRQ 97 */
  default_handler,    /* 114: IRQ 98 */
  default_handler,    /* 115: IRQ 99 */
  default_handler,    /* 116: IRQ 100 */
  default_handler,    /* 117: IRQ 101 */
  default_handler,    /* 118: IRQ 102 */
  default_handler,    /* 119: IRQ 103 */
  default_handler,    /* 120: IRQ 104 */
  default_handler,    /* 121: IRQ 105 */
  default_handler,    /* 122: IRQ 106 */
  default_handler,    /* 123: IRQ 107 */
  default_handler,    /* 124: IRQ 108 */
  default_handler,    /* 125: IRQ 109 */
  default_handler,    /* 126: IRQ 110 */
  default_handler,    /* 127: IRQ 111 */
  default_handler,    /* 128: IRQ 112 */
  default_handler,    /* 129: IRQ 113 */
  default_handler,    /* 130: IRQ 114 */
  default_handler,    /* 131: IRQ 115 */
  default_handler,    /* 132: IRQ 116 */
  default_handler,    /* 133: IRQ 117 */
  default_handler,    /* 134: IRQ 118 */
  default_handler,    /* 135: IRQ 119 */
  default_handler,    /* 136: IRQ 120 */
  default_handler,    /* 137: IRQ 121 */
  default_handler,    /* 138: IRQ 122 */
  default_handler,    /* 139: IRQ 123 */
  default_handler,    /* 140: IRQ 124 */
  default_handler,    /* 141: IRQ 125 */
  default_handler,    /* 142: IRQ 126 */
  default_handler,    /* 143: IRQ 127 */
  default_handler,    /* 144: IRQ 128 */
  default_handler,    /* 145: IRQ 129 */
  default_handler,    /* 146: IRQ 130 */
  default_handler,    /* 147: IRQ 131 */
  default_handler,    /* 148: IRQ 132 */
  default_handler,    /* 149: IRQ 133 */
  default_handler,    /* 150: IRQ 134 */
  default_handler,    /* 151: IRQ 135 */
  default_handler,    /* 152: IRQ 136 */
  default_handler,    /* 153: IRQ 137 */
  default_handler,    /* 154: IRQ 138 */
  default_handler,    /* 155: IRQ 139 */
  usb_isr,            /* 156: IRQ 140 */
  rf_core_isr,        /* 157: IRQ 141 */
  rf_err_isr,         /* 158: IRQ 142 */
  aes_isr,            /* 159: IRQ 143 */
  pka_isr,            /* 160: IRQ 144 */
  sleep_timer_isr,    /* 161: IRQ 145 */
  mac_timer_isr,      /* 162: IRQ 146 */
};
/*---------------------------------------------------------------------------*/
void
reset_handler(void)
{
  uint32_t *src, *dst;
  uint32_t *paint_end;

  for(src = &_sidata, dst = &_sdata; dst < &_edata;) {
    *dst++ = *src++;
  }
  for(dst = &_sbss; dst < &_ebss;) {
    *dst++ = 0;
  }
  /* Paint the stack below our own frame (keep a margin for this function's locals). */
  paint_end = (uint32_t *)((cpu_get_sp() - 64u) & ~3u);
  for(dst = &_stack_start; dst < paint_end; dst++) {
    *(volatile uint32_t *)dst = STACK_PAINT;
  }
  /* Our vector table, wherever this image was linked (bootloader slots, soft restarts). */
  REG(SCS_VTOR) = (uint32_t)(uintptr_t)cc2538_vectors;
  cpu_dsb();

  main();
  for(;;) {
  }
}
/*---------------------------------------------------------------------------*/
size_t platform_stack_max_used(void);
size_t
platform_stack_max_used(void)
{
  const uint32_t *p = &_stack_start;

  while(p < &_stack_end && *p == STACK_PAINT) {
    p++;
  }
  return (size_t)((uintptr_t)&_stack_end - (uintptr_t)p);
}

size_t platform_stack_size(void);
size_t
platform_stack_size(void)
{
  return (size_t)((uintptr_t)&_stack_end - (uintptr_t)&_stack_start);
}
/*---------------------------------------------------------------------------*/
/* Stop for good: all interrupts off so WFI really sleeps (an emulator sees a halted core). */
static CC_NORETURN void
halt(void)
{
  cpu_irq_disable();
  for(unsigned i = 0; i < (NVIC_IRQ_COUNT + 31u) / 32u; i++) {
    REG(NVIC_ICER(i)) = 0xFFFFFFFFu;
    REG(NVIC_ICPR(i)) = 0xFFFFFFFFu;
  }
  for(;;) {
    cpu_wfi();
  }
}

/* Called with the exception frame (r0-r3, r12, lr, pc, xpsr) of the faulting context. */
CC_USED static void
fault_report(const uint32_t *frame)
{
  uint32_t ipsr;

  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  fmt_printf("\nFAULT exc=%lu pc=0x%08lx lr=0x%08lx sp=0x%08lx cfsr=0x%08lx hfsr=0x%08lx "
             "bfar=0x%08lx\n", (unsigned long)(ipsr & 0x1ffu), (unsigned long)frame[6],
             (unsigned long)frame[5], (unsigned long)(uintptr_t)(frame + 8),
             (unsigned long)REG(SCS_CFSR), (unsigned long)REG(SCS_HFSR),
             (unsigned long)REG(SCS_BFAR));
  halt();
}

/* Find which stack the frame is on (EXC_RETURN bit 2), then report in C. */
__attribute__((naked)) void
fault_handler(void)
{
  __asm volatile(
    "tst lr, #4\n\t"
    "ite eq\n\t"
    "mrseq r0, msp\n\t"
    "mrsne r0, psp\n\t"
    "b fault_report\n\t");
}

/* Unexpected interrupt: name its vector number and stop (an unhandled level IRQ would loop). */
void
default_handler(void)
{
  uint32_t ipsr;

  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  fmt_printf("\nFAULT unhandled exception %lu\n", (unsigned long)(ipsr & 0x1ffu));
  halt();
}
