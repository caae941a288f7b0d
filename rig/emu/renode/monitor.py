"""A client for Renode's monitor: send one command, read until the prompt, detect errors.

Renode's `-P PORT` monitor is its interactive shell on a TCP socket (renode-infrastructure
SocketServerProvider + AntShell). What a client sees, and what this module copes with:
- on connect, telnet negotiation (IAC DO BINARY, IAC WILL ECHO, ...) and a banner, then a prompt;
- every command is echoed back, line ends mix "\\r\\n", "\\n\\r" and "\\r\\r\\n", the prompt is coloured
  with ANSI codes even in --plain mode; the prompt is "(monitor) " or "(<machine name>) ";
- the first byte sent after connecting may be swallowed, so the client syncs with a blank line;
- there is no error channel: a failure is prose in the output ("There was an error executing command
  ...", "No such command or device: ...") followed by the usual prompt.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import time
from collections import deque
from collections.abc import Callable

from rig.errors import EmulationError

PROMPT_RE = re.compile(r"(?:^|\n)\(([A-Za-z0-9_.\-]+)\) $")
_ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
ERROR_PREFIXES = (
    "There was an error executing command",
    "No such command or device",
    "No such variable",
    "Errors during compilation",
    "Bad parameters",
    "Parameters did not match the signature",
    "Could not tokenize",
    "Internal error",
    "Unhandled exception",
)


class MonitorError(EmulationError):
    """Renode refused a command or its monitor went away."""


class MonitorTimeout(MonitorError):
    """No prompt came back in time."""


def strip_telnet(data: bytes) -> bytes:
    """Drop telnet IAC sequences (negotiation, subnegotiation); IAC IAC is a literal 0xFF."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b != 0xFF:
            out.append(b)
            i += 1
            continue
        if i + 1 >= n:  # dangling IAC at the end of a read
            break
        cmd = data[i + 1]
        if cmd == 0xFF:
            out.append(0xFF)
            i += 2
        elif cmd in (0xFB, 0xFC, 0xFD, 0xFE):  # WILL WONT DO DONT + option
            i += 3
        elif cmd == 0xFA:  # subnegotiation up to IAC SE
            end = data.find(b"\xff\xf0", i + 2)
            i = n if end < 0 else end + 2
        else:
            i += 2
    return bytes(out)


def clean(data: bytes) -> str:
    """Monitor bytes to plain text: no telnet, no ANSI, '\\n' line ends."""
    text = strip_telnet(data).decode("utf-8", errors="replace")
    text = _ANSI_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\n\r", "\n").replace("\r", "")
    return text


def find_prompt(text: str) -> re.Match[str] | None:
    return PROMPT_RE.search(text)


def response_body(text: str, command: str) -> str:
    """The output of `command`: without the echo, the prompt and surrounding blank lines."""
    m = find_prompt(text)
    if m is not None:
        text = text[: m.start()]
    echo = text.find(command) if command else -1
    if echo >= 0:
        nl = text.find("\n", echo + len(command))
        text = "" if nl < 0 else text[nl + 1 :]
    return text.strip("\n").rstrip()


