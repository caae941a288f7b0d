"""`rig server --emulate FIRMWARE`: the prompt on emulated nodes, its wall-clock pacing, its errors."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rig.cli import main
from rig.rig import Rig
from rig.server_emulate import WallClockPacer, build_topology, serve_emulated

REPO = Path(__file__).resolve().parents[1]
EP1 = "cc2538-00124b0000000001"
EP2 = "cc2538-00124b0000000002"


# -- pacing ---------------------------------------------------------------------------------------------

class FakeEmulation:
    """Runs instantly: each run_until jumps the whole timeout (an idle node skipping to its next event)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.granted: list[float] = []

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        self.granted.append(timeout)
        self.now += timeout
        return predicate()


class FakeWall:
    def __init__(self) -> None:
        self.t = 100.0

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.t += seconds


class FakeLoop:
    def __init__(self, emu: FakeEmulation) -> None:
        self.run_step = emu.run_until

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        return self.run_step(predicate, timeout)  # as VirtualTimeLoop._advance steps the emulation


def paced() -> tuple[FakeLoop, FakeEmulation, FakeWall, WallClockPacer]:
    emu, wall = FakeEmulation(), FakeWall()
    loop = FakeLoop(emu)
    pacer = WallClockPacer(emu, clock=wall.clock, sleep=wall.sleep)  # type: ignore[arg-type]
    pacer.install(loop)  # type: ignore[arg-type]
    return loop, emu, wall, pacer


def test_virtual_time_never_runs_ahead_of_the_wall_clock() -> None:
    loop, emu, wall, _ = paced()
    for _ in range(2000):  # the loop asks for far more than the wall clock allows
        loop.run_until(lambda: False, 5.0)
        assert emu.now <= wall.t - 100.0 + 1e-9
    assert emu.now > 0.9 * (wall.t - 100.0)  # and it keeps up: not stuck napping
    assert max(emu.granted) <= 0.2 + 1e-9


def test_a_long_halt_is_not_caught_up_flat_out() -> None:
    loop, emu, wall, pacer = paced()
    wall.t += 60.0  # e.g. a node held in GDB for a minute: the emulation did not run meanwhile
    assert pacer.budget() == pytest.approx(0.2)  # at most max_lag, not 60 s at full speed
    loop.run_until(lambda: False, 5.0)
    assert emu.granted == [pytest.approx(0.2)]


def test_a_pending_predicate_is_served_without_a_nap() -> None:
    loop, emu, wall, _ = paced()
    assert loop.run_until(lambda: True, 1.0) is True
    assert wall.t == 100.0 and emu.now == 0.0


def test_uninstall_restores_the_emulation() -> None:
    loop, emu, _, pacer = paced()
    pacer.uninstall(loop)  # type: ignore[arg-type]
    loop.run_until(lambda: False, 3.0)
    assert emu.now == 3.0


