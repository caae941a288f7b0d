"""The builtin emulator's IEEE 802.15.4 medium: frames between the RF cores of all nodes.

Contract with the emulator core (helper A) and the RF model (rig/emu/builtin/rfcore.py):

    medium = Medium(seed=0, airtime=False)
    medium.attach(node_name, rfcore)        # once per node; calls rfcore.connect(medium, node_name)
    medium.transmit(sender, frame, at_cycles)  # called by the RF core on ISTXON; frame = MAC header
                                             # + payload + 2-byte FCS (<= 127 bytes), at_cycles = the
                                             # sender's virtual time in 32 MHz cycles
    medium.sync(now_cycles)                 # called by the core at every sync point, when every node
                                             # has reached now_cycles: delivers every frame due by
                                             # now_cycles (due <= now) in (due, transmit order) order,
                                             # including ACKs the deliveries themselves cause
    medium.next_event_cycles() -> int | None  # the earliest due time of a queued frame: the core must
                                             # not skip (idle-jump) past it; None = nothing queued
    medium.detach(node_name)                # a node removed or powered off: frames to it are dropped
    medium.add_sync_listener(cb, next_due)  # host-side radios (rig.net.medium_radio): cb(now_cycles)
                                             # after every sync; next_due() -> cycles | None is
                                             # folded into next_event_cycles()

Delivery calls `rfcore.receive(frame, at_cycles)` on every attached RF core except the sender's whose
`rfcore.channel` equals the sender's channel at transmit time, unless the frame is lost (global loss
probability, then per directed link loss, both drawn from one PRNG seeded with `seed`: same seed and
same traffic = same losses). The RF core does frame filtering, FIFO, interrupts and auto-ACK (an ACK is
just another `transmit`, so it is itself subject to loss and appears in the capture).

Timing: with `airtime=False` (Renode's behaviour) a frame is due at its transmit time, i.e. delivered at
the next sync point. With `airtime=True` a frame of n bytes (MAC frame incl. FCS) occupies the air for
32 us * (n + 6) (4 preamble, 1 SFD, 1 length byte at 250 kbit/s) and is due at the end of it; no
collisions and no CCA are modelled (every receiver hears every frame it is tuned to).

The api.Medium methods: set_loss(p), set_link_loss(sender, receiver, p), capture(path) -> pcap with
link type 195 (802.15.4 with FCS), virtual timestamps (transmit time), every transmitted frame (even
lost ones: the capture is what went on air), in time order: nodes run one after another up to each
sync point, so a later node's earlier frame reaches the medium after an earlier node's later one; the
medium buffers captured frames and writes those up to each sync point sorted by (time, transmit order),
the rest at close(). `inject(frame, channel, at_cycles)` puts an arbitrary
(possibly malformed) frame on the air as if from an unnamed radio, for tests. Counters in `stats`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rig.emu.api import CPU_HZ
from rig.emu.api import Medium as ApiMedium
from rig.net.pcap import LINKTYPE_IEEE802_15_4_WITHFCS, PcapWriter

CYCLES_PER_US = CPU_HZ // 1_000_000
BYTE_AIR_CYCLES = 32 * CYCLES_PER_US  # 250 kbit/s: 32 us per byte
PHY_OVERHEAD_BYTES = 6  # preamble (4) + SFD (1) + PHY length (1)
MAX_FRAME = 127
INJECTOR = "<inject>"


class RadioPort(Protocol):
    """What the medium needs from an RF core."""

    @property
    def channel(self) -> int: ...

    def connect(self, medium: Medium, node_name: str) -> None: ...

    def receive(self, frame: bytes, at_cycles: int) -> None: ...


def airtime_cycles(frame_len: int) -> int:
    """Cycles a MAC frame of `frame_len` bytes (incl. FCS) occupies the air."""
    return BYTE_AIR_CYCLES * (frame_len + PHY_OVERHEAD_BYTES)


@dataclass
class MediumStats:
    transmitted: int = 0
    delivered: int = 0  # (frame, receiver) pairs handed to an RF core
    lost: int = 0  # (frame, receiver) pairs dropped by the loss model
    oversized: int = 0  # frames longer than 127 bytes (dropped, not on air)
    no_receiver: int = 0  # frames nobody was tuned to
    per_node_tx: dict[str, int] = field(default_factory=dict)


@dataclass(order=True)
class _Pending:
    due: int
    seq: int
    sender: str = field(compare=False)
    channel: int = field(compare=False)
    frame: bytes = field(compare=False)


class Medium(ApiMedium):
    def __init__(self, seed: int = 0, airtime: bool = False) -> None:
        self.airtime = airtime
        self._rng = random.Random(seed ^ 0x15_4_15_4)
        self._radios: dict[str, RadioPort] = {}
        self._queue: list[_Pending] = []
        self._seq = 0
        self._loss = 0.0
        self._link_loss: dict[tuple[str, str], float] = {}
        self._capture: PcapWriter | None = None
        self._captured: list[tuple[int, int, bytes]] = []  # (at_cycles, seq, frame) not yet written
        self._listeners: list[tuple[Callable[[int], None], Callable[[], int | None] | None]] = []
        self.now_cycles = 0  # the last sync point
        self.stats = MediumStats()

    # --- wiring -------------------------------------------------------------------------------------
    def attach(self, node_name: str, rfcore: RadioPort) -> None:
        self._radios[node_name] = rfcore
        rfcore.connect(self, node_name)

    def detach(self, node_name: str) -> None:
        self._radios.pop(node_name, None)

    def add_sync_listener(self, callback: Callable[[int], None],
                          next_due: Callable[[], int | None] | None = None) -> None:
        self._listeners.append((callback, next_due))

    # --- api.Medium -----------------------------------------------------------------------------------
    def set_loss(self, probability: float) -> None:
        self._loss = _check_probability(probability)

    def set_link_loss(self, sender: str, receiver: str, probability: float) -> None:
        for name in (sender, receiver):  # a typo'd name was stored and never matched: nothing lost, silently
            if name not in self._radios:
                from rig.errors import ConfigError

                raise ConfigError(f"set_link_loss: no node {name!r} on the medium (nodes: {', '.join(self._radios)})")
        self._link_loss[(sender, receiver)] = _check_probability(probability)

    def capture(self, path: Path) -> None:
        self.close()
        self._capture = PcapWriter(Path(path), LINKTYPE_IEEE802_15_4_WITHFCS)

    def close(self) -> None:
        if self._capture is not None:
            self._write_captured(None)
            self._capture.close()
            self._capture = None

    def _write_captured(self, until_cycles: int | None) -> None:
        """Write the buffered frames sent up to `until_cycles` (None: all), in time order. Every node
        has reached the sync point, so no frame sent later can be timed before it."""
        if self._capture is None or not self._captured:
            return
        self._captured.sort()
        cut = len(self._captured)
        if until_cycles is not None:
            cut = next((i for i, (at, _, _) in enumerate(self._captured) if at > until_cycles), cut)
        for at, _, frame in self._captured[:cut]:
            self._capture.write(frame, at / CPU_HZ)
        del self._captured[:cut]

    # --- traffic --------------------------------------------------------------------------------------
    def transmit(self, sender: str, frame: bytes, at_cycles: int) -> None:
        radio = self._radios.get(sender)
        channel = radio.channel if radio is not None else -1
        self._enqueue(sender, channel, bytes(frame), at_cycles)

    def inject(self, frame: bytes, channel: int, at_cycles: int) -> None:
        """Put arbitrary bytes on the air (tests: malformed frames, frames from a phantom radio)."""
        self._enqueue(INJECTOR, channel, bytes(frame), at_cycles)

    def _enqueue(self, sender: str, channel: int, frame: bytes, at_cycles: int) -> None:
        if len(frame) > MAX_FRAME:
            self.stats.oversized += 1
            return
        self.stats.transmitted += 1
        self.stats.per_node_tx[sender] = self.stats.per_node_tx.get(sender, 0) + 1
        self._seq += 1
        if self._capture is not None:
            self._captured.append((at_cycles, self._seq, frame))
        due = at_cycles + (airtime_cycles(len(frame)) if self.airtime else 0)
        heapq.heappush(self._queue, _Pending(due, self._seq, sender, channel, frame))

    def next_event_cycles(self) -> int | None:
        due = self._queue[0].due if self._queue else None
        for _, next_due in self._listeners:
            d = next_due() if next_due is not None else None
            if d is not None and (due is None or d < due):
                due = d
        return due

    def sync(self, now_cycles: int) -> int:
        """Deliver every frame due by `now_cycles`; returns how many frames were delivered."""
        self.now_cycles = max(self.now_cycles, now_cycles)
        count = 0
        while self._queue and self._queue[0].due <= now_cycles:
            item = heapq.heappop(self._queue)
            count += self._deliver(item)
        for callback, _ in self._listeners:
            callback(now_cycles)
            while self._queue and self._queue[0].due <= now_cycles:  # what the listener sent
                count += self._deliver(heapq.heappop(self._queue))
        self._write_captured(now_cycles)
        return count

    def _deliver(self, item: _Pending) -> int:
        heard = 0
        for name, radio in list(self._radios.items()):
            if name == item.sender or radio.channel != item.channel:
                continue
            if self._loss > 0.0 and self._rng.random() < self._loss:
                self.stats.lost += 1
                continue
            link = self._link_loss.get((item.sender, name), 0.0)
            if link > 0.0 and (link >= 1.0 or self._rng.random() < link):
                self.stats.lost += 1
                continue
            heard += 1
            self.stats.delivered += 1
            radio.receive(item.frame, item.due)
        if heard == 0:
            self.stats.no_receiver += 1
        return 1 if heard else 0


def _check_probability(p: float) -> float:
    if not 0.0 <= p <= 1.0:
        from rig.errors import ConfigError

        raise ConfigError(f"loss probability must be between 0 and 1, got {p}")
    return float(p)
