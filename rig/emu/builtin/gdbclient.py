"""A small GDB remote-protocol client: drives a GDB stub from tests and scripts (not a debugger).

Blocking socket I/O with a wall-clock safety timeout (a stub that never answers fails the caller
instead of hanging it); the protocol itself has no timing.
"""

from __future__ import annotations

import socket

from rig.emu.builtin.gdbstub import checksum, escape_binary, frame


class RspError(Exception):
    pass


class RspClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 60.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.ack = True
        self.output = ""  # text of 'O' packets (monitor output)
        self._rx = bytearray()

    def close(self) -> None:
        self.sock.close()

    # --- raw ------------------------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise RspError("connection closed by the stub")
        self._rx += data

    def read_byte(self) -> int:
        while not self._rx:
            self._fill()
        b = self._rx[0]
        del self._rx[0]
        return b

    def read_packet(self) -> bytes:
        """The next packet's payload (acks before it skipped; acked in ack mode)."""
        while True:
            while b"$" not in self._rx:
                self._fill()
            start = self._rx.index(b"$")
            while self._rx.find(b"#", start) < 0 or len(self._rx) < self._rx.find(b"#", start) + 3:
                self._fill()
            end = self._rx.find(b"#", start)
            payload = bytes(self._rx[start + 1:end])
            sent = int(self._rx[end + 1:end + 3], 16)
            del self._rx[:end + 3]
            if sent != checksum(payload):
                raise RspError(f"bad checksum from the stub on {payload!r}")
            if self.ack:
                self.send_raw(b"+")
            return payload

    # --- requests -------------------------------------------------------------------------------------
    def send(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.send_raw(frame(data))
        if self.ack:
            b = self.read_byte()
            if b != ord("+"):
                raise RspError(f"expected '+' after {data[:40]!r}, got {bytes([b])!r}")

    def request(self, payload: bytes | str) -> str:
        """Send a packet, return the reply (collecting 'O' console output on the way)."""
        self.send(payload)
        return self.reply()

    def reply(self) -> str:
        while True:
            p = self.read_packet()
            if p.startswith(b"O") and p != b"OK" and all(c in b"0123456789abcdef" for c in p[1:]) and len(p) > 1:
                self.output += bytes.fromhex(p[1:].decode()).decode("utf-8", "replace")
                continue
            return p.decode("latin-1")

    def no_ack(self) -> None:
        if self.request("QStartNoAckMode") != "OK":
            raise RspError("QStartNoAckMode refused")
        self.ack = False

    def interrupt(self) -> None:
        self.send_raw(b"\x03")

    # --- conveniences -------------------------------------------------------------------------------
    def registers(self) -> list[int]:
        g = self.request("g")
        return [int.from_bytes(bytes.fromhex(g[i:i + 8]), "little") for i in range(0, len(g), 8)]

    def register(self, n: int) -> int:
        return int.from_bytes(bytes.fromhex(self.request(f"p{n:x}")), "little")

    def read(self, address: int, length: int) -> bytes:
        reply = self.request(f"m{address:x},{length:x}")
        if reply.startswith("E"):
            raise RspError(f"read 0x{address:x}+{length}: {reply}")
        return bytes.fromhex(reply)

    def write(self, address: int, data: bytes, binary: bool = False) -> str:
        if binary:
            return self.request(b"X%x,%x:" % (address, len(data)) + escape_binary(data))
        return self.request(f"M{address:x},{len(data):x}:{data.hex()}")

    def monitor(self, command: str) -> str:
        self.output = ""
        reply = self.request("qRcmd," + command.encode().hex())
        if reply != "OK":
            raise RspError(f"monitor {command}: {reply}")
        return self.output
