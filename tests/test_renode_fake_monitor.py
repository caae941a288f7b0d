"""The renode backend against a fake Renode: process management, monitor protocol, commands, time.

The fake is this file run as a program (`renode` on PATH is a wrapper that execs it). It speaks the
monitor's framing as described from Renode's sources and from captures of real sessions: telnet IAC
negotiation on connect, a banner, the first received byte swallowed, command echo, mixed line ends
("\\n\\r", "\\r\\r\\n"), an ANSI-coloured "(machine) " prompt, output written in small chunks, and
errors as prose. It models enough of Renode for the backend: machines, include/macro/runMacro, sysbus
memory, raw socket terminals, RunFor/GetTimeSourceInfo, and a scripted "hello" firmware that prints
on UART0. Like Renode, it deletes $TMPDIR/renode-* at start-up. Misbehaviour is selected with
FAKE_RENODE_MODE (crash-on:X, hang-on:X, ignore-quit, child, fail-start).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# ----------------------------------------------------------------------------------------------
# The fake Renode (stdlib only; runs in its own process)
# ----------------------------------------------------------------------------------------------

PROMPT_COLOUR = b"\x1b[33m"
COLOUR_RESET = b"\x1b[0m"
TELNET_PREAMBLE = b"\xff\xfd\x00\xff\xfb\x01\xff\xfb\x03\xff\xfc\x22"


class _FakeMachine:
    def __init__(self, name: str) -> None:
        self.name = name
        self.mem: dict[int, int] = {}
        self.macros: dict[str, list[str]] = {}
        self.elf: str | None = None
        self.terminal: str | None = None
        self.halted = False
        self.boot_at: float | None = None
        self.next_tick = 0.0
        self.ticks = 0
        self.rx = b""
        self.pending_out = b""


class FakeRenode:
    def __init__(self, port: int, log: Path | None, mode: str) -> None:
        self.port = port
        self.log = log
        self.mode = mode
        self.machines: dict[str, _FakeMachine] = {}
        self.current: _FakeMachine | None = None
        self.time = 0.0
        self.medium = False
        self.terminals: dict[str, dict[str, object]] = {}
        self.conn: socket.socket | None = None
        self.gdb_ports: set[int] = set()

    # -- protocol -------------------------------------------------------------------------
    def serve(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))  # the real one binds all interfaces
        server.listen(1)
        print(f"[INFO] Monitor available in telnet mode on port {self.port}", flush=True)
        while True:
            conn, peer = server.accept()
            self.record({"peer": peer[0]})
            self.conn = conn
            self.send(TELNET_PREAMBLE + b"enode, version 1.16.0\n\r\n\r" + self.prompt())
            self.session(conn)

    def prompt(self) -> bytes:
        name = self.current.name if self.current else "monitor"
        return PROMPT_COLOUR + f"({name}) ".encode() + COLOUR_RESET

    def send(self, data: bytes) -> None:
        assert self.conn is not None
        for i in range(0, len(data), 7):  # small chunks: a read boundary can fall anywhere
            self.conn.sendall(data[i : i + 7])

    def session(self, conn: socket.socket) -> None:
        buf = b""
        first = True
        while True:
            data = conn.recv(4096)
            if not data:
                return
            if first:  # Renode swallows the first byte a client sends
                data, first = data[1:], False
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode().strip()
                self.handle_line(line)

    def handle_line(self, line: str) -> None:
        with open(self.log, "a") if self.log else open(os.devnull, "w") as f:
            f.write(line + "\n")
        if line == "quit":
            self.send(b"quit\n\rRenode is quitting\r\n\r")
            if "ignore-quit" in self.mode:
                return
            os._exit(0)
        for key in ("crash-on:", "hang-on:"):
            if key in self.mode and self.mode.split(key, 1)[1].split(",")[0] in line and line:
                if key == "crash-on:":
                    os._exit(3)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                time.sleep(3600)
        out: list[str] = []
        for part in _split_commands(line):
            if not self.execute(part, out):
                break
        body = "\r\n\r".join(out)
        self.send(line.encode() + b"\n\r" + (body.encode() + b"\r\r\n" if body else b"") + self.prompt())

    # -- commands -------------------------------------------------------------------------
    def execute(self, command: str, out: list[str], depth: int = 0) -> bool:
        if depth and self.log:
            with open(self.log, "a") as f:
                f.write(command + "\n")
        try:
            result = self.run(command, depth)
        except _FakeError as exc:
            out.append(f"There was an error executing command '{command}'")
            out.append(str(exc))
            return False
        except _NoSuch as exc:
            out.append(f"No such command or device: {exc}")
            return False
        if result:
            out.append(result)
        return True

    def machine(self) -> _FakeMachine:
        if self.current is None:
            raise _NoSuch("sysbus")
        return self.current

    def run(self, command: str, depth: int) -> str:
        if not command.strip():
            return ""
        words = shlex.split(command, posix=True)
        head, args = words[0], words[1:]
        if head == "mach":
            if args[0] == "create":
                m = _FakeMachine(args[1])
                self.machines[m.name] = m
                self.current = m
            elif args[0] == "set":
                if args[1] not in self.machines:
                    raise _FakeError(f"no machine {args[1]}")
                self.current = self.machines[args[1]]
            return ""
        if head == "include":
            return self.include(Path(args[0][1:]), depth)
        if head == "runMacro":
            m = self.machine()
            for line in m.macros.get(args[0].lstrip("$"), []):
                sub: list[str] = []
                if not self.execute(line, sub, depth + 1):
                    raise _FakeError("; ".join(sub))
            return ""
        if head == "machine":
            m = self.machine()
            if args[0] == "Reset":
                m.boot_at = None
                m.halted = False
                return self.run("runMacro $reset", depth)
            if args[0] in ("LoadPlatformDescription", "PyDevFromFile"):
                return ""
            if args[0] == "StartGdbServer":  # test_gdb_stub.py
                port = int(args[1])
                if port in self.gdb_ports:
                    raise _FakeError(f"Could not start GDB server: port {port} is already in use")
                self.gdb_ports.add(port)
                return ""
        if head == "connector" and args[0] == "Connect":
            if args[1] == "sysbus.radio":
                if not self.medium or args[2] != "wireless":
                    raise _NoSuch(args[2])
            elif args[1] == "sysbus.uart0":
                if args[2] not in self.terminals:
                    raise _NoSuch(args[2])
                self.machine().terminal = args[2]
            return ""
        if head == "wireless" and self.medium:
            return ""
        if head == "emulation":
            return self.emulation(args)
        if head == "logLevel":
            return ""
        if head == "start":
            self.time += 0.5  # a free run: time passes on its own
            return ""
        if head == "pause":
            return ""
        if head == "sysbus":
            return self.sysbus(args)
        if head == "sysbus.uart0" and args[0] == "WriteChar":
            m = self.machine()
            m.rx += bytes([int(args[1], 0)])
            while b"\n" in m.rx:
                line, m.rx = m.rx.split(b"\n", 1)
                m.pending_out += b"rx: " + line + b"\r\n"
            return ""
        if head == "cpu":
            if args[0] == "VectorTableOffset":
                return ""
            if args[0] == "IsHalted":
                self.machine().halted = args[1].lower() == "true"
                return ""
        raise _NoSuch(head)

    def include(self, path: Path, depth: int) -> str:
        if not path.is_file():
            raise _FakeError(f"Could not find file '{path}'")
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            if line.startswith("macro "):
                name = line.split()[1]
                assert lines[i + 1].strip() == '"""', "macro body must start with a triple quote"
                j = i + 2
                body = []
                while lines[j].strip() != '"""':
                    body.append(lines[j].strip())
                    j += 1
                self.machine().macros[name] = body
                i = j + 1
                continue
            sub: list[str] = []
            if not self.execute(line, sub, depth + 1):
                raise _FakeError("; ".join(sub))
            i += 1
        return ""

    def emulation(self, args: list[str]) -> str:
        verb = args[0]
        if verb in ("SetSeed", "SetGlobalQuantum", "SetGlobalAdvanceImmediately"):
            return ""
        if verb == "CreateIEEE802_15_4Medium":
            self.medium = True
            return ""
        if verb == "CreateServerSocketTerminal":
            port, name, telnet = int(args[1]), args[2], args[3]
            assert telnet == "false", "UART terminals must be raw (telnetMode false)"
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.bind(("127.0.0.1", port))
            server.listen(1)
            self.terminals[name] = {"server": server, "conn": None}
            return ""
        if verb == "RunFor":
            self.run_for(float(args[1]))
            return ""
        if verb == "GetTimeSourceInfo":
            h, rem = divmod(self.time, 3600)
            mnt, sec = divmod(rem, 60)
            return (
                f"Elapsed Virtual Time: {int(h):02d}:{int(mnt):02d}:{sec:012.9f}\n"
                "Elapsed Host Time: 00:00:00.100000000\nCurrent load: 0.1"
            )
        raise _NoSuch(f"emulation {verb}")

    def sysbus(self, args: list[str]) -> str:
        m = self.machine()
        verb = args[0]
        if verb == "LoadELF":
            path = Path(args[1][1:].replace("\\ ", " "))
            if not path.is_file() or "fail-loadelf" in self.mode:
                raise _FakeError(f"Could not find file '{path}'")
            m.elf = str(path)
            m.boot_at = self.time + 0.002
            m.next_tick = self.time + 0.1
            m.ticks = 0
            return ""
        addr = int(args[1], 0)
        if verb == "WriteDoubleWord":
            for i, b in enumerate(int(args[2], 0).to_bytes(4, "little")):
                m.mem[addr + i] = b
            return ""
        if verb == "WriteByte":
            m.mem[addr] = int(args[2], 0)
            return ""
        if verb == "ReadDoubleWord":
            value = int.from_bytes(bytes(m.mem.get(addr + i, 0) for i in range(4)), "little")
            return f"0x{value:08X}"
        if verb == "ReadByte":
            return f"0x{m.mem.get(addr, 0):02X}"
        raise _NoSuch(f"sysbus {verb}")

    def run_for(self, seconds: float) -> None:
        end = self.time + seconds
        for m in self.machines.values():
            out = m.pending_out
            m.pending_out = b""
            hello = m.elf is not None and "hello" in Path(m.elf).name and not m.halted
            if hello and "abort" in self.mode and end >= 0.05:
                print(
                    f"00:00:01.0000 [ERROR] {m.name}/cpu: CPU abort [PC=0x200000]:"
                    " Trying to execute code outside RAM or ROM at 0x200000.",
                    flush=True,
                )
                m.halted = True
            if hello and m.boot_at is not None and self.time < m.boot_at <= end + 1e-12:
                out += f"Hello from {m.name}\r\n".encode()
            while hello and m.next_tick <= end + 1e-12:
                m.ticks += 1
                out += f"tick {m.ticks}\r\n".encode()
                m.next_tick += 0.1
            conn = self.terminal_conn(m.terminal)
            if out and isinstance(conn, socket.socket):
                conn.sendall(out)
            else:  # like Renode: kept until a client connects
                m.pending_out = out + m.pending_out
        self.time = end

    def terminal_conn(self, name: str | None) -> socket.socket | None:
        """The terminal's client; a client that connected before this point is accepted now."""
        term = self.terminals.get(name or "")
        if term is None:
            return None
        if term["conn"] is None:
            server = term["server"]
            assert isinstance(server, socket.socket)
            server.settimeout(0.5)
            try:
                term["conn"], _ = server.accept()
            except TimeoutError:
                return None
        conn = term["conn"]
        return conn if isinstance(conn, socket.socket) else None

    def record(self, data: dict[str, object]) -> None:
        path = os.environ.get("FAKE_RENODE_RECORD")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps(data) + "\n")