# -- arguments ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--emulate", "no-such-app"], "firmware 'no-such-app' not found at"),
        (["--emulate", "/nonexistent/x.elf"], "not found at /nonexistent/x.elf"),
        (["--emulate", ""], "--emulate needs a firmware"),
        (["--emulate", "lwm2m-client", "--nodes", "0"], "--nodes '0': give a number of nodes 1..64"),
        (["--emulate", "lwm2m-client", "--nodes", "65"], "1..64"),
        (["--emulate", "lwm2m-client", "--nodes", "two"], "--nodes 'two'"),
        (["--nodes", "2"], "--nodes is for emulated nodes: it needs --emulate FIRMWARE"),
        (["--gdb", "3333"], "--gdb is for emulated nodes"),
        (["--emulate", "lwm2m-client", "--gdb", "x"], "--gdb 'x': give PORT or NODE=PORT"),
        (["--emulate", "lwm2m-client", "--gdb", "node3=1"], "no node 'node3' (nodes: node1..node1)"),
        (["--emulate", "lwm2m-client", "--uart", "tcp:127.0.0.1:1"], "--uart does not go with --emulate"),
        (["--emulate", "lwm2m-client", "--host", "::"], "--host does not go with --emulate"),
        (["--emulate", "lwm2m-client", "--port", "70000"], "is not a UDP port"),
    ],
)
def test_bad_emulate_arguments_are_one_line_errors(argv: list[str], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("rig server: error:"), err


# -- the prompt on a rig (unpaced: pure virtual time) ----------------------------------------------------

def test_prompt_commands_on_emulated_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    said: list[str] = []
    with Rig(build_topology("lwm2m-client", 2, 0)) as rig:
        rig.node("node2").power_cut(off_for=1.0)

        async def session() -> None:
            lines: asyncio.Queue[str | None] = asyncio.Queue()
            task = asyncio.get_running_loop().create_task(serve_emulated(rig, lines, said.append))
            lines.put_nowait("nodes")  # before anything registered
            await asyncio.sleep(3.0)
            for command in ("nodes", "read node1 /3/0/0", f"read {EP2} /3/0/2", "write node1 /1/0/1 120",
                            "read node1 /1/0/1", "observe node2 /3/0/13", "read node9 /3/0/0", "bogus"):
                lines.put_nowait(command)
            await asyncio.sleep(2.5)
            lines.put_nowait("cancel node2 /3/0/13")
            lines.put_nowait("uart node1 deregister")
            lines.put_nowait("uart nodeX update")
            lines.put_nowait("time")
            lines.put_nowait("uart node1")
            await asyncio.sleep(1.0)
            lines.put_nowait("quit")
            await task

        rig.run(session(), timeout=60)
    text = "\n".join(said)
    said = text.splitlines()  # `nodes` answers one line per node
    assert f"node1 {EP1} [fd00::212:4b00:0:1] not registered" in said
    assert f"node1 {EP1} [fd00::212:4b00:0:1] registered" in said
    assert f"node2 {EP2} [fd00::212:4b00:0:2] registered" in said
    assert f"{EP1}/3/0/0 = 'lwm2m-rig'" in said
    assert f"{EP2}/3/0/2 = '00124B0000000002'" in said
    assert f"{EP1}/1/0/1 written" in said and f"{EP1}/1/0/1 = 120" in said
    assert any(line.startswith(f"observing {EP2}/3/0/13: ") for line in said)
    assert sum(line.startswith(f"notify {EP2}/3/0/13 = ") for line in said) >= 2
    assert f"cancelled {EP2}/3/0/13" in said
    assert "error: unknown command 'bogus' (try 'help')" in said
    assert f"error: {'node9'}" not in text and "node9" in text  # not a node name: an unknown endpoint
    # UART lines carry the node's name and virtual time; node2 booted a second later
    assert any(line.startswith("[node1 0.0") and "lwm2m: registered /rd/" in line for line in said)
    assert any(line.startswith("[node2 1.0") and "lwm2m: registered /rd/" in line for line in said)
    assert "sent to node1: 'deregister'" in said and "error: no node 'nodeX' (nodes: node1, node2)" in said
    assert any(line.startswith("[node1 ") and line.endswith("lwm2m: deregistered") for line in said)
    assert "error: wrong arguments; usage: uart NODE TEXT" in said
    now = [float(line.split()[2]) for line in said if line.startswith("virtual time ")]
    assert len(now) == 1 and 5.5 <= now[0] < 6.5  # the 5.5 s slept, plus the cancel's round trip
    events = capsys.readouterr().out
    assert f"[registered] {EP1} from" in events and f"[deregistered] {EP1}" in events


# -- the command, paced on the wall clock ---------------------------------------------------------------

class Session:
    """`rig server --emulate` in a subprocess; lines read in a thread (a wall-clock guard against a hang,
    not a timing assertion)."""

    running: list[Session] = []  # killed after each test: a failed one must not leave a rig behind

    def __init__(self, *args: str, stderr_too: bool = False) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "rig", "server", "--emulate", "lwm2m-client", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT if stderr_too else subprocess.PIPE,
                                     text=True, cwd=REPO, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        Session.running.append(self)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, fragment: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=120)
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"no line with {fragment!r}; got {self.seen}")
            self.seen.append(line)
            if fragment in line:
                return line

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def finish(self, close_stdin: bool = True) -> tuple[int, str]:
        """The exit code and standard error (the reader thread keeps standard output)."""
        assert self.proc.stdin is not None
        if close_stdin:  # (an end of input would stop the session too)
            self.proc.stdin.close()
        code = self.proc.wait(timeout=120)
        return code, self.proc.stderr.read() if self.proc.stderr is not None else ""


