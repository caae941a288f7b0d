"""One emulated CC2538: CPU, peripherals, scheduler, virtual clock, resets and power."""

from __future__ import annotations

import bisect
import ctypes
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from rig.coverage.linemap import line_map
from rig.emu import api
from rig.emu.api import CPU_HZ, FaultReport
from rig.emu.builtin import memmap as mm
from rig.emu.builtin.bus import Bus, ModelAccess
from rig.emu.builtin.clock.scheduler import Scheduler
from rig.emu.builtin.cortexm import CortexM3, Stop
from rig.emu.builtin.coverage import NodeCoverage
from rig.emu.builtin.dwt import Dwt
from rig.emu.builtin.elf import Firmware, boot_info, eui64_info_bytes
from rig.emu.builtin.flashctrl import FlashCtrl
from rig.emu.builtin.gpio import MAX_CHANGES, GpioPort
from rig.emu.builtin.models import instantiate
from rig.emu.builtin.nvic import HARDFAULT, SVCALL, Nvic
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.profiling import NodeProfile
from rig.emu.builtin.rfcore import RfCore
from rig.emu.builtin.scs import SystemControlSpace
from rig.emu.builtin.signals import GATE
from rig.emu.builtin.sleeptimer import SleepTimer
from rig.emu.builtin.sysctrl import InterruptMap, SysCtrl
from rig.emu.builtin.uart import Uart
from rig.emu.builtin.uart_host import HostUart
from rig.emu.builtin.watchdog import Watchdog
from rig.errors import ConfigError, EmulationError, EmulatorBug, ExpectTimeout, FirmwareError, RigError

if TYPE_CHECKING:
    from rig.emu.builtin.emulation import BuiltinEmulation
    from rig.emu.builtin.gdbstub import GdbStub

MEMMANAGE, BUSFAULT, USAGEFAULT = 4, 5, 6
EXC_NAMES = {HARDFAULT: "HardFault", MEMMANAGE: "MemManage", BUSFAULT: "BusFault", USAGEFAULT: "UsageFault"}


@dataclass(frozen=True)
class PinChange:
    time: float
    port: str
    pin: int
    level: bool