class _FakeError(Exception):
    pass


class _NoSuch(Exception):
    pass


def _split_commands(line: str) -> list[str]:
    parts, cur, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def fake_main(argv: list[str]) -> int:
    if "--version" in argv or "-v" in argv:
        print("Renode v1.16.0.1525\n  build: fake\n  build type: Release\n  runtime: .NET 8.0")
        return 0
    mode = os.environ.get("FAKE_RENODE_MODE", "")
    tmpdir = os.environ.get("TMPDIR", "/tmp")
    # Like Renode: remove every $TMPDIR/renode-* directory at start-up.
    for entry in Path(tmpdir).glob("renode-*"):
        shutil.rmtree(entry, ignore_errors=True)
    child_pid = None
    if "child" in mode:
        child_pid = subprocess.Popen(["sleep", "3600"]).pid
    port = int(argv[argv.index("--port") + 1])
    log = os.environ.get("FAKE_RENODE_LOG")
    fake = FakeRenode(port, Path(log) if log else None, mode)
    fake.record({"argv": argv, "tmpdir": tmpdir, "pid": os.getpid(), "child": child_pid, "cwd": os.getcwd()})
    if "fail-start" in mode:
        print("[ERROR] fake Renode refuses to start", flush=True)
        return 1
    fake.serve()
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--fake-renode"]:
    sys.exit(fake_main(sys.argv[2:]))

