"""The host side of a node's UART0: output bytes, timestamped lines, subscribers, input."""

from __future__ import annotations

from collections.abc import Callable

from rig.emu.api import CPU_HZ, Uart, UartLine

MAX_LINE = 4096  # a line longer than this is cut (binary output, e.g. SLIP, has no newlines)


class HostUart(Uart):
    def __init__(self, send: Callable[[bytes], None], request_sync: Callable[[], None]) -> None:
        self._send = send
        self._request_sync = request_sync
        self._lines: list[UartLine] = []
        self._output = bytearray()
        self._current = bytearray()
        self._chunk = bytearray()
        self._chunk_time = 0.0
        self._subscribers: list[Callable[[bytes, float], None]] = []
        # set when a line or a SLIP frame completes: the node hands the bytes over and returns to the
        # emulation loop, so predicates and host programs see them at once
        self.new_line = False

    # --- api.Uart -----------------------------------------------------------------------------------
    @property
    def lines(self) -> list[UartLine]:
        return self._lines

    def output(self) -> bytes:
        return bytes(self._output)

    def unfinished_line(self) -> str:  # without copying the whole output
        return self._current.decode("utf-8", errors="replace").rstrip("\r")

    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        self._send(bytes(data))

    def subscribe(self, callback: Callable[[bytes, float], None]) -> None:
        self._subscribers.append(callback)

    # --- node side ----------------------------------------------------------------------------------
    def on_byte(self, byte: int, cycles: int) -> None:
        self._output.append(byte)
        self._chunk.append(byte)
        self._chunk_time = cycles / CPU_HZ
        if byte == 0x0A:
            text = self._current.decode("utf-8", errors="replace").rstrip("\r")
            self._lines.append(UartLine(self._chunk_time, text))
            self._current.clear()
            self.new_line = True
            self._request_sync()
        else:
            self._current.append(byte)
            if len(self._current) >= MAX_LINE:
                self._lines.append(UartLine(self._chunk_time, self._current.decode("utf-8", "replace")))
                self._current.clear()
            if byte == 0xC0 and self._subscribers:  # SLIP END: hand the frame over promptly
                self.new_line = True
                self._request_sync()

    def flush(self) -> None:
        """Deliver the bytes sent since the last flush to subscribers (called at sync points)."""
        if not self._chunk:
            return
        chunk, when = bytes(self._chunk), self._chunk_time
        self._chunk.clear()
        for callback in list(self._subscribers):
            callback(chunk, when)

    @property
    def partial_line(self) -> str:
        return self._current.decode("utf-8", errors="replace")
