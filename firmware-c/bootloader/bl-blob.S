/* The bootloader binary, placed at 0x00200000 by slot-a.ld (factory images). */
  .section .bootloader, "a"
  .incbin BL_BIN