# ----------------------------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------------------------

import pytest  # noqa: E402

from rig.emu.api import NodeSpec, create_emulation  # noqa: E402
from rig.emu.renode import commands as cmd  # noqa: E402
from rig.emu.renode import monitor as mon  # noqa: E402
from rig.emu.renode.emulation import RenodeEmulation  # noqa: E402
from rig.emu.renode.process import NOT_FOUND, find_renode, not_found_message, renode_version  # noqa: E402
from rig.errors import ConfigError, EmulationError, ExpectTimeout, FirmwareError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EUI = bytes([0x00, 0x12, 0x4B, 0x00, 0x01, 0x02, 0x03, 0x04])


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _alive(pid: int, settle: float = 5.0) -> bool:
    """Running, after giving a just-signalled process time to die (bounded poll, not a timing test)."""
    deadline = time.monotonic() + settle
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return _running(pid)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake `renode` first on PATH; yields a helper with its command log and records."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "renode"
    exe.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)}"
        f' {shlex.quote(__file__)} --fake-renode "$@"\n'
    )
    exe.chmod(0o755)
    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    (shared_tmp / "renode-precious").mkdir()  # another user's live Renode directory
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("RENODE", raising=False)
    monkeypatch.setenv("TMPDIR", str(shared_tmp))
    monkeypatch.setenv("FAKE_RENODE_LOG", str(tmp_path / "commands.log"))
    monkeypatch.setenv("FAKE_RENODE_RECORD", str(tmp_path / "record.jsonl"))
    monkeypatch.delenv("FAKE_RENODE_MODE", raising=False)

    class Fake:
        path = exe
        shared = shared_tmp

        @staticmethod
        def commands() -> list[str]:
            log = tmp_path / "commands.log"
            return [c for c in log.read_text().splitlines() if c.strip()] if log.exists() else []

        @staticmethod
        def records() -> dict[str, object]:
            out: dict[str, object] = {}
            for line in (tmp_path / "record.jsonl").read_text().splitlines():
                out.update(json.loads(line))
            return out

        @staticmethod
        def mode(value: str) -> None:
            monkeypatch.setenv("FAKE_RENODE_MODE", value)

    return Fake


