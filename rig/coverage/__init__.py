"""Firmware code coverage measured by the builtin emulator on the shipping ELF (no instrumented
build): executed-address bitmaps -> DWARF line tables -> lcov tracefiles and per-component
summaries. See README "Firmware coverage"."""