@pytest.fixture(autouse=True)
def _no_session_left_behind() -> Iterator[None]:
    yield
    while Session.running:
        proc = Session.running.pop().proc
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def test_rig_server_emulate_registers_answers_and_quits(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    session = Session("--artifacts-dir", str(tmp_path / "art"), "--trace", str(trace))
    assert "with 1 emulated node(s)" in session.wait_for("LwM2M server on coap://[::1]:")
    session.wait_for("lwm2m: registered /rd/")
    session.send("read node1 /3/0/0")
    assert session.wait_for(f"{EP1}/3/0/0") == f"{EP1}/3/0/0 = 'lwm2m-rig'"
    session.send("time")
    virtual = float(session.wait_for("virtual time ").split()[2])
    # paced: never ahead of the wall clock (an invariant, not a timing: the process started earlier)
    assert 0 < virtual <= time.monotonic() - session.started
    session.send("quit")
    code, err = session.finish()
    assert code == 0, err
    assert trace.is_file() and "lwm2m-rig" in trace.read_text()  # the read, in the CoAP trace
    assert {p.name for p in (tmp_path / "art").iterdir()} >= {"uart-node1.log", "uart-border.log", "radio.pcap"}
    assert "lwm2m: registered" in (tmp_path / "art" / "uart-node1.log").read_text()


@pytest.mark.parametrize(("signum", "options"), [(signal.SIGINT, []), (signal.SIGTERM, ["--no-prompt"])])
def test_rig_server_emulate_stops_cleanly_on_ctrl_c_or_sigterm(tmp_path: Path, signum: int,
                                                                options: list[str]) -> None:
    session = Session("--artifacts-dir", str(tmp_path), *options)
    session.wait_for("lwm2m: registered /rd/")
    session.proc.send_signal(signum)
    code, err = session.finish(close_stdin=False)
    assert code == 0 and "Traceback" not in err, err
    assert "lwm2m: registered" in (tmp_path / "uart-node1.log").read_text()


def _symbol(elf: Path, name: str) -> int:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    with elf.open("rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        assert isinstance(symtab, SymbolTableSection)
        found = symtab.get_symbol_by_name(name)
        assert found, f"no symbol {name} in {elf}"
        return int(found[0]["st_value"]) & ~1  # Thumb bit off


def test_gdb_recipe_stops_at_lwm2m_input_on_a_node_with_a_network() -> None:
    """The README's recipe: `rig server --emulate lwm2m-client --gdb PORT`, break lwm2m_input, continue."""
    import socket

    from rig.emu.builtin.gdbclient import RspClient
    from rig.topology import firmware_path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = _symbol(firmware_path("lwm2m-client"), "lwm2m_input")
    session = Session("--gdb", str(port), stderr_too=True)
    session.wait_for(f"waiting for GDB on 127.0.0.1:{port}")
    client = RspClient(port, timeout=120)
    try:
        assert client.request(f"Z0,{target:x},2") == "OK"
        assert client.request("c").startswith("T05")  # the registration's 2.01 Created arrives
        assert client.register(15) == target
        session.send("read node1 /3/0/0")  # typed while halted: runs once GDB continues
        assert client.request("c").startswith("T05")  # ... and its GET reaches the node
        assert client.register(15) == target
        assert client.request(f"z0,{target:x},2") == "OK"
        client.send("D")
    finally:
        client.close()
    assert session.wait_for(f"{EP1}/3/0/0") == f"{EP1}/3/0/0 = 'lwm2m-rig'"
    session.send("quit")
    code, err = session.finish()
    assert code == 0, err