@pytest.fixture(scope="session")
def hello_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Cortex-M3 ELF whose vector table is NOT at the start of flash (0x00200800)."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.skip("arm-none-eabi-gcc not found (needed to build the test ELF)")
    d = tmp_path_factory.mktemp("elf")
    (d / "hello.c").write_text(
        "void reset_handler(void) { for (;;) { } }\n"
        "unsigned int counter;\n"
        '__attribute__((section(".vectors"), used)) const void *const vectors[2] ='
        " { (void *)0x20008000, (void *)reset_handler };\n"
    )
    elf = d / "hello.elf"
    subprocess.run(
        [
            gcc,
            "-mcpu=cortex-m3",
            "-mthumb",
            "-Os",
            "-nostdlib",
            "-Wl,-e,reset_handler",
            "-Wl,--section-start=.vectors=0x00200800",
            "-Wl,-Ttext=0x00200000",
            "-Wl,-Tbss=0x20000000",
            "-o",
            str(elf),
            str(d / "hello.c"),
        ],
        check=True,
        capture_output=True,
    )
    return elf


def _emu(**kw: object) -> RenodeEmulation:
    kw.setdefault("transport", "socket")
    kw.setdefault("start_timeout", 30.0)
    kw.setdefault("command_timeout", 10.0)
    kw.setdefault("shutdown_timeout", 5.0)
    return RenodeEmulation(**kw)  # type: ignore[arg-type]


# -- finding Renode ---------------------------------------------------------------------------


def test_find_renode_explicit_then_env_then_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def make(p: Path) -> Path:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("#!/bin/sh\n")
        p.chmod(0o755)
        return p

    on_path = make(tmp_path / "path" / "renode")
    from_env = make(tmp_path / "env" / "renode")
    explicit = make(tmp_path / "portable" / "renode")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv("RENODE", raising=False)
    assert find_renode(None) == on_path.resolve()
    monkeypatch.setenv("RENODE", str(from_env))
    assert find_renode(None) == from_env.resolve()
    assert find_renode(str(explicit)) == explicit.resolve()
    assert find_renode(explicit.parent) == explicit.resolve()  # a portable directory
    assert find_renode(tmp_path / "nothing") is None  # explicit wins, no silent fall-back
    (tmp_path / "notexec").write_text("")
    assert find_renode(tmp_path / "notexec") is None


