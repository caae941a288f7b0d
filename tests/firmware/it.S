/* it_torture(loops): IT blocks that straddle a 1 KiB boundary, where the translator splits blocks,
 * so interrupts land inside IT blocks; returns the number of wrong results. */
    .syntax unified
    .thumb
    .text
    .global it_torture
    .type it_torture, %function
    .balign 1024
    .space 1024 - 12, 0
    /* entry is 12 bytes before the boundary */
it_torture:
    push {r4, lr}
    movs r4, #0
1:  movs r1, #0
    cmp r0, r0
    itete eq             /* boundary - 4 */
    addeq r1, r1, #1     /* boundary - 2 */
    addne r1, r1, #16    /* boundary (new translation block) */
    addeq r1, r1, #1
    addne r1, r1, #16
    cmp r1, #2
    beq 2f
    adds r4, #1
2:  subs r0, #1
    bne 1b
    mov r0, r4
    pop {r4, pc}
    .size it_torture, . - it_torture
