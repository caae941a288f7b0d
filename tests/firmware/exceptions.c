/* exceptions: NVIC behaviour checks, each printing "name: result" for the Python test to compare.
 * Uses IRQs 10-13 (no peripheral drives them) pended by software through NVIC ISPR. */
#include "testfw.h"

static volatile char log_buf[64];
static volatile uint32_t log_len;
static volatile uint32_t systicks;
static volatile uint32_t handler_lr[4];

static void log_c(char c) { if (log_len < sizeof(log_buf) - 1) log_buf[log_len++] = c; }
static void log_reset(void) { log_len = 0; }
static void log_print(const char *name)
{
  puts_(name); puts_(": ");
  for (uint32_t i = 0; i < log_len; i++) putc_(log_buf[i]);
  putc_('\n');
  log_reset();
}
static void pend(int irq) { REG(NVIC_ISPR(irq / 32)) = 1u << (irq % 32); }

static volatile int scenario;

void irq10_handler(void)
{
  log_c('A');
  if (scenario == 1) pend(11);          /* higher priority: preempts (nesting) */
  log_c('a');
}
void irq11_handler(void)
{
  log_c('B');
  handler_lr[1] = (uint32_t)__builtin_return_address(0);
  if (scenario == 2) pend(12);          /* lower priority: waits, then tail-chains */
  log_c('b');
}
void irq12_handler(void)
{
  log_c('C');
  handler_lr[2] = (uint32_t)__builtin_return_address(0);
}
void irq13_handler(void) { log_c('D'); }
static void irq13_relocated(void) { log_c('R'); }
extern void (*const vectors[16 + 163])(void);
static void (*ram_vectors[16 + 163])(void) __attribute__((aligned(1024)));
void pendsv_handler(void) { log_c('P'); }
void systick_handler(void) { systicks++; }
void svc_handler(void) { log_c('S'); }

/* Thread code holding values in caller-saved registers and flags while interrupts come and go:
 * returns the number of mismatches seen. */
__attribute__((naked, noinline)) uint32_t reg_torture(uint32_t loops)
{
  __asm volatile(
    "push {r4-r7, lr}\n"
    "mov r4, r0\n"
    "movs r5, #0\n"
    "1:\n"
    "ldr r0, =0x11111111\n"
    "ldr r1, =0x22222222\n"
    "ldr r2, =0x33333333\n"
    "ldr r3, =0x44444444\n"
    "ldr r7, =0x55555555\n"
    "mov r12, r7\n"
    "cmp r0, r1\n"          /* N=1 C=0 Z=0 */
    "nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n"
    "bpl 2f\n"              /* flags lost -> count */
    "beq 2f\n"
    "ldr r6, =0x11111111\n cmp r0, r6\n bne 2f\n"
    "ldr r6, =0x22222222\n cmp r1, r6\n bne 2f\n"
    "ldr r6, =0x33333333\n cmp r2, r6\n bne 2f\n"
    "ldr r6, =0x44444444\n cmp r3, r6\n bne 2f\n"
    "mov r6, r12\n cmp r6, r7\n bne 2f\n"
    "b 3f\n"
    "2: adds r5, #1\n"
    "3: subs r4, #1\n"
    "bne 1b\n"
    "mov r0, r5\n"
    "pop {r4-r7, pc}\n"
    ".ltorg\n");
}

uint32_t it_torture(uint32_t loops);

int main(void)
{
  puts_("exceptions start\n");
  /* priorities: IRQ10 low (0xA0), IRQ11 high (0x20), IRQ12 lowest (0xC0), IRQ13 = IRQ11 (0x20) */
  NVIC_IPR8(10) = 0xA0; NVIC_IPR8(11) = 0x20; NVIC_IPR8(12) = 0xC0; NVIC_IPR8(13) = 0x20;
  REG(NVIC_ISER(0)) = (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13);
  puts_("ipr: "); puthex(REG(0xE000E408)); puthex(REG(0xE000E40C)); putc_('\n');

  scenario = 1; pend(10); __asm volatile("isb");
  log_print("nesting");                 /* expect A B b a */

  scenario = 2; pend(11); __asm volatile("isb");
  log_print("tailchain");               /* expect B b C */
  puts_("tailchain_lr: "); puthex(handler_lr[1]); putc_(' '); puthex(handler_lr[2]); putc_('\n');

  scenario = 0;
  __asm volatile("cpsid i");
  pend(12); pend(10); pend(13); pend(11);
  log_print("masked");                  /* nothing while PRIMASK is set */
  __asm volatile("cpsie i"); __asm volatile("isb");
  log_print("priority");                /* B D A C: by priority, then by number */

  __asm volatile("msr basepri, %0" :: "r"(0x40));
  pend(10); pend(11);
  log_print("basepri");                 /* B only: A (0xA0) is masked by BASEPRI 0x40 */
  __asm volatile("msr basepri, %0" :: "r"(0));
  __asm volatile("isb");
  log_print("basepri_released");        /* A */

  REG(SCB_SHPR3) = 0xE0u << 16;          /* PendSV lowest */
  REG(SCB_ICSR) = 1u << 28;
  __asm volatile("isb");
  __asm volatile("svc #0");
  log_print("pendsv_svc");              /* P S */

  REG(0xE000E014) = 99; REG(0xE000E018) = 0; REG(0xE000E010) = 7;
  uint32_t errors = reg_torture(20000);
  REG(0xE000E010) = 0;
  puts_("torture: errors="); puthex(errors); puts_(" ticks_ok=");
  putc_(systicks > 100 ? '1' : '0'); putc_('\n');

  /* the same with the thread on the process stack */
  static uint32_t psp_stack[256] __attribute__((aligned(8)));
  __asm volatile("msr psp, %0\n movs r0, #2\n msr control, r0\n isb"
                 :: "r"(&psp_stack[256]) : "r0");
  pend(10); __asm volatile("isb");
  uint32_t control; __asm volatile("mrs %0, control" : "=r"(control));
  uint32_t sp; __asm volatile("mov %0, sp" : "=r"(sp));
  log_print("psp");
  puts_("psp_state: "); puthex(control); putc_(' ');
  putc_(sp > (uint32_t)psp_stack && sp <= (uint32_t)&psp_stack[256] ? '1' : '0'); putc_('\n');
  REG(0xE000E014) = 99; REG(0xE000E018) = 0; REG(0xE000E010) = 7;
  errors = reg_torture(5000);
  REG(0xE000E010) = 0;
  puts_("psp_torture: errors="); puthex(errors); putc_('\n');

  /* vector table moved to RAM with another IRQ13 handler (what a bootloader does for its app) */
  for (int i = 0; i < 16 + 163; i++) ram_vectors[i] = vectors[i];
  ram_vectors[16 + 13] = irq13_relocated;
  REG(0xE000ED08) = (uint32_t)ram_vectors;
  pend(13); __asm volatile("isb");
  REG(0xE000ED08) = (uint32_t)vectors;
  pend(13); __asm volatile("isb");
  log_print("vtor");                    /* R then D */

  /* interrupts landing inside IT blocks split across translation blocks */
  uint32_t it_errors = 0;
  for (uint32_t reload = 5; reload < 40; reload++) {
    REG(0xE000E014) = reload; REG(0xE000E018) = 0; REG(0xE000E010) = 7;
    it_errors += it_torture(200);
    REG(0xE000E010) = 0;
  }
  puts_("it_torture: errors="); puthex(it_errors); putc_('\n');

  puts_("exceptions done\n");
  return 0;
}