class BuiltinNode(api.Node):
    def __init__(self, emulation: BuiltinEmulation, index: int, spec: api.NodeSpec, firmware: Firmware,
                 start_cycles: int, seed: int, force_python_hook: bool = False) -> None:
        self.name = spec.name
        self.index = index
        self.spec = spec
        self.firmware = firmware
        number = index + 1
        default = bytes([0, 0x12, 0x4B, 0, 0, 0, (number >> 8) & 0xFF, number & 0xFF])
        self.eui64 = bytes(spec.eui64) if spec.eui64 is not None else default
        if len(self.eui64) != 8:
            raise EmulationError(f"node {self.name}: EUI-64 must be 8 bytes, got {len(self.eui64)}")
        self._emulation = emulation
        # opt-in: faults enter the firmware's fault handlers as on the chip (else they stop the node)
        self.fault_exceptions = bool(spec.extra.get("fault_exceptions", False))
        self._fault: FaultReport | None = None
        self.faults: list[FaultReport] = []  # every fault, also those a watchdog reset cleared
        # what happened to the node besides its UART output, for logs ("*** ..." lines), never in
        # the UART line stream that waits match: (virtual time, text)
        self.events: list[tuple[float, str]] = []
        self.warnings: list[str] = []  # hints about what the emulator does not model (also in events)
        self._internal_error: BaseException | None = None
        self._internal_access: tuple[ModelAccess, int, str | None, float]
        self.sleeping = False
        self.powered = True
        self._pending_reset: str | None = None
        self._pending_power_cut = False
        self.power_cut_off_for = 0.0
        self.pin_changes: list[PinChange] = []
        self._expect_pos = 0
        self._dirty: tuple[int, int] | None = None  # flash range written since the last slice
        self.slices = 0
        self._off = False
        self.coverage: NodeCoverage | None = None  # enable_coverage()
        self.profile: NodeProfile | None = None  # enable_profile()
        self.debugger: GdbStub | None = None  # start_gdb_server

        self.nvic = Nvic(self._nvic_changed)
        self.cpu = CortexM3(self.nvic, force_python_hook=force_python_hook)
        self.state = self.cpu.state
        self._offset = start_cycles  # cycles not spent executing (idle jumps, power off, start time)
        self.scheduler = Scheduler(self._now, self._timer_added)
        self.interrupt_map = InterruptMap(self.nvic)
        ctx = PeripheralContext(self.scheduler, self.interrupt_map, self.request_sync, self.name, self._warn)
        self.ctx = ctx
        self.uart: HostUart = HostUart(self._host_send, self.request_sync)
        self.scs = SystemControlSpace(ctx, self.nvic, lambda: self.cpu.ipsr, self._request_reset)
        self.sysctrl = SysCtrl(ctx, self.interrupt_map.select)
        self.uart0 = Uart(ctx, self._uart_tx)
        self.gpio_ports = {p: GpioPort(ctx, p, self._pin_changed) for p in "ABCD"}
        self.sleeptimer = SleepTimer(ctx)
        self.watchdog = Watchdog(ctx, lambda: self._request_reset("watchdog"))
        self.flashctrl = FlashCtrl(ctx, self.cpu.flash, self._flash_written, self._power_cut)
        self.rfcore = self._make_rfcore(ctx, seed)
        self.dwt = Dwt(ctx)
        peripherals: list[Peripheral] = [self.scs, self.sysctrl, self.uart0, *self.gpio_ports.values(),
                                         self.sleeptimer, self.watchdog, self.flashctrl, self.rfcore,
                                         self.dwt]
        # the user's models (rig.emu.builtin.models: NodeSpec extra "peripherals"), by name
        self.models: dict[str, Peripheral] = {}
        self._model_origin: dict[str, str] = {}
        refs = spec.extra.get("peripherals", [])
        if not isinstance(refs, list | tuple) or not all(isinstance(r, str) for r in refs):
            raise ConfigError(f"node {self.name}: peripherals must be a list of model names, got {refs!r}")
        for ref in refs:
            model, registered = instantiate(ref, ctx, peripherals)
            if model.name in self.models or any(p.name == model.name for p in peripherals):
                raise ConfigError(f"node {self.name}: peripheral model {model.name!r} twice")
            peripherals.append(model)
            self.models[model.name] = model
            self._model_origin[model.name] = registered.origin
        self.peripherals = peripherals
        self.cpu.read_vtor = lambda: self.scs.vtor
        self.bus = Bus(self.cpu.uc, self._model_error)
        self.bus.map_all(peripherals, ctx)
        self.bus.map_bitband(self.cpu.ram)

        ctypes.memmove(self.cpu.flash, firmware.flash, mm.FLASH_SIZE)
        ctypes.memset(self.cpu.info, 0xFF, mm.INFO_SIZE)
        info = eui64_info_bytes(self.eui64)
        ctypes.memmove(ctypes.addressof(self.cpu.info) + mm.EUI64_OFFSET, info, 8)
        self._power_on()

    @staticmethod
    def _make_rfcore(ctx: PeripheralContext, seed: int) -> RfCore:
        return RfCore(ctx, seed=seed)

    # --- clock ---------------------------------------------------------------------------------------
    def _now(self) -> int:
        return self.state.count + self._offset

    @property
    def cycles(self) -> int:
        return self.state.count + self._offset

    @property
    def time(self) -> float:
        return self.cycles / CPU_HZ

    def _timer_added(self, at: int) -> None:
        limit = at - self._offset
        if limit < self.state.limit:
            self.state.limit = max(limit, 0)

    def request_sync(self) -> None:
        self.state.sync = 1

    def _nvic_changed(self) -> None:
        self.cpu.refresh_pending()

    # --- peripheral callbacks -------------------------------------------------------------------------
    def _uart_tx(self, byte: int) -> None:
        if self.powered:
            self.uart.on_byte(byte, self.cycles)

    def _host_send(self, data: bytes) -> None:
        self.uart0.host_write(data)

    def _pin_changed(self, port: str, pin: int, level: bool, cycles: int) -> None:
        if len(self.pin_changes) < MAX_CHANGES:
            self.pin_changes.append(PinChange(cycles / CPU_HZ, port, pin, level))

    def _flash_written(self, address: int, size: int) -> None:
        lo, hi = address, address + size
        if self._dirty is not None:
            lo, hi = min(lo, self._dirty[0]), max(hi, self._dirty[1])
        self._dirty = (lo, hi)
        self.request_sync()

    def _power_cut(self) -> None:
        self._pending_power_cut = True
        self.powered = False
        self.request_sync()

    def _request_reset(self, cause: str) -> None:
        self._pending_reset = cause
        self.request_sync()

    def _warn(self, message: str) -> None:
        """A model's hint (called inside an MMIO access: the PC is the accessing instruction's)."""
        pc = self.cpu.current_pc()
        function = self.firmware.function_at(pc)
        # (unicorn updates the PC per translated block, not per instruction inside a callback)
        text = f"{message} (" + (f"in {function}(), " if function else "") + f"code block at pc=0x{pc:08x})"
        self.warnings.append(text)
        self.events.append((self.time, f"warning: {text}"))

    def _model_error(self, exc: BaseException, access: ModelAccess) -> None:
        if self._internal_error is None:
            self._internal_error = exc
            pc = self.cpu.current_pc()
            self._internal_access = (access, pc, self.firmware.function_at(pc), self.time)
        self.request_sync()

    def _emulator_bug(self, exc: Exception, model: str, access: ModelAccess | None, pc: int | None,
                      function: str | None, time: float) -> EmulatorBug:
        return EmulatorBug(self.name, model, exc, access=str(access) if access else None, pc=pc,
                           function=function, time=time, user_model=self._model_origin.get(model))

    def _timer_owner(self, exc: BaseException) -> str:
        """The model whose code raised (the innermost frame whose `self` is one of ours)."""
        owner = "scheduler"
        tb = exc.__traceback__
        while tb is not None:
            obj = tb.tb_frame.f_locals.get("self")
            if isinstance(obj, Peripheral):
                owner = obj.name
            tb = tb.tb_next
        return owner

    # --- power and reset ------------------------------------------------------------------------------
    def _reset_peripherals(self) -> None:
        self.scheduler.clear()
        self.nvic.reset()
        for p in self.peripherals:
            p.reset()

    def _boot(self) -> None:
        self.sleeping = False
        try:
            info = boot_info(bytes(self.cpu.flash), f"node {self.name}")
        except FirmwareError as exc:
            self._set_fault("no bootable image", 0, None, detail=str(exc))
            return
        self.cpu.boot(info.vector_table)
        self.scs.vtor = info.vector_table  # what the boot ROM leaves for the image
        self.nvic.reset()
        self.cpu.refresh_pending()

    def _power_on(self) -> None:
        self.powered = True
        self._fault = None
        ctypes.memset(self.cpu.ram, 0, mm.RAM_SIZE)
        self._reset_peripherals()
        self.sleeptimer.power_on(self.cycles)
        self.sysctrl.reset_cause = "power-on"
        self._remove_cache(mm.FLASH_BASE, mm.RAM_END)
        medium = self._emulation.medium_impl
        medium.attach(self.name, self.rfcore)
        self._boot()

    def _warm_reset(self, cause: str) -> None:
        """SYSRESETREQ / watchdog: core and peripherals reset; RAM contents and flash are kept (as on
        the real chip); the sleep timer keeps counting."""
        self._reset_peripherals()
        self.sysctrl.reset_cause = cause
        self._fault = None
        self.events.append((self.time, "reset by the watchdog" if cause == "watchdog" else f"reset ({cause})"))
        self._boot()

    def _power_off(self, off_for: float) -> None:
        self.powered = False
        self._fault = None  # whatever stopped the CPU is gone with the power
        self.flashctrl.powered = False
        self._reset_peripherals()
        self._emulation.medium_impl.detach(self.name)
        self.sleeping = True
        self.uart.flush()
        delay = max(0, round(off_for * CPU_HZ))
        self._off = True
        self.scheduler.schedule(self.cycles + delay, self._power_restored)

    def _power_restored(self) -> None:
        self._off = False
        self._power_on()

    @property
    def off(self) -> bool:
        return self._off

    @property
    def idle(self) -> bool:
        """Nothing will happen on this node before its next timer: asleep with no interrupt that
        would wake it, powered off, or stopped on a fault."""
        if self._fault is not None:
            return True
        if self._pending_reset is not None or self._pending_power_cut or self.uart.new_line:
            return False
        if self._off:
            return True
        return self.sleeping and self.nvic.preempting()[0] == 0

    def _remove_cache(self, begin: int, end: int) -> None:
        self.cpu.remove_cache(begin, end)

    def _code_written(self, begin: int, end: int) -> None:
        """Memory [begin, end) was programmed (by the firmware or the host): translate it again, and
        tell the coverage and profile records, which drop what is no longer the ELF's code."""
        self._remove_cache(begin, end)
        for record in (self.coverage, self.profile):
            if record is not None:
                record.flash_changed(begin, end)

    # --- faults -------------------------------------------------------------------------------------
    def _set_fault(self, kind: str, pc: int, address: int | None, detail: str | None = None) -> None:
        function = self.firmware.function_at(pc) if pc else None
        lr = sp = lr_function = None
        if pc:  # (0: no image ran)
            lr, sp = self.cpu.current_lr_sp()
            lr_function = self.firmware.function_at(lr & ~1) if lr < 0xFFFFFFF0 else "<exception return>"
        self._fault = FaultReport(detail or kind, pc, address, function, self.time, self._source_line(pc),
                                  lr, lr_function, sp)
        self.faults.append(self._fault)
        if self.watchdog.armed:  # not the end: the reset will follow
            self.events.append((self.time, f"fault: {self._fault}; the armed watchdog will reset the node"))
        self.uart.flush()

    def _source_line(self, pc: int) -> str | None:
        """"file.c:line" of `pc` from the ELF's DWARF line table (None without one, or outside it)."""
        if not pc:
            return None
        try:
            lm = line_map(self.firmware.path)
        except (RigError, OSError):
            return None  # stripped, or no debug information: pc and function say enough
        i = bisect.bisect_right(lm.ranges, (pc, 0xFFFFFFFF)) - 1
        if i >= 0 and lm.ranges[i][0] <= pc < lm.ranges[i][1]:
            _, _, file, line = lm.ranges[i]
            return f"{PurePosixPath(lm.files[file]).name}:{line}"
        return None

    # --- execution ----------------------------------------------------------------------------------
    def advance(self, target: int) -> None:
        """Run this node until its clock reaches `target` cycles; returns early after a UART line
        (so the emulation can check its predicate)."""
        cpu, nvic, sched, state = self.cpu, self.nvic, self.scheduler, self.state
        gate = GATE
        while True:
            if gate.pending:  # a safe point: a signal's handler runs here (signals.py)
                gate.deliver()
            if self.debugger is not None:
                self.debugger.between_slices()  # polls GDB; serves it while halted
            if self._pending_power_cut:
                self._pending_power_cut = False
                self._power_off(self.power_cut_off_for)
            if self._pending_reset is not None:
                cause, self._pending_reset = self._pending_reset, None
                if not self._off:
                    self._warm_reset(cause)
            now = self._now()
            try:
                sched.run_due(now)
            except Exception as bug:  # a model's timer: the emulator's bug, not the firmware's
                raise self._emulator_bug(bug, self._timer_owner(bug), None, None, None, self.time) from bug
            if self._pending_reset is not None or self._pending_power_cut:
                continue
            if self.uart.new_line:
                self.uart.new_line = False
                self.uart.flush()
                if now < target:
                    return
            if now >= target:
                self.uart.flush()
                return
            if not self._off and self._fault is None:
                exc, prio = nvic.preempting()
                if exc:
                    if not cpu.masked(prio):
                        self.sleeping = False
                        error = cpu.enter_exception(exc, cpu.pc)
                        if error:
                            self._set_fault(error, cpu.pc, None)
                        continue
                    self.sleeping = False  # WFI wakes on a pending interrupt even when masked
            due = sched.next_due()
            stop_at = target if due is None else min(target, due)
            if self.sleeping or self._off or self._fault is not None:
                self._offset += max(stop_at - now, 0)  # no CPU: time passes to the next timer
                continue
            state.sync = 0
            self.slices += 1
            stop = cpu.run(stop_at - self._offset)
            if stop.kind == "debug" and self.debugger is not None:
                stop = self.debugger.debug_stop(stop)
            self._after_slice(stop)

    def _after_slice(self, stop: Stop) -> None:
        if self._dirty is not None:
            lo, hi = self._dirty
            self._dirty = None
            self._code_written(lo, hi)
        error = self._internal_error
        if error is not None:
            self._internal_error = None
            if not isinstance(error, Exception):
                raise error  # Ctrl-C or SIGTERM (SystemExit) that arrived inside a model: not a model bug
            access, pc, function, time = self._internal_access
            raise self._emulator_bug(error, access.model, access, pc, function, time) from error
        if stop.kind == "sleep":
            self.sleeping = True
        elif stop.kind == "svc":
            self.nvic.pend(SVCALL)
            taken, prio = self.nvic.preempting()
            if taken != SVCALL or self.cpu.masked(prio):
                self._set_fault("hardfault: SVC escalated (priority too low or masked)", stop.pc, None)
        elif stop.kind == "fault":
            if self._pending_power_cut or self._pending_reset:
                return  # the power went (or a reset came) before the fault mattered
            if self.fault_exceptions and self._take_fault(stop):
                return
            self._set_fault(stop.fault, stop.pc, stop.address)

    def _take_fault(self, stop: Stop) -> bool:
        """The chip's fault exception for `stop` (NodeSpec extra "fault_exceptions"): latch CFSR/HFSR
        and the fault address, stack the frame (its PC: the faulting instruction) and vector to the
        enabled MemManage/BusFault/UsageFault handler or, escalated, to HardFault. False: not a fault
        the chip would take (a ROM call, an emulator limit) or a lock-up: the node stops as without."""
        kind, address, scs = stop.fault, stop.address, self.scs
        fetch = kind.endswith("fetch") or kind.startswith("execute")
        if kind == "undefined instruction":
            exc, cfsr = USAGEFAULT, 1 << 16  # UNDEFINSTR
        elif kind.startswith("execute"):
            exc, cfsr = MEMMANAGE, 1 << 0  # IACCVIOL (execute-never region)
        elif fetch:
            exc, cfsr = BUSFAULT, 1 << 8  # IBUSERR
        elif kind.startswith(("unmapped", "stack overflow (unmapped", "write to read-only", "read-protected")):
            exc, cfsr = BUSFAULT, (1 << 9) | (1 << 15)  # PRECISERR, BFARVALID
        elif kind.startswith("breakpoint"):
            exc, cfsr = HARDFAULT, 0  # no debugger: HFSR.DEBUGEVT
        else:
            return False
        nvic, cpu = self.nvic, self.cpu
        if nvic.execution_priority() < 0:  # a fault in HardFault or NMI: the core locks up
            self._set_fault(f"lockup: {kind} inside the HardFault/NMI handler", stop.pc, address)
            return True
        hfsr = 1 << 31 if exc == HARDFAULT else 0
        enabled = exc != HARDFAULT and nvic.system_enabled >> (16 + exc - MEMMANAGE) & 1
        prio = nvic.group_prio(exc)
        if exc != HARDFAULT and (not enabled or prio >= nvic.execution_priority() or cpu.masked(prio)):
            exc, hfsr = HARDFAULT, 1 << 30  # FORCED: escalated
        scs.cfsr |= cfsr
        scs.hfsr |= hfsr
        if cfsr & (1 << 15) and address is not None:
            scs.bfar = address
        error = cpu.enter_exception(exc, stop.pc)
        if error:
            self._set_fault(f"lockup: {kind}, then {error}", stop.pc, address)
        self.events.append((self.time, f"{kind} (pc=0x{stop.pc:08x}): taking the {EXC_NAMES[exc]} exception"))
        return True

    # --- api.Node -----------------------------------------------------------------------------------
    @property
    def emulation(self) -> BuiltinEmulation:
        return self._emulation

    @property
    def fault(self) -> FaultReport | None:
        return self._fault

    def expect(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        found: list[re.Match[str]] = []
        lines = self.uart.lines

        def check() -> bool:
            while self._expect_pos < len(lines):
                line = lines[self._expect_pos]
                self._expect_pos += 1
                match = rx.search(line.text)
                if match:
                    found.append(match)
                    return True
            return self.stopped_for_good

        self._emulation.run_until(check, timeout)
        if found:
            return found[0]
        if self.stopped_for_good:
            raise EmulationError(f"node {self.name} stopped: {self._fault}")
        raise ExpectTimeout(f"node {self.name}: no UART line matching {rx.pattern!r} within "
                            f"{timeout:g} virtual seconds")

    @property
    def stopped_for_good(self) -> bool:
        """Faulted, and no armed watchdog will reset it (the chip would spin in its fault handler)."""
        return self._fault is not None and not self.watchdog.armed

    def led(self, index: int) -> bool:
        return self.gpio("C", index)

    def gpio(self, port: str, pin: int) -> bool:
        p = self.gpio_ports.get(port.upper())
        if p is None or not 0 <= pin < 8:
            raise EmulationError(f"no GPIO pin {port}{pin} (ports A-D, pins 0-7)")
        return bool(p.output_levels() >> pin & 1)

    def set_input(self, port: str, pin: int, level: bool) -> None:
        """Drive a GPIO input pin from outside (a button)."""
        self.gpio_ports[port.upper()].set_input(pin, level)

    def led_changes(self, index: int) -> list[PinChange]:
        return [c for c in self.pin_changes if c.port == "C" and c.pin == index]

    def read_memory(self, address: int, size: int) -> bytes:
        for base, length, buf in ((mm.FLASH_BASE, mm.FLASH_SIZE, self.cpu.flash),
                                  (mm.RAM_BASE, mm.RAM_SIZE, self.cpu.ram),
                                  (mm.INFO_BASE, mm.INFO_SIZE, self.cpu.info)):
            if base <= address and address + size <= base + length:
                return bytes(memoryview(buf).cast("B")[address - base:address - base + size])
        raise EmulationError(f"read_memory: 0x{address:08x}+{size} is not in flash, RAM or the info page")

    def write_memory(self, address: int, data: bytes) -> None:
        for base, length, buf in ((mm.FLASH_BASE, mm.FLASH_SIZE, self.cpu.flash),
                                  (mm.RAM_BASE, mm.RAM_SIZE, self.cpu.ram)):
            if base <= address and address + len(data) <= base + length:
                ctypes.memmove(ctypes.addressof(buf) + address - base, bytes(data), len(data))
                self._code_written(address, address + len(data))
                return
        raise EmulationError(f"write_memory: 0x{address:08x}+{len(data)} is not in flash or RAM")

    def symbol(self, name: str) -> int:
        try:
            return self.firmware.symbols[name]
        except KeyError:
            raise EmulationError(f"no symbol {name!r} in {self.firmware.path.name}") from None

    def reset(self) -> None:
        if self._off:
            return
        self._warm_reset("sysresetreq")

    def power_cycle(self, off_for: float = 0.0) -> None:
        if off_for < 0:
            raise EmulationError("power_cycle: off_for must be >= 0")
        self._power_off(off_for)
        if off_for == 0:
            self.scheduler.clear()
            self._power_restored()

    # --- builtin extras -------------------------------------------------------------------------------
    @property
    def flash_ops(self) -> int:
        """Flash erase + word-program operations performed since the node was created."""
        return self.flashctrl.ops

    def cut_power_at_flash_op(self, n: int, off_for: float = 0.0) -> None:
        """Cut the power instead of performing the n-th flash operation from now (1 = the next one);
        the node stays off `off_for` virtual seconds, then boots again."""
        self.power_cut_off_for = off_for
        self.flashctrl.cut_power_at(n)

    def run_for(self, seconds: float) -> None:
        self._emulation.advance(seconds)

    def until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        return self._emulation.run_until(predicate, timeout)

    def enable_coverage(self) -> NodeCoverage:
        """Record which code in flash runs from now on (kept across resets and power cycles);
        `node.coverage.bitmap()` gives it, rig.coverage maps it to source lines."""
        if self.coverage is None:
            self.coverage = NodeCoverage(self)
        return self.coverage

    def enable_profile(self) -> NodeProfile:
        """Count how often each instruction in flash runs from now on (kept across resets and
        power cycles); `node.profile.counts()` gives them, rig.profile maps them to functions."""
        if self.profile is None:
            self.profile = NodeProfile(self)
        return self.profile

    def start_gdb_server(self, port: int = 0, wait: bool = True, host: str = "127.0.0.1",
                         timeout: float | None = None, log: Callable[[str], None] | None = None) -> int:
        """Serve GDB's remote protocol for this node on host:port (0: any free port); returns the
        bound port. `wait`: the node stays halted at its current instruction (the reset vector before
        the first run) until a GDB connects and continues. While halted, virtual time stands still
        for the whole emulation. See rig/emu/builtin/gdbstub.py."""
        from rig.emu.builtin.gdbstub import GdbStub

        if self.debugger is not None:
            raise EmulationError(f"node {self.name} already has a GDB server (port {self.debugger.port})")
        return GdbStub(self, port, host=host, wait=wait, timeout=timeout, log=log).port

    def stop_gdb_server(self) -> None:
        if self.debugger is not None:
            self.debugger.close()

    def crc_of_flash(self) -> int:
        return zlib.crc32(bytes(self.cpu.flash))
