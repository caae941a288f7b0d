"""A host-side border radio on the builtin emulator's medium, speaking the slip-radio protocol.

`MediumRadio` is a `Transport` for the bridge that needs no border firmware: it plays the slip-radio
node of firmware-c/apps/slip-radio/PROTOCOL.md in Python, attached to the builtin medium as one more
radio (frame filtering on its EUI-64 and PAN ID, auto-ACK, 4 attempts with a 4 ms ACK wait). Use it
for fast network tests of node firmware; the real slip-radio firmware is what the full rig runs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from rig.emu.api import CPU_HZ
from rig.emu.builtin.medium import Medium, airtime_cycles
from rig.net import ieee802154 as mac
from rig.net import slip
from rig.net.transport import Transport

ACK_WAIT_CYCLES = 4 * CPU_HZ // 1000
# Between two frames the real slip-radio reports 'S' over the UART and takes the next 'T': never
# back to back in one instant (a node's 3-frame RX queue would overflow on an untimed medium).
INTER_FRAME_CYCLES = CPU_HZ // 1000
ATTEMPTS = 4


@dataclass
class _Tx:
    tag: int
    frame: bytes  # without FCS
    attempts: int = 0
    deadline: int | None = None


class MediumRadio(Transport):
    def __init__(self, medium: Medium, eui64: bytes, name: str = "border", channel: int = 26,
                 pan_id: int = 0xABCD) -> None:
        super().__init__()
        self.medium = medium
        self.eui64 = eui64
        self.name = name
        self._channel = channel
        self.pan_id = pan_id
        self.decoder = slip.SlipDecoder(max_frame=140)
        self.counters = {"rx_frames": 0, "rx_dropped": 0, "tx_frames": 0, "tx_noack": 0, "tx_retries": 0,
                         "slip_in": 0, "slip_bad": 0, "slip_overrun": 0}
        self._queue: list[_Tx] = []
        self._current: _Tx | None = None
        self._starting = False
        self._not_before = 0
        medium.attach(name, self)
        medium.add_sync_listener(self._on_sync, self._next_due)

    # --- RadioPort ----------------------------------------------------------------------------------
    @property
    def channel(self) -> int:
        return self._channel

    def connect(self, medium: Medium, node_name: str) -> None:
        self.medium = medium
        self.name = node_name

    def receive(self, frame: bytes, at_cycles: int) -> None:
        if not mac.check_fcs(frame):
            self.counters["rx_dropped"] += 1
            return
        try:
            f = mac.parse(frame)
        except mac.FrameError:
            self.counters["rx_dropped"] += 1
            return
        cur = self._current
        if f.frame_type == mac.FRAME_ACK:
            if cur is not None and cur.deadline is not None and f.seq == cur.frame[2]:
                self._finish(0)
            self._emit(b"R" + bytes((70, 100)) + frame[:-2])
            return
        to_us = f.dst == self.eui64 or f.dst == mac.BROADCAST_SHORT
        if not to_us or f.dst_pan not in (self.pan_id, mac.BROADCAST_PAN):
            self.counters["rx_dropped"] += 1
            return
        if f.ack_request and f.dst == self.eui64:
            self.medium.transmit(self.name, mac.ack_frame(f.seq), at_cycles)
        self.counters["rx_frames"] += 1
        self._emit(b"R" + bytes((70, 100)) + frame[:-2])

    # --- Transport (the bridge writes SLIP to "the border node's UART") ------------------------------
    def write(self, data: bytes) -> None:
        for m in self.decoder.feed(data):
            self.counters["slip_in"] += 1
            self._message(m)
        self.counters["slip_bad"] = self.decoder.stats.bad_escape
        self.counters["slip_overrun"] = self.decoder.stats.oversize

    def _emit(self, message: bytes) -> None:
        self._deliver(slip.encode(message))

    def _message(self, m: bytes) -> None:
        cmd = m[1:2]
        if m[:1] == b"T" and len(m) >= 2:
            if not 3 <= len(m) - 2 <= 125:
                self._emit(b"S" + bytes((m[1], 2, 0)))
                return
            self._queue.append(_Tx(m[1], bytes(m[2:])))
            self._start_next()
        elif m[:1] == b"?" and cmd == b"M":
            self._emit(b"!M" + self.eui64)
        elif m[:1] in (b"!", b"?") and cmd == b"C":
            if m[:1] == b"!" and len(m) >= 3 and 11 <= m[2] <= 26:
                self._channel = m[2]
            self._emit(b"!C" + bytes((self._channel,)))
        elif m[:1] in (b"!", b"?") and cmd == b"P":
            if m[:1] == b"!" and len(m) >= 4:
                self.pan_id = int.from_bytes(m[2:4], "little")
            self._emit(b"!P" + self.pan_id.to_bytes(2, "little"))
        elif m[:1] == b"?" and cmd == b"N":
            self._emit(b"!N" + struct.pack("<8I", *self.counters.values()))
        elif m[:1] == b"?" and cmd == b"V":
            self._emit(b"!Vmedium-radio 1")
        else:
            self._emit(b"!E" + m[:1] + (m[1:2] or b"\x00"))

    # --- transmit state machine -------------------------------------------------------------------------
    def _start_next(self) -> None:
        if self._starting:
            return  # called back from our own 'S' (the bridge pumps its next 'T'): the loop below runs it
        self._starting = True
        try:
            while self._current is None and self._queue and self.medium.now_cycles >= self._not_before:
                self._current = self._queue.pop(0)
                self._attempt()
        finally:
            self._starting = False

    def _attempt(self) -> None:
        cur = self._current
        assert cur is not None
        cur.attempts += 1
        self.counters["tx_frames"] += 1
        if cur.attempts > 1:
            self.counters["tx_retries"] += 1
        now = self.medium.now_cycles
        self.medium.transmit(self.name, cur.frame + mac.fcs_bytes(cur.frame), now)
        if cur.frame[0] & 0x20:  # ACK requested
            air = airtime_cycles(len(cur.frame) + 2) if self.medium.airtime else 0
            cur.deadline = now + air + ACK_WAIT_CYCLES
        else:
            self._finish(0)

    def _finish(self, status: int) -> None:
        cur = self._current
        assert cur is not None
        self._current = None
        self._not_before = self.medium.now_cycles + INTER_FRAME_CYCLES
        if status == 1:
            self.counters["tx_noack"] += 1
        self._emit(b"S" + bytes((cur.tag, status, cur.attempts)))
        if not self._starting:
            self._start_next()

    def _on_sync(self, now: int) -> None:
        cur = self._current
        if cur is not None and cur.deadline is not None and now >= cur.deadline:
            if cur.attempts < ATTEMPTS:
                self._attempt()
            else:
                self._finish(1)
        self._start_next()

    def _next_due(self) -> int | None:
        cur = self._current
        if cur is not None:
            return cur.deadline
        return self._not_before if self._queue else None