def test_missing_renode_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("RENODE", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with pytest.raises(EmulationError) as info:
        create_emulation("renode", transport="socket")
    assert list(tmp_path.glob("rig-renode-*")) == []  # nothing left behind
    message = str(info.value)
    assert message == NOT_FOUND
    assert "--renode" in message and "RENODE" in message and "PATH" in message
    assert "/nowhere/renode" in not_found_message("/nowhere/renode")
    with pytest.raises(EmulationError, match="/nowhere/renode"):
        RenodeEmulation("/nowhere/renode", transport="socket")


def test_version_is_read_from_renode(fake) -> None:
    assert renode_version(fake.path) == "Renode v1.16.0.1525"


# -- pure command generation ------------------------------------------------------------------


def test_eui64_is_stored_like_a_real_chip_and_read_back_by_contiki() -> None:
    # TI OUI: two little-endian words, OUI half first: 00 4B 12 00 04 03 02 01 from 0x00280028.
    words = cmd.eui64_words(EUI)
    assert words == [(0x00280028, 0x00124B00), (0x0028002C, 0x01020304)]
    stored = b"".join(w.to_bytes(4, "little") for _, w in words)
    assert stored == bytes([0x00, 0x4B, 0x12, 0x00, 0x04, 0x03, 0x02, 0x01])
    assert cmd.read_ieee_address(stored) == EUI  # what Contiki-NG's ieee_addr_cpy_to() returns
    other = bytes([0xAA, 1, 2, 3, 4, 5, 6, 7])  # not TI: fully reversed
    stored = b"".join(w.to_bytes(4, "little") for _, w in cmd.eui64_words(other))
    assert stored == other[::-1] and cmd.read_ieee_address(stored) == other
    assert cmd.default_eui64(0) == bytes([0, 0x12, 0x4B, 0, 0, 0, 0, 1])  # as the builtin backend
    with pytest.raises(cmd.CommandError):
        cmd.eui64_words(b"\x00" * 7)


def test_vector_table_comes_from_the_cca_like_the_boot_rom(tmp_path: Path) -> None:
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.skip("arm-none-eabi-gcc not found (needed to build the test ELF)")
    (tmp_path / "cca.c").write_text(
        "void reset_handler(void) { for (;;) { } }\n"
        '__attribute__((section(".isr"), used)) const void *const isr_table[2] ='
        " { (void *)0x20008000, (void *)reset_handler };\n"
        '__attribute__((section(".flashcca"), used)) const unsigned int cca[3] ='
        " { 0xF6FFFFFFu, 0u, 0x00200400u };\n"
    )
    elf = tmp_path / "cca.elf"
    subprocess.run(
        [
            gcc,
            "-mcpu=cortex-m3",
            "-mthumb",
            "-nostdlib",
            "-Wl,-e,reset_handler",
            "-Wl,-Ttext=0x00200000",
            "-Wl,--section-start=.isr=0x00200400",
            "-Wl,--section-start=.flashcca=0x0027FFD4",
            "-o",
            str(elf),
            str(tmp_path / "cca.c"),
        ],
        check=True,
        capture_output=True,
    )
    from rig.emu.renode.elfinfo import read_elf

    assert read_elf(elf).vtor == 0x00200400


def test_node_script_loads_in_order_inside_a_reset_macro(tmp_path: Path) -> None:
    elf = tmp_path / "my fw.elf"
    node = cmd.NodeConfig("client", elf, EUI, 0x00200800, (1.0, 2.5, 0.0), 40123)
    lines = [line.strip() for line in cmd.node_script(node).splitlines()]
    assert lines[0] == 'mach create "client"'
    assert lines[1] == "machine LoadPlatformDescription @platforms/cpus/cc2538.repl"
    assert lines[2] == 'machine PyDevFromFile @scripts/pydev/rolling-bit.py 0x400D2004 0x4 True "sysctrl"'
    assert "connector Connect sysbus.radio wireless" in lines
    assert "wireless SetPosition sysbus.radio 1 2.5 0" in lines
    assert 'emulation CreateServerSocketTerminal 40123 "client_uart0" false' in lines
    assert "connector Connect sysbus.uart0 client_uart0" in lines
    macro = lines[lines.index("macro reset") + 2 : lines.index("runMacro $reset") - 1]
    assert macro == [
        "sysbus WriteDoubleWord 0x00280028 0x00124B00",
        "sysbus WriteDoubleWord 0x0028002C 0x01020304",
        f"sysbus LoadELF @{str(elf.resolve()).replace(' ', chr(92) + ' ')}",
        "cpu VectorTableOffset 0x00200800",
    ]
    assert lines[-1] == "runMacro $reset"
    with pytest.raises(cmd.CommandError):
        cmd.node_script(cmd.NodeConfig("bad name", elf, EUI, 0, (0, 0, 0), 1))


def test_time_literals_and_loss_and_memory_plans() -> None:
    assert cmd.run_for(0.001) == 'emulation RunFor "0.001"'
    assert cmd.run_for(2) == 'emulation RunFor "2"'
    assert cmd.set_quantum(0.0001) == 'emulation SetGlobalQuantum "0.0001"'
    assert cmd.set_loss(0.25, 100) == "wireless SetRangeLossWirelessFunction 100 0.75 1"
    assert cmd.set_loss(0.0, 100) == "wireless SetRangeWirelessFunction 100"
    with pytest.raises(cmd.CommandError):
        cmd.set_loss(1.5, 100)
    assert cmd.read_plan(0x20000002, 7) == [
        (0x20000002, 1),
        (0x20000003, 1),
        (0x20000004, 4),
        (0x20000008, 1),
    ]
    assert cmd.gpio_data_address("c") == 0x400DB3FC
    assert cmd.parse_elapsed_virtual_time("Elapsed Virtual Time: 01:02:03.250000000") == 3723.25
    with pytest.raises(cmd.CommandError):
        cmd.parse_elapsed_virtual_time("Current real time: 00:00:05")


# -- monitor framing --------------------------------------------------------------------------


def test_framing_strips_telnet_ansi_echo_and_prompt() -> None:
    raw = (
        b"\xff\xfd\x00\xff\xfb\x01sysbus ReadDoubleWord 0x0\n\r0x00000001\r\r\n"
        + PROMPT_COLOUR
        + b"(client) "
        + COLOUR_RESET
    )
    text = mon.clean(raw)
    assert mon.find_prompt(text) is not None
    assert mon.response_body(text, "sysbus ReadDoubleWord 0x0") == "0x00000001"
    assert mon.strip_telnet(b"a\xff\xffb\xff\xfa\x01\x02\xff\xf0c") == b"a\xffbc"


def test_prompt_is_not_fooled_by_parenthesised_output() -> None:
    for partial in ("  sysbus (SystemBus)", "\n  cpu (CortexM) ", "(SystemBus)", "(client) \nmore"):
        assert mon.find_prompt(partial) is None, partial
    assert mon.find_prompt("False\n(client) ") is not None
    assert mon.find_prompt("(monitor) ") is not None


def test_errors_in_output_are_found() -> None:
    body = "There was an error executing command 'sysbus LoadELF @x'\nCould not find file 'x'"
    assert mon.find_error(body) == (
        "There was an error executing command 'sysbus LoadELF @x' Could not find file 'x'"
    )
    assert mon.find_error("No such command or device: bogus").startswith("No such command")
    assert mon.find_error("0x00000001") is None


# -- start-up ---------------------------------------------------------------------------------


def test_startup_private_tmpdir_loopback_headless(fake) -> None:
    with _emu() as emu:
        rec = fake.records()
        argv = rec["argv"]
        assert isinstance(argv, list)
        assert "--disable-xwt" in argv and "--plain" in argv and "--console" not in argv
        assert argv[argv.index("--port") + 1] == str(emu.process.port)  # type: ignore[union-attr]
        assert rec["tmpdir"] == str(emu.tmpdir) != str(fake.shared)
        assert Path(str(rec["tmpdir"])).parent == fake.shared  # private dir under the user's TMPDIR
        assert rec["peer"] == "127.0.0.1"
        assert (fake.shared / "renode-precious").is_dir()  # Renode's clean-up hit only our dir
        assert fake.commands()[:6] == [
            "emulation SetSeed 0",
            'emulation SetGlobalQuantum "0.0001"',
            "emulation SetGlobalAdvanceImmediately true",
            'emulation CreateIEEE802_15_4Medium "wireless"',
            "wireless SetRangeWirelessFunction 100",
            "logLevel 2",
        ]
        tmpdir = emu.tmpdir
    assert not tmpdir.exists()


def test_realtime_and_seed_options(fake) -> None:
    with _emu(seed=42, realtime=True, quantum_us=50):
        assert fake.commands()[:3] == [
            "emulation SetSeed 42",
            'emulation SetGlobalQuantum "0.00005"',
            "emulation SetGlobalAdvanceImmediately false",
        ]


def test_airtime_is_refused_clearly(fake) -> None:
    with pytest.raises(ConfigError, match="air time is not modelled by the renode backend"):
        _emu(airtime=True)


def test_failed_start_reports_status_and_log(fake) -> None:
    fake.mode("fail-start")
    with pytest.raises(EmulationError, match=r"exited \(status 1\).*\n.*refuses to start"):
        _emu()
    assert not _alive(int(fake.records()["pid"]))  # type: ignore[call-overload]


# -- loading ----------------------------------------------------------------------------------


def test_loading_a_node(fake, hello_elf: Path) -> None:
    with _emu() as emu:
        node = emu.add_node(NodeSpec("client", hello_elf, eui64=EUI, position=(0, 0, 0)))
        executed = fake.commands()
        include = [c for c in executed if c.startswith("include @")]
        assert len(include) == 1
        body = executed[executed.index(include[0]) + 1 :]
        assert body[:3] == [
            'mach create "client"',
            "machine LoadPlatformDescription @platforms/cpus/cc2538.repl",
            'machine PyDevFromFile @scripts/pydev/rolling-bit.py 0x400D2004 0x4 True "sysctrl"',
        ]
        loaded = body[body.index("runMacro $reset") + 1 :]
        assert loaded[:4] == [
            "sysbus WriteDoubleWord 0x00280028 0x00124B00",
            "sysbus WriteDoubleWord 0x0028002C 0x01020304",
            f"sysbus LoadELF @{hello_elf.resolve()}",
            "cpu VectorTableOffset 0x00200800",  # from the ELF's vectors symbol
        ]
        # The info page holds the EUI-64 as a real chip does; Contiki-NG's driver reads it back.
        assert cmd.read_ieee_address(node.read_memory(0x00280028, 8)) == EUI
        assert node.symbol("vectors") == 0x00200800
        assert node.symbol("reset_handler") & 1 == 0
        with pytest.raises(EmulationError, match="no_such_symbol"):
            node.symbol("no_such_symbol")
        second = emu.add_node(NodeSpec("border", hello_elf, position=(10, 0, 0)))
        assert second.eui64 == cmd.default_eui64(1) and second.eui64 != node.eui64
        assert "wireless SetPosition sysbus.radio 10 0 0" in fake.commands()


def test_bad_firmware_is_a_clear_error(fake, tmp_path: Path) -> None:
    with _emu() as emu:
        with pytest.raises(FirmwareError, match="does not exist"):
            emu.add_node(NodeSpec("n", tmp_path / "missing.elf"))
        (tmp_path / "junk.elf").write_bytes(b"not an elf at all")
        with pytest.raises(FirmwareError, match="not an ELF"):
            emu.add_node(NodeSpec("n", tmp_path / "junk.elf"))


def test_renode_error_output_becomes_emulation_error(fake, hello_elf: Path) -> None:
    fake.mode("fail-loadelf")
    with _emu(keep_tmpdir=False) as emu:
        with pytest.raises(EmulationError, match=r"There was an error executing command.*LoadELF"):
            emu.add_node(NodeSpec("client", hello_elf))
        with pytest.raises(EmulationError, match="No such command or device: bogus"):
            emu.monitor.execute("bogus command")
        assert emu.monitor.execute("emulation SetSeed 3") == ""  # the session is still usable


# -- time control and UART --------------------------------------------------------------------


def test_run_for_steps_and_virtual_timestamps(fake, hello_elf: Path) -> None:
    with _emu(sync_interval=0.001) as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        chunks: list[tuple[bytes, float]] = []
        node.uart.subscribe(lambda data, t: chunks.append((data, t)))
        m = node.expect(r"Hello from (\w+)", timeout=1.0)
        assert m.group(1) == "client"
        assert node.uart.lines[0].time == pytest.approx(0.002, abs=1e-9)
        before = len([c for c in fake.commands() if "RunFor" in c])
        emu.advance(0.25)
        run_fors = [c for c in fake.commands() if "RunFor" in c][before:]
        assert len(run_fors) == 250 and set(run_fors) == {'emulation RunFor "0.001"'}
        assert emu.now == pytest.approx(0.252, abs=1e-9)
        assert emu.monitor_time() == pytest.approx(emu.now, abs=1e-9)
        ticks = [line for line in node.uart.lines if line.text.startswith("tick")]
        assert [line.text for line in ticks] == ["tick 1", "tick 2"]
        assert [line.time for line in ticks] == pytest.approx([0.1, 0.2], abs=1e-6)
        assert chunks and chunks[0] == (b"Hello from client\r\n", pytest.approx(0.002, abs=1e-9))
        assert node.uart.output().startswith(b"Hello from client\r\n")


def test_cpu_abort_in_the_log_is_a_fault(fake, hello_elf: Path) -> None:
    fake.mode("abort")
    with _emu(sync_interval=0.01) as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        assert node.fault is None
        with pytest.raises(EmulationError, match=r"client stopped on a fault: cpu abort: Trying to execute"):
            node.expect("never printed", timeout=1.0)
        fault = node.fault
        assert fault is not None and fault.pc == 0x00200000 and fault.function == "reset_handler"
        assert fault.time == pytest.approx(0.05, abs=0.011) and emu.now < 0.1  # stopped waiting at once


def test_expect_times_out_in_virtual_time(fake, hello_elf: Path) -> None:
    with _emu(sync_interval=0.01) as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        with pytest.raises(ExpectTimeout, match="never printed"):
            node.expect("never printed", timeout=0.05)
        assert emu.now == pytest.approx(0.05, abs=1e-9)


def test_uart_write_goes_through_the_monitor(fake, hello_elf: Path) -> None:
    with _emu() as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        node.uart.write(b"ping\n")
        assert "sysbus.uart0 WriteChar 0x70; sysbus.uart0 WriteChar 0x69; " in "\n".join(fake.commands())
        assert node.expect("rx: ping", timeout=0.01).group(0) == "rx: ping"


def test_quantum_and_realtime_at_run_time(fake) -> None:
    with _emu() as emu:
        emu.set_quantum(0.00002)
        emu.set_realtime(True)
        assert fake.commands()[-2:] == [
            'emulation SetGlobalQuantum "0.00002"',
            "emulation SetGlobalAdvanceImmediately false",
        ]


def test_free_run_is_paused_before_stepping(fake) -> None:
    with _emu() as emu:
        emu.start()
        emu.advance(0.01)
        assert fake.commands()[-14:-11] == ["start", "pause", "emulation GetTimeSourceInfo"]
        assert emu.now == pytest.approx(0.51, abs=1e-9)  # Renode's clock after the free run, + 10 ms


# -- reset, GPIO, medium ----------------------------------------------------------------------


def test_reset_reruns_the_macro(fake, hello_elf: Path) -> None:
    with _emu() as emu:
        node = emu.add_node(NodeSpec("client", hello_elf, eui64=EUI))
        node.expect("Hello", timeout=0.1)
        n_loads = sum("LoadELF" in c for c in fake.commands())
        node.reset()
        assert fake.commands()[-1 - 4] == "machine Reset"  # then the macro's four commands
        assert sum("LoadELF" in c for c in fake.commands()) == n_loads + 1
        node.expect("Hello", timeout=0.1)  # booted again
        with pytest.warns(RuntimeWarning, match="erases flash"):
            node.power_cycle(off_for=0.01)
        assert "cpu IsHalted true" in fake.commands() and fake.commands()[-1] != "cpu IsHalted true"


def test_leds_and_gpio_read_the_data_register(fake, hello_elf: Path) -> None:
    with _emu() as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        node.write_memory(0x400DB3FC, (0b0101).to_bytes(4, "little"))
        assert [node.led(i) for i in range(4)] == [True, False, True, False]
        assert "sysbus ReadDoubleWord 0x400DB3FC" in fake.commands()
        assert node.gpio("C", 2) and not node.gpio("A", 2)
        with pytest.raises(EmulationError, match="port 'E'"):
            node.gpio("E", 0)
        data = bytes(range(1, 12))
        node.write_memory(0x20000001, data)
        assert node.read_memory(0x20000001, len(data)) == data


def test_medium_loss_and_unsupported_capture(fake, tmp_path: Path) -> None:
    with _emu(radio_range=50) as emu:
        emu.medium.set_loss(0.1)
        assert fake.commands()[-1] == "wireless SetRangeLossWirelessFunction 50 0.9 1"
        emu.medium.set_loss(0.0)
        assert fake.commands()[-1] == "wireless SetRangeWirelessFunction 50"
        with pytest.raises(EmulationError, match="capture happens in the bridge"):
            emu.medium.capture(tmp_path / "x.pcap")
        with pytest.raises(EmulationError, match="per-link loss is not supported"):
            emu.medium.set_link_loss("a", "b", 1.0)


# -- shutdown ---------------------------------------------------------------------------------


def test_clean_shutdown_leaves_nothing(fake) -> None:
    fake.mode("child")
    emu = _emu()
    rec = fake.records()
    pid, child = int(rec["pid"]), int(rec["child"])  # type: ignore[call-overload]
    assert _running(pid) and _running(child)
    emu.close()
    assert fake.commands()[-1] == "quit"
    assert emu.process is not None and emu.process.exit_status() == 0
    assert not _alive(pid) and not _alive(child)  # the whole process group is gone
    emu.close()  # idempotent


def test_quit_ignored_is_terminated(fake) -> None:
    fake.mode("ignore-quit")
    emu = _emu(shutdown_timeout=0.5)
    pid = int(fake.records()["pid"])  # type: ignore[call-overload]
    emu.close()
    assert not _alive(pid)
    assert emu.process is not None and emu.process.exit_status() == -signal.SIGTERM


def test_crash_during_command(fake, hello_elf: Path) -> None:
    fake.mode("crash-on:RunFor")
    emu = _emu()
    node = emu.add_node(NodeSpec("client", hello_elf))
    with pytest.raises(EmulationError, match=r"closed the connection.*exited with status 3.*Renode log"):
        node.expect("Hello", timeout=1)
    emu.close()
    assert emu.tmpdir.exists()  # kept for the post-mortem (the log is there)
    assert (emu.tmpdir / "renode.log").is_file()
    shutil.rmtree(emu.tmpdir)


def test_hung_renode_times_out_and_is_killed(fake) -> None:
    fake.mode("hang-on:RunFor,child")
    emu = _emu(command_timeout=1.0, shutdown_timeout=0.5)
    rec = fake.records()
    pid, child = int(rec["pid"]), int(rec["child"])  # type: ignore[call-overload]
    with pytest.raises(EmulationError, match="no prompt within 1 s"):
        emu.advance(0.01)
    emu.close()
    assert not _alive(pid) and not _alive(child)
    assert emu.process is not None and emu.process.exit_status() == -signal.SIGKILL
    shutil.rmtree(emu.tmpdir, ignore_errors=True)


def test_atexit_hook_stops_live_instances(fake) -> None:
    from rig.emu.renode import process

    emu = _emu()
    assert emu.process in process._LIVE
    pid = emu.process.pid  # type: ignore[union-attr]
    process._stop_all()  # what atexit runs
    assert not _alive(pid) and emu.process not in process._LIVE
    emu.close()


# -- pyrenode3 (optional transport) ------------------------------------------------------------


@pytest.fixture
def fake_pyrenode3(monkeypatch: pytest.MonkeyPatch):
    """A stand-in `pyrenode3` package: Monitor().execute(cmd) -> (output, error)."""
    import importlib.machinery
    import types

    state: dict[str, list[object]] = {"commands": [], "tmpdir": [], "cleared": [], "fail": []}

    class Monitor:
        def __init__(self) -> None:
            if state["fail"]:
                raise RuntimeError("PYRENODE_PKG is not set")
            state["tmpdir"].append(os.environ.get("TMPDIR"))

        def execute(self, command: str) -> tuple[str, str]:
            state["commands"].append(command)
            if command == "emulation GetTimeSourceInfo":
                return "Elapsed Virtual Time: 00:00:00.000000000\n", ""
            if command.startswith("bogus"):
                return "", "No such command or device: bogus"
            return "", ""

    class Emulation:
        def clear(self) -> None:
            state["cleared"].append(True)

    pkg = types.ModuleType("pyrenode3")
    pkg.__spec__ = importlib.machinery.ModuleSpec("pyrenode3", None, is_package=True)
    pkg.__path__ = []
    wrappers = types.ModuleType("pyrenode3.wrappers")
    wrappers.__spec__ = importlib.machinery.ModuleSpec("pyrenode3.wrappers", None)
    wrappers.Monitor = Monitor  # type: ignore[attr-defined]
    wrappers.Emulation = Emulation  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyrenode3", pkg)
    monkeypatch.setitem(sys.modules, "pyrenode3.wrappers", wrappers)
    return state


def test_pyrenode3_is_used_when_importable(
    fake_pyrenode3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    emu = RenodeEmulation(transport="auto")
    assert emu.process is None  # in-process Renode, no launcher needed
    assert fake_pyrenode3["tmpdir"] == [str(emu.tmpdir)]  # Renode's start-up clean-up hits our dir
    assert fake_pyrenode3["commands"][:2] == ["emulation SetSeed 0", 'emulation SetGlobalQuantum "0.0001"']
    with pytest.raises(EmulationError, match="No such command or device: bogus"):
        emu.monitor.execute("bogus")
    emu.close()
    assert fake_pyrenode3["cleared"] == [True]
    assert os.environ["TMPDIR"] == str(tmp_path)  # restored


def test_pyrenode3_failure_falls_back_to_a_process(fake_pyrenode3, fake) -> None:
    fake_pyrenode3["fail"].append(True)
    with pytest.warns(UserWarning, match="pyrenode3 could not load Renode"), _emu(transport="auto") as emu:
        assert emu.process is not None
        assert os.environ["TMPDIR"] == str(fake.shared)
    with pytest.raises(EmulationError, match="pyrenode3 could not load Renode: PYRENODE_PKG"):
        _emu(transport="pyrenode3")
    assert os.environ["TMPDIR"] == str(fake.shared)


def test_pyrenode3_failure_restores_an_unset_tmpdir(fake_pyrenode3, monkeypatch) -> None:
    fake_pyrenode3["fail"].append(True)
    monkeypatch.delenv("TMPDIR", raising=False)
    with pytest.raises(EmulationError, match="pyrenode3 could not load Renode"):
        RenodeEmulation(transport="pyrenode3")
    assert "TMPDIR" not in os.environ
