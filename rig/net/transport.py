"""Byte transports between the bridge and a slip-radio border node's UART.

Three implementations of one small interface:
- `NodeUartTransport`: in-process, an emulated node's `api.Uart` (subscribe/write) — builtin emulator;
- `TcpTransport`: a TCP socket, e.g. Renode's `CreateServerSocketTerminal` on loopback;
- `SerialTransport`: a real dongle through pyserial.
Push-based transports call `on_bytes` themselves; pull-based ones expose `fileno()` for an event loop's
`add_reader` and `poll()` to read whatever is available without blocking.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Callable

from rig.emu.api import Uart
from rig.errors import ConfigError

SLIP_RADIO_BAUD = 460800  # UART_CONF_BAUD of firmware-c/apps/slip-radio (app.mk)

BytesSink = Callable[[bytes], None]


class Transport(ABC):
    def __init__(self) -> None:
        self._sink: BytesSink | None = None
        # Why the link ended (peer closed, device unplugged), else None. A lost link reads nothing and
        # drops writes: the far end is gone, so nothing may raise into the event loop or spin on EOF.
        self.lost: str | None = None

    def start(self, on_bytes: BytesSink) -> None:
        """Deliver every byte received from now on to `on_bytes`."""
        self._sink = on_bytes

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    def fileno(self) -> int | None:
        """A descriptor to watch for readability, or None for push-based transports."""
        return None

    def poll(self) -> int:
        """Read what is available without blocking; returns the number of bytes read."""
        return 0

    def close(self) -> None:
        self._sink = None

    def _deliver(self, data: bytes) -> None:
        if self._sink is not None and data:
            self._sink(data)

    def _lose(self, why: str) -> None:
        if self.lost is None:
            self.lost = why


class NodeUartTransport(Transport):
    """An emulated node's UART: bytes arrive during emulation steps (push)."""

    def __init__(self, uart: Uart) -> None:
        super().__init__()
        self._uart = uart
        self._subscribed = False

    def start(self, on_bytes: BytesSink) -> None:
        super().start(on_bytes)
        if not self._subscribed:
            self._subscribed = True
            self._uart.subscribe(lambda data, _t: self._deliver(bytes(data)))

    def write(self, data: bytes) -> None:
        self._uart.write(data)


class TcpTransport(Transport):
    """A TCP connection to a UART exposed as a socket (Renode's server socket terminal)."""

    def __init__(self, host: str, port: int, connect_timeout: float = 10.0) -> None:
        super().__init__()
        self._where = f"{host}:{port}"
        try:
            self._sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise ConfigError(f"cannot connect to the border node's UART at {host}:{port}: {exc}") from exc
        self._sock.setblocking(False)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        if self.lost is not None:
            return
        self._sock.setblocking(True)
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self._lose(f"the border node's UART at {self._where} is gone ({exc.strerror or exc})")
        finally:
            self._sock.setblocking(False)

    def fileno(self) -> int | None:
        return self._sock.fileno()

    def poll(self) -> int:
        total = 0
        while self.lost is None:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return total
            except OSError as exc:
                self._lose(f"the border node's UART at {self._where} is gone ({exc.strerror or exc})")
                return total
            if not data:
                self._lose(f"the border node's UART at {self._where} closed the connection")
                return total
            total += len(data)
            self._deliver(data)
        return total

    def close(self) -> None:
        super().close()
        self._sock.close()


class SerialTransport(Transport):
    """A real slip-radio dongle on a serial port (pyserial)."""

    def __init__(self, port: str, baudrate: int = SLIP_RADIO_BAUD) -> None:
        super().__init__()
        import serial  # pyserial; imported here so the rig works without a serial port

        self._port = port
        try:
            self._serial = serial.Serial(port, baudrate, timeout=0)
        except (serial.SerialException, ValueError) as exc:  # ValueError: a baud rate it cannot set
            raise ConfigError(f"cannot open serial port {port}: {exc}") from exc

    def write(self, data: bytes) -> None:
        if self.lost is not None:
            return
        try:
            self._serial.write(data)
            self._serial.flush()
        except (OSError, self._errors()) as exc:
            self._lose(f"serial port {self._port} is gone ({exc})")

    def fileno(self) -> int | None:
        try:
            return int(self._serial.fileno())
        except Exception:
            return None

    def poll(self) -> int:
        if self.lost is not None:
            return 0
        try:
            waiting = self._serial.in_waiting
            data = self._serial.read(waiting) if waiting else b""
        except (OSError, self._errors()) as exc:  # an unplugged dongle
            self._lose(f"serial port {self._port} is gone ({exc})")
            return 0
        self._deliver(data)
        return len(data)

    @staticmethod
    def _errors() -> type[Exception]:
        import serial

        return serial.SerialException

    def close(self) -> None:
        super().close()
        self._serial.close()


def transport_from_spec(spec: str, baudrate: int = SLIP_RADIO_BAUD) -> Transport:
    """A border node's UART named on a command line: `tcp:HOST:PORT` (Renode) or a serial device path."""
    if spec.startswith("tcp:"):
        host, _, port = spec[4:].rpartition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"UART {spec!r}: expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:4444")
        return TcpTransport(host.strip("[]") or "127.0.0.1", int(port))
    if not spec or spec.startswith("-"):
        raise ConfigError(f"UART {spec!r}: expected tcp:HOST:PORT or a serial device such as /dev/ttyACM0")
    return SerialTransport(spec, baudrate)
