"""The native C client (firmware-c/build/native/lwm2m-client) as a subprocess on the rig's virtual clock.

The client runs with `--clock-fd`: it takes its time from here and works in lockstep. Whenever the
asyncio loop would let time pass, every client is told the virtual instant ("t MS"), takes in the
datagrams the server has sent it, runs its timers, and answers "idle WAIT TX" once it has nothing left
to do at that instant. Loopback UDP is delivered inside `sendto`, so whatever a client sent is readable
by the server by then. The clock then jumps to the next instant anyone needs: a 300 s lifetime passes
in milliseconds, and a test gives the same trace on every run.

    async def body(clock: NativeClock) -> None:
        server = LwM2MServer(port=port)
        await server.start()
        node = clock.spawn("--server", f"coap://[::1]:{port}", "--ep", "n1")
        await node.wait_line("registered", timeout=10)      # virtual seconds
        device = server.device("n1")
        ...
        await node.stop()                                   # deregisters, exits
        await server.stop()

    run_native(body)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rig.errors import EmulationError, RigError
from rig.lwm2m.vclock import BareClock
from rig.vtime import VirtualTimeLoop, run, virtual_seconds

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
NATIVE_CLIENT = REPO / "firmware-c" / "build" / "native" / "lwm2m-client"
# Wall-clock seconds a client may take to answer one clock step before it counts as hung.
ANSWER_TIMEOUT = 30.0


@dataclass
class NativeClient:
    """One client process: its status lines (with the virtual time they appeared) and clock state."""

    proc: subprocess.Popen[bytes]
    args: tuple[str, ...]
    start: float  # virtual time of its first instant: its own clock counts from there
    lines: list[tuple[float, str]] = field(default_factory=list)
    due: float | None = None  # virtual time of the next step it asked for
    tx: int = 0  # datagrams it has sent, as it last said
    _ctl: socket.socket | None = None
    _partial: bytes = b""
    _quit: bool = False

    @property
    def alive(self) -> bool:
        return self._ctl is not None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    @property
    def output(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def line_with(self, text: str) -> str | None:
        return next((line for _, line in self.lines if text in line), None)

    async def wait_line(self, text: str, timeout: float) -> str:
        """The first status line containing `text`, waiting up to `timeout` virtual seconds."""
        timeout = virtual_seconds(timeout, "wait_line timeout")
        await _loop().wait_until(lambda: self.line_with(text) is not None or not self.alive, timeout)
        line = self.line_with(text)
        if line is None:
            why = "exited" if not self.alive else f"printed none in {timeout:g} s"
            raise RigError(f"native client {self.name}: no line with {text!r}, it {why}:\n{self.output}")
        return line

    async def stop(self, timeout: float = 10.0) -> int:
        """Deregister and exit, as on SIGTERM (killed if still there after `timeout` virtual s); exit status."""
        if self.alive:
            self._quit = True
            await _loop().wait_until(lambda: not self.alive, virtual_seconds(timeout, "stop timeout"))
        if self.alive:  # no clean stop in time
            self.kill()
        try:
            return self.proc.wait(ANSWER_TIMEOUT)
        except subprocess.TimeoutExpired:  # left the clock but did not exit
            self.kill()
            return self.proc.wait()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self._close()

    @property
    def name(self) -> str:
        return next((v for k, v in zip(self.args, self.args[1:], strict=False) if k == "--ep"), "?")

    # -- the lockstep, driven by NativeClock ---------------------------------------------------------

    def step(self, now: float) -> bool:
        """Tell the client it is `now`; True if it did what the host may see (sent, printed, exited)."""
        assert self._ctl is not None
        command = (b"q\n" if self._quit else b"") + b"t %d\n" % round((now - self.start) * 1000)
        self._quit = False
        printed = len(self.lines)
        try:
            self._ctl.sendall(command)
            answer = self._answer()
        except TimeoutError:
            self._collect(now)
            self.kill()
            raise EmulationError(
                f"native client {self.name} did not answer the clock in {ANSWER_TIMEOUT:g} s:\n{self.output}"
            ) from None
        except OSError:
            answer = None
        if answer is None:  # it exited: its last words are in the pipe
            self._close()
            self._collect(now, final=True)
            return True
        self._collect(now)
        wait_ms, tx = answer
        self.due = now + max(wait_ms, 1) / 1000
        active = tx != self.tx or len(self.lines) != printed
        self.tx = tx
        return active

    def _answer(self) -> tuple[int, int] | None:
        """Its "idle WAIT TX" line, None if it closed the clock (exited)."""
        assert self._ctl is not None
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = self._ctl.recv(64)
            if not chunk:
                return None
            buf += chunk
        parts = buf.decode(errors="replace").split()
        if len(parts) != 3 or parts[0] != "idle" or not (parts[1].isdigit() and parts[2].isdigit()):
            raise EmulationError(f"native client {self.name}: unexpected clock answer {buf!r}")
        return int(parts[1]), int(parts[2])

    def _collect(self, now: float, final: bool = False) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
            except BlockingIOError:
                break
            if not chunk:
                final = True
                break
            self._partial += chunk
        *complete, self._partial = self._partial.split(b"\n")
        if final and self._partial:
            complete.append(self._partial)
            self._partial = b""
        self.lines.extend((now, raw.decode(errors="replace").rstrip("\r")) for raw in complete)

    def _close(self) -> None:
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
            self.due = None


def _loop() -> VirtualTimeLoop:
    loop = asyncio.get_running_loop()
    if not isinstance(loop, VirtualTimeLoop):
        raise EmulationError("native clients run on the rig's virtual clock: start them under run_native()")
    return loop


class NativeClock(BareClock):
    """A bare virtual clock that also drives native client processes in lockstep."""

    backend = "native"

    def __init__(self, start: float = 0.0, binary: Path = NATIVE_CLIENT) -> None:
        super().__init__(start)
        self.binary = binary
        self.clients: list[NativeClient] = []

    @staticmethod
    def current() -> NativeClock:
        """The clock of the running loop (inside run_native)."""
        clock = _loop().emulation
        if not isinstance(clock, NativeClock):
            raise EmulationError("no native clock here: start native clients under run_native()")
        return clock

    def spawn(self, *args: str) -> NativeClient:
        """Start a client with these arguments (firmware-c/apps/lwm2m-client/README.md) at `now`."""
        if not self.binary.exists():
            raise RigError(f"native client not built: {self.binary} (make -C firmware-c native)")
        ours, theirs = socket.socketpair()
        ours.settimeout(ANSWER_TIMEOUT)
        with theirs:
            proc = subprocess.Popen(
                (str(self.binary), *args, "--clock-fd", str(theirs.fileno())),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
            )
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        client = NativeClient(proc, tuple(args), self.now, _ctl=ours)
        self.clients.append(client)
        client.step(self.now)  # its first instant: it starts registering now
        return client

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = self.now + max(timeout, 0.0)
        while True:
            # every client at every instant: each takes in what the host sent it meanwhile
            active = [client.step(self.now) for client in self.clients if client.alive]
            if any(active) or predicate():
                return predicate()
            due = min((c.due for c in self.clients if c.due is not None), default=deadline)
            upto = min(due, deadline)
            if upto <= self.now:
                return False
            self._now = upto

    def close(self) -> None:
        for client in self.clients:
            client.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                client.proc.wait(ANSWER_TIMEOUT)
            if client.proc.stdout is not None:
                client.proc.stdout.close()


def run_native(main: Callable[[NativeClock], Awaitable[T]], binary: Path = NATIVE_CLIENT) -> T:
    """asyncio.run() on a virtual clock that the native clients spawned from it (`clock.spawn`) follow."""
    clock = NativeClock(binary=binary)
    try:
        return run(clock, main(clock))
    finally:
        clock.close()
