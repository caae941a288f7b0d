"""Signals (Ctrl-C, SIGTERM, pytest-timeout's SIGALRM) while the builtin emulator runs.

CPython runs a Python-level signal handler at the main thread's next bytecode boundary. Inside
unicorn's emu_start that is the first bytecode of whichever Python hook runs next (an MMIO callback,
the interrupt hook, the Python block hook, a debugger's code hook), before any `try` in it: ctypes
prints "Exception ignored on calling ctypes callback" and drops the handler's exception
(KeyboardInterrupt, SystemExit, pytest-timeout's Failed), and the hook's own work is skipped (an MMIO
read returns 0, an exception return never happens).

Masking the signals with pthread_sigmask around each slice does not fix it: the kernel then hands a
process-directed signal to any other thread that does not block it (every rig has asyncio's
getaddrinfo executor thread), that thread's C handler flags it and the main thread still runs the
Python handler inside a hook. It also costs two system calls per slice (about 6 % at 23k slices/s).

So while `run_until` runs on the main thread, the Python handlers of DEFERRED signals are replaced by
a shim that only records the signal. The emulator delivers it at its next safe point, between two
slices (at most one slice later: slices are bounded by the lockstep step, 1 virtual ms at most), by
calling the original handler in ordinary code, so whatever it raises propagates from run_until with
the emulation consistent and usable. The originals are back in place when run_until returns (a
signal still pending then is raised again, for them). Blocking waits inside the emulation (a GDB
stub waiting for its client) open the gate: there the handlers run at once, as before.

On any other thread Python never runs signal handlers, so nothing is deferred there; the thread
blocks DEFERRED while it emulates so that the kernel delivers them to a thread that can act
(the main thread, waiting on the rig's result in a threaded Rig, is woken by them).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# What a user or a test runner stops a run with; SIGPROF/SIGVTALRM stay undeferred (a sampling
# profiler wants the frame the emulator is in) and so do the synchronous ones (SIGSEGV & co).
DEFERRED: tuple[signal.Signals, ...] = (
    signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
    signal.SIGUSR2,
)
Handler = Callable[[int, FrameType | None], Any]

# signal.getsignal/signal wrap the C functions to convert to enums, at 10x their cost (1.6 + 2.6 us):
# run_until calls them on every run, so call the C ones (with plain ints they behave the same).
try:
    import _signal

    _getsignal: Callable[[int], Any] = _signal.getsignal
    _setsignal: Callable[[int, Any], Any] = _signal.signal
except (ImportError, AttributeError):  # not CPython
    _getsignal, _setsignal = signal.getsignal, signal.signal
_DEFERRED_INTS = tuple(int(s) for s in DEFERRED)


class SignalGate:
    """Defers Python signal handlers while the emulation runs; one per process (GATE)."""

    def __init__(self) -> None:
        self.pending: dict[int, None] = {}  # signals recorded by the shim, in arrival order
        self._saved: dict[int, Handler] = {}  # the handlers the shim stands in for
        self._depth = 0  # nested run_until (two emulations) on the main thread
        self._open = 0  # inside opened(): handlers run at once
        self._handler: Handler = self._shim  # one bound method: compared by identity

    # --- run_until ------------------------------------------------------------------------------
    def enter(self) -> object:
        """Start of a run: returns the token for exit()."""
        if threading.current_thread() is not threading.main_thread():
            return signal.pthread_sigmask(signal.SIG_BLOCK, DEFERRED)
        self._depth += 1
        if self._depth == 1:
            try:
                shim = self._handler
                for signum in _DEFERRED_INTS:
                    handler = _getsignal(signum)
                    if callable(handler) and handler is not shim:
                        self._saved[signum] = handler
                        _setsignal(signum, shim)
            except BaseException:  # a handler raised before all were in place: none stays
                self.exit(None)
                raise
        return None

    def exit(self, token: object) -> None:
        """End of a run: the original handlers back; a signal still pending is raised again now
        (Python runs its handler right after, in the caller's code)."""
        if token is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, token)  # type: ignore[arg-type]
            return
        self._depth -= 1
        if self._depth:
            return
        for signum, handler in self._saved.items():
            if _getsignal(signum) is self._handler:  # else: replaced meanwhile, keep theirs
                _setsignal(signum, handler)
        self._saved.clear()
        if self.pending:
            pending = list(self.pending)
            self.pending.clear()
            # all raised while blocked, then delivered together: one handler raising does not stop
            # the others from being raised (Python runs them in turn, as for real signals)
            old = signal.pthread_sigmask(signal.SIG_BLOCK, pending)
            try:
                for signum in pending:
                    signal.raise_signal(signum)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    # --- the shim and the safe points --------------------------------------------------------------
    def _shim(self, signum: int, frame: FrameType | None) -> Any:
        if self._open:
            return self._original(signum)(signum, frame)
        self.pending[signum] = None
        return None

    def _original(self, signum: int) -> Handler:
        handler = self._saved.get(signum)
        if handler is None:  # cannot happen while the shim is installed; be safe
            return signal.default_int_handler if signum == signal.SIGINT else _ignore
        return handler

    def deliver(self) -> None:
        """At a safe point (between slices): run the handlers of recorded signals, oldest first;
        an exception one raises propagates to the caller (the others stay recorded)."""
        pending = self.pending
        while pending:
            signum = next(iter(pending))
            del pending[signum]
            self._original(signum)(signum, sys._getframe(1))

    @contextmanager
    def opened(self) -> Iterator[None]:
        """A blocking wait inside the emulation: recorded signals are delivered and new ones are
        handled at once until the block ends."""
        if threading.current_thread() is not threading.main_thread() or not self._depth:
            yield
            return
        self.deliver()
        self._open += 1
        try:
            yield
        finally:
            self._open -= 1


def _ignore(signum: int, frame: FrameType | None) -> None:
    return None


GATE = SignalGate()
