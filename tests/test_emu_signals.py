"""Signals never get lost inside the builtin emulator (rig/emu/builtin/signals.py).

A signal that arrives while unicorn runs used to have its Python handler run at the first bytecode of
the next Python hook (MMIO callback, interrupt hook, Python block hook), where ctypes dropped the
exception. To make that happen deterministically, a tiny C code hook (no Python frame in between)
raises the signal at a chosen guest address: the next Python code is then the hook we aim at.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from unicorn import UC_HOOK_CODE
from unicorn.unicorn_py3.unicorn import uclib

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import SINGLE_NODE_STEP, BuiltinEmulation
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.signals import GATE
from rig.emu.builtin.testing import app_elf, image_elf

SIG = signal.SIGUSR1
BX_LR = 0x4770

_TRIP_C = r"""
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
static int armed, sig_no, to_process;
static const uint64_t *count_ptr;
static uint64_t count_at;
void trip_arm(int sig, int process, const uint64_t *count)
{ sig_no = sig; to_process = process; count_ptr = count; count_at = 0; armed = 1; }
int trip_armed(void) { return armed; }
uint64_t trip_count(void) { return count_at; }
/* UC_HOOK_CODE callback: raises the signal once, from C, in the middle of emu_start */
void trip_hook(void *uc, uint64_t address, uint32_t size, void *user_data)
{
  if (!armed) return;
  armed = 0;
  count_at = count_ptr ? *count_ptr : 0;
  if (to_process) kill(getpid(), sig_no); else raise(sig_no);
}
"""


class Tripped(Exception):
    pass


@pytest.fixture(scope="module")
def trip_lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler for the test's signal-raising hook")
    directory = tmp_path_factory.mktemp("trip")
    (directory / "trip.c").write_text(_TRIP_C)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(directory / "trip.so"), str(directory / "trip.c")],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(directory / "trip.so"))
    lib.trip_count.restype = ctypes.c_uint64
    lib.trip_arm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    return lib


@pytest.fixture
def raising_handler() -> Iterator[list[tuple[int, str]]]:
    """SIGUSR1 raises Tripped; records where the handler ran (the innermost function)."""
    calls: list[tuple[int, str]] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        calls.append((signum, frame.f_code.co_name if frame else ""))
        raise Tripped(signum)

    previous = signal.signal(SIG, handler)
    try:
        yield calls
    finally:
        signal.signal(SIG, previous)


def _trip_at(lib: ctypes.CDLL, node: BuiltinNode, address: int, process: bool = False) -> None:
    """Raise SIG from C when the guest reaches `address` (once). Before the first run: code
    translated earlier would not call the hook."""
    handle = ctypes.c_size_t()
    fn = ctypes.cast(lib.trip_hook, ctypes.c_void_p)
    status = uclib.uc_hook_add(node.cpu.uc._uch, ctypes.byref(handle), UC_HOOK_CODE, fn, None,
                               ctypes.c_uint64(address), ctypes.c_uint64(address))
    assert status == 0
    lib.trip_arm(int(SIG), int(process), ctypes.addressof(node.state))


def _find(node: BuiltinNode, function: str, halfword: int) -> int:
    """Address of the first `halfword` instruction in `function` (e.g. its `bx lr`)."""
    start = node.symbol(function) & ~1
    code = node.read_memory(start, 64)
    for off in range(0, 64, 2):
        if int.from_bytes(code[off:off + 2], "little") == halfword:
            return start + off
    raise AssertionError(f"no 0x{halfword:04x} in the first 64 bytes of {function}")


def _lines(node: BuiltinNode) -> list[tuple[str, float]]:
    return [(line.text, line.time) for line in node.uart.lines]


def _reference(elf: Path, seconds: float, python_hook: bool = False) -> list[tuple[str, float]]:
    with BuiltinEmulation(python_hook=python_hook) as emu:
        node = emu.add_node(NodeSpec("n", elf))
        emu.advance(seconds)
        return _lines(node)


HELLO_SECONDS = 0.3


@pytest.fixture
def other_thread() -> Iterator[None]:
    """An idle thread that does not block signals, as asyncio's executor thread in every rig: with
    the main thread masking signals, the kernel would deliver process-directed ones to it."""
    done = threading.Event()
    thread = threading.Thread(target=done.wait, daemon=True)
    thread.start()
    yield
    done.set()
    thread.join()


@pytest.mark.parametrize(("where", "python_hook", "process"),
                         [("mmio", False, False), ("block-hook", True, False), ("mmio", False, True)],
                         ids=["mmio", "block-hook", "mmio-process-directed"])
def test_signal_in_a_hook_surfaces_from_run_until(trip_lib: ctypes.CDLL, raising_handler: list[tuple[int, str]],
                                                  other_thread: None, where: str, python_hook: bool,
                                                  process: bool) -> None:
    """mmio: raised at uart_write_byte's entry, the next Python code is the UART's MMIO read
    callback; block-hook: raised at its `bx lr`, it is the Python block hook of the caller.
    process-directed: sent to the process (kill), not to the thread (raise)."""
    elf = app_elf("hello")
    expected = _reference(elf, HELLO_SECONDS, python_hook)
    with BuiltinEmulation(python_hook=python_hook) as emu:
        node = emu.add_node(NodeSpec("n", elf))
        entry = node.symbol("uart_write_byte") & ~1
        _trip_at(trip_lib, node, entry if where == "mmio" else _find(node, "uart_write_byte", BX_LR), process)
        with pytest.raises(Tripped):
            emu.advance(HELLO_SECONDS)
        assert trip_lib.trip_armed() == 0
        assert raising_handler[0][1] == "advance"  # ran at the node's safe point, not in a hook
        # the emulation is intact: carrying on gives exactly the undisturbed run
        assert node.fault is None
        emu.advance(HELLO_SECONDS - emu.now)
        assert _lines(node) == expected
        assert signal.getsignal(SIG) is not None and GATE.pending == {}


def test_signal_before_an_exception_return(trip_lib: ctypes.CDLL, raising_handler: list[tuple[int, str]]) -> None:
    """Raised at SysTick's handler `bx lr`: the next Python code is the interrupt hook that performs
    the exception return (it used to be skipped: the core then fetched from 0xFFFFFFF8)."""
    elf = image_elf("exceptions")
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", elf))
        node.expect("exceptions done", 5.0)
        expected = _lines(node)
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", elf))
        _trip_at(trip_lib, node, _find(node, "systick_handler", BX_LR))
        with pytest.raises(Tripped):
            node.expect("exceptions done", 5.0)
        assert trip_lib.trip_armed() == 0
        assert node.fault is None
        node.expect("exceptions done", 5.0)
        assert _lines(node) == expected
        assert any("torture: errors=00000000" in text for text, _ in expected)


def test_busy_firmware_is_interrupted_within_a_slice(trip_lib: ctypes.CDLL) -> None:
    """A compute-bound firmware: the handler runs at most one slice after the signal."""
    at_delivery: list[int] = []
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", app_elf("compute-bench")))

        def handler(signum: int, frame: FrameType | None) -> None:
            at_delivery.append(node.state.count)
            raise Tripped(signum)

        previous = signal.signal(SIG, handler)
        try:
            node.expect("compute start", 1.0)
            crc = node.symbol("crc16_ccitt") & ~1
            _trip_at(trip_lib, node, crc)
            node.cpu.remove_cache(crc, crc + 2)  # translated already: again, with the hook
            with pytest.raises(Tripped):
                node.expect("compute done", 60.0)
        finally:
            signal.signal(SIG, previous)
        tripped_at = trip_lib.trip_count()
        assert tripped_at > 0
        assert 0 <= at_delivery[0] - tripped_at <= SINGLE_NODE_STEP
        node.expect("compute done", 60.0)  # and it carries on


def test_emulation_in_a_worker_thread(trip_lib: ctypes.CDLL, raising_handler: list[tuple[int, str]]) -> None:
    """A threaded Rig: the emulation runs in a worker, the main thread waits for it. A
    process-directed signal raised while the worker emulates reaches the main thread at once, and
    the worker's run goes on undisturbed."""
    elf = app_elf("hello")
    expected = _reference(elf, HELLO_SECONDS)
    outcome: dict[str, object] = {}
    release, emulated = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with BuiltinEmulation() as emu:
                node = emu.add_node(NodeSpec("n", elf))
                _trip_at(trip_lib, node, node.symbol("uart_write_byte") & ~1, process=True)
                emu.advance(HELLO_SECONDS)
                outcome["lines"] = _lines(node)
                outcome["mask"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
            emulated.set()
            release.wait(60)
        except BaseException as exc:  # reported to the main thread
            outcome["error"] = exc
            emulated.set()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        with pytest.raises(Tripped):
            emulated.wait()  # the handler interrupts the wait: it runs on the main thread
    finally:
        release.set()
        thread.join(60)
    assert raising_handler and raising_handler[0][0] == SIG
    assert "error" not in outcome, outcome.get("error")
    assert outcome["lines"] == expected
    assert SIG not in outcome["mask"]  # type: ignore[operator]  # the worker's mask is restored


def test_signal_during_the_predicate_and_at_the_end(raising_handler: list[tuple[int, str]]) -> None:
    """A signal arriving in host code inside run_until (here the predicate) is handled too: at the
    next safe point, or when run_until returns; the handlers are the user's again after it."""
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", app_elf("hello")))
        node.expect("lwm2m-rig hello", 1.0)
        handler = signal.getsignal(SIG)

        def kill_then(result: bool) -> bool:
            os.kill(os.getpid(), SIG)
            return result

        with pytest.raises(Tripped):
            emu.run_until(lambda: kill_then(False), 1.0)
        assert signal.getsignal(SIG) is handler
        with pytest.raises(Tripped):
            emu.run_until(lambda: kill_then(True), 1.0)
        assert signal.getsignal(SIG) is handler and GATE.pending == {}
        assert emu.run_until(lambda: node.time > 0.2, 1.0)


def test_signal_ends_a_gdb_wait(raising_handler: list[tuple[int, str]]) -> None:
    """Waiting for GDB (a blocking wait inside run_until) is not deferred: the handler runs in the
    wait, as before, not when the wait gives up."""
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", app_elf("hello")))
        node.start_gdb_server(port=0, wait=True, timeout=20)
        timer = threading.Timer(0.2, os.kill, (os.getpid(), SIG))
        timer.start()
        try:
            with pytest.raises(Tripped):
                emu.advance(0.1)
        finally:
            timer.cancel()
        assert raising_handler[0][1] == "_accept"


def test_pytest_timeout_fails_a_long_emulation(pytester: pytest.Pytester) -> None:
    """pytest-timeout's SIGALRM ends a test stuck in the emulator (the Python block hook keeps
    nearly all the time in hooks: the alarm used to be dropped there and the test passed)."""
    pytester.makepyfile(test_long=textwrap.dedent(f"""
        import pytest
        from rig.emu.api import NodeSpec
        from rig.emu.builtin.emulation import BuiltinEmulation

        @pytest.mark.timeout(0.5)
        def test_long():
            with BuiltinEmulation(python_hook=True) as emu:
                node = emu.add_node(NodeSpec("n", {str(app_elf("compute-bench"))!r}))
                node.expect("compute done", 60.0)
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_long* - Failed: Timeout*"])
    result.stdout.no_fnmatch_line("*Exception ignored*")
