"""The Cortex-M3 CPU on unicorn: memories, exception entry/return, one slice of execution.

Unicorn has no NVIC and never performs M-profile exception entry: this module stacks the 8-word frame
(with the 8-byte alignment flag in xPSR bit 9), sets IPSR, LR = EXC_RETURN and jumps to the vector;
a branch to EXC_RETURN reaches the interrupt hook and is unstacked here (with tail-chaining when
another exception is pending). Exceptions are only taken between slices, i.e. at translation-block
boundaries: the block hook (counter.py) stops as soon as a pending exception may preempt.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable
from dataclasses import dataclass

from unicorn import (
    UC_ARCH_ARM,
    UC_ERR_FETCH_PROT,
    UC_ERR_FETCH_UNMAPPED,
    UC_ERR_INSN_INVALID,
    UC_ERR_READ_PROT,
    UC_ERR_READ_UNMAPPED,
    UC_ERR_WRITE_PROT,
    UC_ERR_WRITE_UNMAPPED,
    UC_HOOK_INTR,
    UC_HOOK_MEM_INVALID,
    UC_MEM_FETCH_PROT,
    UC_MEM_FETCH_UNMAPPED,
    UC_MEM_READ_PROT,
    UC_MEM_READ_UNMAPPED,
    UC_MEM_WRITE_PROT,
    UC_MEM_WRITE_UNMAPPED,
    UC_MODE_THUMB,
    UC_PROT_ALL,
    UC_PROT_EXEC,
    UC_PROT_READ,
    Uc,
    UcError,
)
from unicorn.arm_const import (
    UC_ARM_REG_APSR_NZCV,
    UC_ARM_REG_BASEPRI,
    UC_ARM_REG_CONTROL,
    UC_ARM_REG_IPSR,
    UC_ARM_REG_LR,
    UC_ARM_REG_MSP,
    UC_ARM_REG_PC,
    UC_ARM_REG_PRIMASK,
    UC_ARM_REG_PSP,
    UC_ARM_REG_R0,
    UC_ARM_REG_R1,
    UC_ARM_REG_R2,
    UC_ARM_REG_R3,
    UC_ARM_REG_R12,
    UC_ARM_REG_SP,
    UC_ARM_REG_XPSR,
    UC_CPU_ARM_CORTEX_M3,
)
from unicorn.unicorn_py3.unicorn import uclib

from rig.emu.builtin import memmap as mm
from rig.emu.builtin.counter import NO_PENDING, InstructionCounter
from rig.emu.builtin.nvic import Nvic

UNTIL = 0xFFFFFFFF  # never reached: PC is always even
STACK_GUARD = 4096  # accesses this close below SRAM are a stack running off its bottom
XPSR_RESTORE = 0xFE00FC00  # N Z C V Q and the ICI/IT bits: an interrupt may land inside an IT block
FRAME_REGS = (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR)
WFI, WFE, YIELD, SEV, NOP = 0xBF30, 0xBF20, 0xBF10, 0xBF40, 0xBF00
_ACCESS_KIND = {
    UC_MEM_READ_UNMAPPED: "unmapped read", UC_MEM_WRITE_UNMAPPED: "unmapped write",
    UC_MEM_FETCH_UNMAPPED: "unmapped fetch", UC_MEM_READ_PROT: "read-protected read",
    UC_MEM_WRITE_PROT: "write to read-only memory", UC_MEM_FETCH_PROT: "execute from non-executable memory",
}
_ERR_KIND = {
    UC_ERR_READ_UNMAPPED: "unmapped read", UC_ERR_WRITE_UNMAPPED: "unmapped write",
    UC_ERR_FETCH_UNMAPPED: "unmapped fetch", UC_ERR_WRITE_PROT: "write to read-only memory",
    UC_ERR_READ_PROT: "read-protected read", UC_ERR_FETCH_PROT: "execute from non-executable memory",
    UC_ERR_INSN_INVALID: "undefined instruction",
}
_INTR_KIND = {1: "undefined instruction", 3: "prefetch abort", 4: "data abort", 7: "breakpoint (bkpt)",
              5: "irq", 6: "fiq"}


@dataclass
class Stop:
    """Why a slice ended. kind: 'slice' (budget or sync), 'sleep' (WFI), 'fault', 'svc', 'debug' (a
    debugger's hook stopped before the instruction at pc)."""

    kind: str
    fault: str = ""
    address: int | None = None
    pc: int = 0


class Registers:
    """Register access straight through the C API: the binding's reg_read/reg_write cost ~2.5 us
    each (class lookup per call); exception entry/return needs about 30 of them."""

    def __init__(self, uc: Uc) -> None:
        self._handle = uc._uch
        self._value = ctypes.c_uint32()
        self._ref = ctypes.byref(self._value)
        self._read = uclib.uc_reg_read
        self._write = uclib.uc_reg_write
        n = len(FRAME_REGS)
        self._ids = (ctypes.c_int32 * n)(*FRAME_REGS)
        self._vals = (ctypes.c_uint32 * n)()
        self._ptrs = (ctypes.c_void_p * n)(*[ctypes.addressof(self._vals) + 4 * i for i in range(n)])

    def read(self, reg: int) -> int:
        self._read(self._handle, reg, self._ref)
        return self._value.value

    def write(self, reg: int, value: int) -> None:
        self._value.value = value & 0xFFFFFFFF
        self._write(self._handle, reg, self._ref)

    def read_frame(self) -> list[int]:
        uclib.uc_reg_read_batch(self._handle, self._ids, self._ptrs, len(FRAME_REGS))
        return list(self._vals)

    def write_frame(self, values: tuple[int, ...]) -> None:
        for i, v in enumerate(values):
            self._vals[i] = v
        uclib.uc_reg_write_batch(self._handle, self._ids, self._ptrs, len(FRAME_REGS))


class CortexM3:
    def __init__(self, nvic: Nvic, force_python_hook: bool = False) -> None:
        self.nvic = nvic
        self.uc = uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB, UC_CPU_ARM_CORTEX_M3)  # type: ignore[call-arg]
        self.flash = ctypes.create_string_buffer(mm.FLASH_SIZE)
        self.ram = ctypes.create_string_buffer(mm.RAM_SIZE)
        self.info = ctypes.create_string_buffer(mm.INFO_SIZE)
        self.rom = ctypes.create_string_buffer(mm.ROM_SIZE)
        self.ram_view = memoryview(self.ram).cast("B")
        # boot ROM: readable zeros, not executable, so a ROM API call faults with a clear report
        uc.mem_map_ptr(mm.ROM_BASE, mm.ROM_SIZE, UC_PROT_READ, ctypes.addressof(self.rom))
        uc.mem_map_ptr(mm.FLASH_BASE, mm.FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC,
                       ctypes.addressof(self.flash))
        uc.mem_map_ptr(mm.INFO_BASE, mm.INFO_SIZE, UC_PROT_READ, ctypes.addressof(self.info))
        uc.mem_map_ptr(mm.RAM_BASE, mm.RAM_SIZE, UC_PROT_ALL, ctypes.addressof(self.ram))
        self.counter = InstructionCounter(
            uc, [(mm.FLASH_BASE, mm.FLASH_SIZE, self.flash), (mm.RAM_BASE, mm.RAM_SIZE, self.ram)],
            force_python=force_python_hook)
        self.state = self.counter.state
        self._intr: int | None = None
        self._bad_access: tuple[str, int] | None = None
        uc.hook_add(UC_HOOK_INTR, self._on_intr)
        uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid)
        self.regs = Registers(uc)
        self._ctx0 = uc.context_save()
        self.read_vtor: Callable[[], int] = lambda: 0  # the SCB's VTOR (set by the node)
        self.pc = 0  # where execution resumes (no Thumb bit)
        self.debug_stop = False  # set by a debugger's hook that stopped the engine (gdbstub.py)...
        self.debug_pc = 0  # ... before the instruction here

    # --- hooks (only fire on events, never per instruction) ---------------------------------------
    def _on_intr(self, uc: Uc, intno: int, _ud: object) -> None:
        self._intr = intno
        uc.emu_stop()

    def _on_invalid(self, uc: Uc, access: int, address: int, size: int, value: int, _ud: object) -> bool:
        self._bad_access = (_ACCESS_KIND.get(access, f"invalid access {access}"), address)
        return False

    # --- state ---------------------------------------------------------------------------------------
    @property
    def ipsr(self) -> int:
        return self.regs.read(UC_ARM_REG_IPSR) & 0x1FF

    def cold_registers(self) -> None:
        """Registers as after reset (context saved right after creating the engine)."""
        self.uc.context_restore(self._ctx0)

    def boot(self, vector_table: int) -> None:
        """What the reset sequence does: VTOR, MSP = word 0, PC = word 1, Thread mode, privileged."""
        self.cold_registers()
        sp, reset = struct.unpack_from("<II", self.flash, vector_table - mm.FLASH_BASE)
        regs = self.regs
        regs.write(UC_ARM_REG_CONTROL, 0)
        regs.write(UC_ARM_REG_MSP, sp & ~3)
        regs.write(UC_ARM_REG_SP, sp & ~3)
        regs.write(UC_ARM_REG_PRIMASK, 0)
        regs.write(UC_ARM_REG_BASEPRI, 0)
        self.pc = reset & ~1

    def masked(self, prio: int) -> bool:
        regs = self.regs
        if regs.read(UC_ARM_REG_PRIMASK) & 1:
            return True
        basepri = regs.read(UC_ARM_REG_BASEPRI) & 0xFF
        return basepri != 0 and prio >= basepri

    # --- memory helpers -----------------------------------------------------------------------------
    def read_word(self, address: int) -> int:
        if mm.in_ram(address, 4):
            return int.from_bytes(self.ram_view[address - mm.RAM_BASE:address - mm.RAM_BASE + 4], "little")
        return int.from_bytes(self.uc.mem_read(address, 4), "little")

    def halfword(self, address: int) -> int | None:
        try:
            return int.from_bytes(self.uc.mem_read(address, 2), "little")
        except UcError:
            return None

    # --- exceptions ---------------------------------------------------------------------------------
    def vector(self, exc: int) -> int | None:
        try:
            return self.read_word(self.read_vtor() + 4 * exc)
        except UcError:
            return None

    def enter_exception(self, exc: int, return_pc: int) -> str | None:
        """Stack a frame and jump to the handler of `exc`; returns a fault description or None."""
        regs = self.regs
        handler = self.vector(exc)
        if handler is None or not handler & 1:
            return f"bad vector for exception {exc}: 0x{(handler or 0):08x} (VTOR 0x{self.read_vtor():08x})"
        ipsr = self.ipsr
        control = regs.read(UC_ARM_REG_CONTROL)
        on_psp = ipsr == 0 and bool(control & 2)
        sp = regs.read(UC_ARM_REG_SP)
        xpsr = regs.read(UC_ARM_REG_XPSR)
        frame = sp - 32
        realign = frame & 4
        frame &= ~7
        values = regs.read_frame()
        saved_xpsr = (xpsr & ~(1 << 9)) | (1 << 24) | ((1 << 9) if realign else 0)
        data = struct.pack("<8I", *values, return_pc & 0xFFFFFFFE, saved_xpsr & 0xFFFFFFFF)
        if not mm.in_ram(frame, 32):
            return f"stack overflow on exception entry (SP 0x{sp:08x})"
        self.ram_view[frame - mm.RAM_BASE:frame - mm.RAM_BASE + 32] = data
        nzcv = regs.read(UC_ARM_REG_APSR_NZCV)
        regs.write(UC_ARM_REG_SP, frame)  # the active stack (PSP in a PSP thread)
        if on_psp:
            regs.write(UC_ARM_REG_CONTROL, control & ~2)  # to MSP, still in Thread mode
        regs.write(UC_ARM_REG_IPSR, exc)
        regs.write(UC_ARM_REG_XPSR, (nzcv & 0xF8000000) | (1 << 24) | exc)
        regs.write(UC_ARM_REG_APSR_NZCV, nzcv)
        exc_return = 0xFFFFFFF1 if ipsr else (0xFFFFFFFD if on_psp else 0xFFFFFFF9)
        regs.write(UC_ARM_REG_LR, exc_return)
        self.nvic.activate(exc)
        self.pc = handler & ~1
        return None

    def exception_return(self, exc_return: int) -> str | None:
        """Branch to EXC_RETURN in Handler mode: tail-chain or unstack."""
        regs = self.regs
        kind = exc_return & 0xF
        if exc_return >> 4 != 0xFFFFFFF or kind not in (1, 9, 0xD):
            return f"invalid EXC_RETURN 0x{exc_return:08x}"
        current = self.ipsr
        if current == 0:
            return f"EXC_RETURN 0x{exc_return:08x} in Thread mode"
        nvic = self.nvic
        nvic.deactivate(current)
        # tail-chaining: a pending exception that preempts the context we would return to
        exc, prio = nvic.preempting()
        if exc and not self.masked(prio):
            handler = self.vector(exc)
            if handler is None or not handler & 1:
                return f"bad vector for exception {exc}: 0x{(handler or 0):08x}"
            regs.write(UC_ARM_REG_IPSR, exc)
            regs.write(UC_ARM_REG_LR, exc_return)
            nvic.activate(exc)
            self.pc = handler & ~1
            return None
        to_psp = kind == 0xD
        sp = regs.read(UC_ARM_REG_PSP if to_psp else UC_ARM_REG_MSP)
        if not mm.in_ram(sp, 32):
            return f"exception return with a frame outside RAM (SP 0x{sp:08x})"
        r0, r1, r2, r3, r12, lr, pc, xpsr = struct.unpack_from("<8I", self.ram, sp - mm.RAM_BASE)
        new_sp = sp + 32 + (4 if xpsr & (1 << 9) else 0)
        if kind == 1:
            regs.write(UC_ARM_REG_IPSR, xpsr & 0x1FF)
            regs.write(UC_ARM_REG_MSP, new_sp)
            regs.write(UC_ARM_REG_SP, new_sp)
        else:
            regs.write(UC_ARM_REG_IPSR, 0)
            if to_psp:
                regs.write(UC_ARM_REG_CONTROL, regs.read(UC_ARM_REG_CONTROL) | 2)
            regs.write(UC_ARM_REG_SP, new_sp)
        regs.write_frame((r0, r1, r2, r3, r12, lr))
        # flags, IT/ICI state (bits 26:25, 15:10) and, returning to a handler, its IPSR
        regs.write(UC_ARM_REG_XPSR, (xpsr & XPSR_RESTORE) | (1 << 24) | (xpsr & 0x1FF if kind == 1 else 0))
        regs.write(UC_ARM_REG_APSR_NZCV, xpsr & 0xF8000000)
        self.pc = pc & ~1
        return None

    # --- execution ----------------------------------------------------------------------------------
    def run(self, limit_count: int) -> Stop:
        """Run until the instruction count reaches `limit_count` (at a block boundary), a sync
        request, a pending exception that may be taken, WFI, or a fault."""
        st = self.state
        st.limit = limit_count
        st.stopped = 0
        self._intr = None
        self._bad_access = None
        self.debug_stop = False
        uc, regs = self.uc, self.regs
        try:
            uc.emu_start(self.pc | 1, UNTIL)
        except UcError as exc:
            pc = regs.read(UC_ARM_REG_PC)
            self.pc = pc
            if exc.errno == UC_ERR_INSN_INVALID:
                hw = self.halfword(pc)
                if hw in (WFE, YIELD, SEV, NOP):  # hint instructions unicorn rejects: no-ops here
                    self.pc = pc + 2
                    self.counter.count_one(pc)
                    return Stop("slice")
                return Stop("fault", "undefined instruction", None, pc)
            if self._bad_access is not None:
                kind, address = self._bad_access
                if kind.startswith("execute") and address < mm.ROM_SIZE:
                    kind = "call into the boot ROM (not modelled: use no ROM functions)"
                elif kind.startswith("unmapped") and mm.RAM_BASE - STACK_GUARD <= address < mm.RAM_BASE:
                    kind = f"stack overflow ({kind} just below RAM)"
                return Stop("fault", kind, address, pc)
            return Stop("fault", _ERR_KIND.get(exc.errno, f"cpu error: {exc}"), None, pc)
        pc = regs.read(UC_ARM_REG_PC)
        self.pc = pc
        if self.debug_stop and pc == self.debug_pc:  # elsewhere: unicorn dropped the request
            return Stop("debug", pc=pc)
        if self._intr is not None:
            intno = self._intr
            if intno in (8, 3) and pc >= 0xFFFFFFF0:
                error = self.exception_return(pc | 1)
                return Stop("fault", error, None, pc) if error else Stop("slice")
            if intno == 2:  # SVC: PC is after the svc instruction
                return Stop("svc", pc=pc)
            return Stop("fault", _INTR_KIND.get(intno, f"cpu exception {intno}"), None, pc)
        if st.stopped:
            return Stop("slice")
        if self.halfword(pc - 2) == WFI:
            return Stop("sleep")
        return Stop("fault", "unexpected stop", None, pc)

    def current_pc(self) -> int:
        """The PC now: inside a memory callback, the accessing instruction's."""
        return self.regs.read(UC_ARM_REG_PC)

    def current_lr_sp(self) -> tuple[int, int]:
        return self.regs.read(UC_ARM_REG_LR), self.regs.read(UC_ARM_REG_SP)

    def refresh_pending(self) -> None:
        """Tell the block hook about the best pending exception able to preempt (masks aside)."""
        _, prio = self.nvic.preempting()
        self.state.pending_prio = prio if prio < NO_PENDING else NO_PENDING

    def remove_cache(self, begin: int, end: int) -> None:
        self.uc.ctl_remove_cache(begin, end)
        self.counter.invalidate()