def find_error(body: str) -> str | None:
    """The first error line (and what follows it) in a command's output, if any."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if line.strip().startswith(ERROR_PREFIXES):
            return " ".join(part.strip() for part in lines[i:] if part.strip())
    return None


class MonitorClient:
    """Synchronous line-protocol client for one Renode monitor socket."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        timeout: float = 30.0,
        exit_status: Callable[[], int | None] | None = None,
        describe: Callable[[], str] | None = None,
    ) -> None:
        self._sock = sock
        self._sock.setblocking(False)
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self._exit_status = exit_status or (lambda: None)
        self._describe = describe or (lambda: "")
        self._pending = b""
        self.machine: str | None = None  # the machine commands currently address ("mach set")
        self.history: deque[str] = deque(maxlen=200)  # recent commands, for diagnostics
        self.closed = False
        self.broken = False  # after a timeout the protocol is out of step: no more commands

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        *,
        timeout: float = 60.0,
        command_timeout: float = 30.0,
        exit_status: Callable[[], int | None] | None = None,
        describe: Callable[[], str] | None = None,
    ) -> MonitorClient:
        """Connect (retrying while Renode starts), read the banner and sync on a fresh prompt."""
        exit_status = exit_status or (lambda: None)
        deadline = time.monotonic() + timeout
        last_error: OSError | None = None
        while True:
            code = exit_status()
            if code is not None:
                raise MonitorError(
                    f"Renode exited (status {code}) before its monitor came up{_more(describe)}"
                )
            try:
                sock = socket.create_connection((host, port), timeout=1.0)
                break
            except OSError as exc:  # not listening yet
                last_error = exc
            if time.monotonic() >= deadline:
                raise MonitorTimeout(
                    f"Renode's monitor did not accept connections on {host}:{port} within {timeout:g} s"
                    f" ({last_error}){_more(describe)}"
                )
            time.sleep(0.05)  # wall-clock wait for an external process to start; not emulation time
        client = cls(sock, timeout=command_timeout, exit_status=exit_status, describe=describe)
        remaining = max(1.0, deadline - time.monotonic())
        client._read_until_prompt("(connect)", remaining)
        # The first byte after connecting may be swallowed: a blank line either way yields a prompt.
        client._send(" \n")
        client._read_until_prompt("(sync)", remaining)
        return client

    # -- commands -----------------------------------------------------------------------------

    def execute(self, command: str, timeout: float | None = None) -> str:
        """Run one monitor command; its output without echo and prompt. Errors raise MonitorError."""
        if "\n" in command or "\r" in command:
            raise MonitorError(f"a monitor command is one line: {command!r}")
        self.history.append(command)
        self._send(command + "\n")
        text = self._read_until_prompt(command, self.timeout if timeout is None else timeout)
        body = response_body(text, command)
        error = find_error(body)
        if error is not None:
            raise MonitorError(f"Renode refused '{_short(command)}': {error}")
        return body

    def select_machine(self, name: str) -> None:
        if self.machine != name:
            self.execute(f'mach set "{name}"')
            self.machine = name

    def quit(self, timeout: float = 10.0) -> None:
        """Ask Renode to exit; returns when the socket closes (or the timeout passes)."""
        if self.closed:
            return
        if self.broken:
            self.close()
            return
        try:
            self.history.append("quit")
            self._send("quit\n")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._recv(deadline - time.monotonic()) is None:
                    break
        except OSError:
            pass
        finally:
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self._sock.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _send(self, text: str) -> None:
        if self.closed or self.broken:
            raise MonitorError("the Renode monitor connection is closed (or out of step after an error)")
        data = text.encode()
        self._sock.setblocking(True)
        self._sock.settimeout(self.timeout)
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise MonitorError(
                f"lost the Renode monitor while sending {text.strip()!r}: {exc}{self._why()}"
            ) from exc
        finally:
            self._sock.setblocking(False)

    def _recv(self, timeout: float) -> bytes | None:
        """Bytes available within `timeout`; b'' when none arrived; None at end of stream."""
        ready, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            data = self._sock.recv(65536)
        except BlockingIOError:
            return b""
        except OSError:
            return None
        quick_ack(self._sock)
        return data or None

    def _read_until_prompt(self, command: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        raw = self._pending
        self._pending = b""
        while True:
            text = clean(raw)
            if find_prompt(text) is not None:
                return text
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.broken = True
                raise MonitorTimeout(
                    f"Renode gave no prompt within {timeout:g} s after '{_short(command)}'"
                    f" (got {clean(raw)[-200:]!r}){self._why()}"
                )
            chunk = self._recv(min(remaining, 0.5))
            if chunk is None:
                self.close()
                self._await_exit()
                raise MonitorError(
                    f"Renode's monitor closed the connection during '{_short(command)}'{self._why()}"
                )
            raw += chunk

    def _await_exit(self, timeout: float = 2.0) -> None:
        """A closed monitor almost always means Renode is exiting: give it a moment to report why."""
        deadline = time.monotonic() + timeout
        while self._exit_status() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def _why(self) -> str:
        code = self._exit_status()
        status = f"; Renode exited with status {code}" if code is not None else ""
        return status + _more(self._describe)


class Pyrenode3Monitor:
    """The same `execute` interface on an in-process Renode loaded by pyrenode3 (optional)."""

    def __init__(self) -> None:
        from pyrenode3.wrappers import Monitor

        self._monitor = Monitor()
        self.machine: str | None = None
        self.history: deque[str] = deque(maxlen=200)  # recent commands, for diagnostics
        self.closed = False

    def execute(self, command: str, timeout: float | None = None) -> str:
        self.history.append(command)
        out, err = self._monitor.execute(command)
        body = clean(str(out).encode()).strip("\n").rstrip()
        error = (str(err).strip() if err else None) or find_error(body)
        if error:
            raise MonitorError(f"Renode refused '{_short(command)}': {error}")
        return body

    def select_machine(self, name: str) -> None:
        if self.machine != name:
            self.execute(f'mach set "{name}"')
            self.machine = name

    def quit(self, timeout: float = 10.0) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._monitor.execute("mach clear")
                from pyrenode3.wrappers import Emulation

                Emulation().clear()
            except Exception:  # best effort on shutdown
                pass

    def close(self) -> None:
        self.quit()


def quick_ack(sock: socket.socket) -> None:
    """ACK at once (Linux; the flag resets itself, so it is set after every read).

    Renode writes monitor output a byte at a time with Nagle's algorithm on; with delayed ACKs on
    our side every response would stall ~40 ms waiting for an ACK.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _short(command: str) -> str:
    return command if len(command) <= 120 else command[:117] + "..."


def _more(describe: Callable[[], str] | None) -> str:
    text = describe() if describe else ""
    return f"; {text}" if text else ""
