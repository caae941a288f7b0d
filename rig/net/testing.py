"""Fakes of the builtin core's side of the peripheral contract, for RF-core, medium and bridge tests."""

from __future__ import annotations

import functools
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from rig.emu.builtin.medium import Medium
from rig.emu.builtin.peripheral import PeripheralContext
from rig.emu.builtin.rfcore import (
    EXT_ADDR0,
    FREQCTRL,
    FRMCTRL0,
    FRMFILT0,
    ISRXON,
    ISTXON,
    PAN_ID0,
    PAN_ID1,
    RFDATA,
    RFST,
    SHORT_ADDR0,
    SHORT_ADDR1,
    RfCore,
)
from rig.net import ieee802154 as mac
from rig.net import ipv6 as ip
from rig.net import sixlowpan as lowpan
from rig.net import slip
from rig.net.transport import Transport


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeScheduler:
    cycles: int = 0
    timers: list[tuple[int, int, Callable[[], None], _Handle]] = field(default_factory=list)
    _seq: int = 0

    def schedule(self, at_cycles: int, callback: Callable[[], None]) -> _Handle:
        handle = _Handle()
        self._seq += 1
        heapq.heappush(self.timers, (at_cycles, self._seq, callback, handle))
        return handle

    def advance_to(self, cycles: int) -> None:
        while self.timers and self.timers[0][0] <= cycles:
            at, _, cb, handle = heapq.heappop(self.timers)
            self.cycles = max(self.cycles, at)
            if not handle.cancelled:
                cb()
        self.cycles = max(self.cycles, cycles)


@dataclass
class FakeIrq:
    levels: dict[int, bool] = field(default_factory=dict)
    edges: int = 0

    def set_irq(self, irq: int, level: bool) -> None:
        if level and not self.levels.get(irq, False):
            self.edges += 1
        self.levels[irq] = level


@dataclass
class FakeNode:
    name: str
    rf: RfCore
    sched: FakeScheduler
    irq: FakeIrq
    syncs: list[int]

    def configure(self, pan: int = 0xABCD, short: int = 0x0001, ext: bytes | None = None,
                  channel: int = 26, filtering: bool = True, autoack: bool = True) -> None:
        w = self.rf.write
        w(PAN_ID0, 4, pan & 0xFF)
        w(PAN_ID1, 4, pan >> 8)
        w(SHORT_ADDR0, 4, short & 0xFF)
        w(SHORT_ADDR1, 4, short >> 8)
        if ext is not None:
            for i, b in enumerate(reversed(ext)):
                w(EXT_ADDR0 + 4 * i, 4, b)
        w(FREQCTRL, 4, 11 + 5 * (channel - 11))
        w(FRMFILT0, 4, 0x0C | (1 if filtering else 0))
        w(FRMCTRL0, 4, 0x40 | (0x20 if autoack else 0))
        w(RFST, 4, ISRXON)

    def send(self, frame_without_fcs: bytes) -> None:
        self.rf.write(RFST, 4, 0xEE)  # flush TX
        self.rf.write(RFDATA, 4, len(frame_without_fcs) + 2)
        for b in frame_without_fcs:
            self.rf.write(RFDATA, 4, b)
        self.rf.write(RFST, 4, ISTXON)

    def read_frame(self) -> bytes:
        n = self.rf.read(RFDATA, 4)
        return bytes(self.rf.read(RFDATA, 4) for _ in range(n))


def make_node(name: str, seed: int | None = None) -> FakeNode:
    sched = FakeScheduler()
    irq = FakeIrq()
    syncs: list[int] = []
    ctx = PeripheralContext(scheduler=sched, irq=irq, request_sync=lambda: syncs.append(sched.cycles),
                            node_name=name)
    return FakeNode(name, RfCore(ctx, seed=seed), sched, irq, syncs)


def make_net(names: list[str], seed: int = 1, airtime: bool = False) -> tuple[Medium, dict[str, FakeNode]]:
    medium = Medium(seed=seed, airtime=airtime)
    nodes = {n: make_node(n) for n in names}
    for n, node in nodes.items():
        medium.attach(n, node.rf)
    return medium, nodes


# --- a Python stand-in for the slip-radio border node and for 6LoWPAN nodes (bridge tests) -----------------


class FakeClockEmulation:
    """Just enough of api.Emulation for the bridge's step mode: a clock and timed callbacks."""

    def __init__(self) -> None:
        self.now = 0.0
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    def at(self, delay: float, callback: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._events, (self.now + delay, self._seq, callback))

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = self.now + timeout
        while True:
            while self._events and self._events[0][0] <= self.now:
                _, _, cb = heapq.heappop(self._events)
                cb()
            if predicate():
                return True
            if self.now >= deadline:
                return False
            self.now = min(deadline, self.now + 0.001)


class PyNode:
    """A 6LoWPAN node in Python: answers echo requests, echoes UDP port 7, learns the RA prefix."""

    def __init__(self, net: FakeSlipRadioNet, eui64: bytes) -> None:
        self.net = net
        self.eui64 = eui64
        self.contexts: dict[int, lowpan.Context] = {}
        self.prefix: bytes | None = None
        self.router: bytes | None = None
        self.reasm = lowpan.Reassembler(self.contexts)
        self.received: list[tuple[bytes, int, bytes]] = []  # (src, sport, data)
        self.seq = 0
        self.tag = 0

    @property
    def address(self) -> bytes:
        assert self.prefix is not None
        return ip.with_prefix(self.prefix, self.eui64)

    def on_frame(self, frame: mac.Frame) -> None:
        try:
            packet = self.reasm.feed(frame.payload, frame.src or 0, frame.dst, self.net.emu.now)
        except lowpan.LowpanError:
            return
        if packet is None:
            return
        pkt = ip.parse_ipv6(packet)
        if pkt.nh == ip.NH_ICMPV6 and pkt.payload[0] == ip.ICMP_RA:
            from rig.net import nd

            opts = nd.parse_options(pkt.payload[16:])
            if opts.prefixes:
                self.prefix = opts.prefixes[0][0]
                self.contexts[0] = lowpan.Context(self.prefix, opts.prefixes[0][1])
            self.router = opts.lla or (frame.src if isinstance(frame.src, bytes) else None)
        elif pkt.nh == ip.NH_ICMPV6 and pkt.payload[0] == ip.ICMP_ECHO_REQUEST:
            self.send(ip.icmpv6_packet(pkt.dst, pkt.src, ip.ICMP_ECHO_REPLY, 0, pkt.payload[4:]))
        elif pkt.nh == ip.NH_UDP:
            udp = ip.parse_udp(pkt)
            self.received.append((pkt.src, udp.sport, udp.data))
            if udp.dport == 7:
                self.send(ip.udp_packet(pkt.dst, pkt.src, 7, udp.sport, udp.data))

    def solicit(self) -> None:
        rs = ip.icmpv6_packet(ip.link_local(self.eui64), ip.ALL_ROUTERS, ip.ICMP_RS, 0,
                              bytes(4) + bytes((1, 2)) + self.eui64 + bytes(6), hlim=255)
        self.send(rs, broadcast=True)

    def send_udp(self, dst: bytes, sport: int, dport: int, data: bytes) -> None:
        self.send(ip.udp_packet(self.address, dst, sport, dport, data))

    def send(self, packet: bytes, broadcast: bool = False) -> None:
        dst_mac: bytes | int = 0xFFFF if broadcast or packet[24] == 0xFF else (self.router or bytes(8))
        if packet[24:26] == b"\xfe\x80":
            dst_mac = ip.eui64_from_iid(packet[32:40])
        room = 125 - (15 if isinstance(dst_mac, int) else 21)
        self.tag += 1
        for p in lowpan.fragment(packet, self.eui64, dst_mac, self.contexts, room, self.tag):
            self.seq = (self.seq + 1) & 0xFF
            frame = mac.Frame(seq=self.seq, dst_pan=0xABCD, dst=dst_mac, src=self.eui64, payload=p,
                              ack_request=not isinstance(dst_mac, int))
            self.net.node_transmit(self, mac.build(frame, fcs=False))


class FakeSlipRadioNet(Transport):
    """The slip-radio protocol (PROTOCOL.md) in Python, joined to PyNodes; the bridge's transport."""

    def __init__(self, emu: FakeClockEmulation, border_eui64: bytes, loss: float = 0.0, seed: int = 1,
                 latency: float = 0.002) -> None:
        super().__init__()
        self.emu = emu
        self.eui64 = border_eui64
        self.nodes: list[PyNode] = []
        self.loss = loss
        self.rng = random.Random(seed)
        self.latency = latency
        self.decoder = slip.SlipDecoder(max_frame=140)
        self.sent_to_host: list[bytes] = []
        self.channel = 11
        self.pan = 0

    def add_node(self, eui64: bytes) -> PyNode:
        node = PyNode(self, eui64)
        self.nodes.append(node)
        return node

    # the bridge writes to the border node's UART
    def write(self, data: bytes) -> None:
        for m in self.decoder.feed(data):
            self.emu.at(self.latency, functools.partial(self._host_message, m))

    def emit(self, message: bytes) -> None:
        self.sent_to_host.append(message)
        self._deliver(slip.encode(message))

    def _host_message(self, m: bytes) -> None:
        if m[:2] == b"?M":
            self.emit(b"!M" + self.eui64)
        elif m[:2] == b"!C":
            self.channel = m[2]
            self.emit(m[:3])
        elif m[:2] == b"!P":
            self.pan = int.from_bytes(m[2:4], "little")
            self.emit(m[:4])
        elif m[:2] == b"?N":
            self.emit(b"!N" + bytes(32))
        elif m[:1] == b"T":
            self._transmit(m[1], m[2:])
        else:
            self.emit(b"!E" + m[:2].ljust(2, b"\x00"))

    def _lost(self) -> bool:
        return self.loss > 0 and self.rng.random() < self.loss

    def _transmit(self, tag: int, raw: bytes) -> None:
        frame = mac.parse(raw, has_fcs=False)
        attempts = 4 if frame.ack_request else 1
        for attempt in range(1, attempts + 1):
            receivers = [n for n in self.nodes if frame.dst == 0xFFFF or frame.dst == n.eui64]
            delivered = False
            for n in receivers:
                if not self._lost():
                    n.on_frame(frame)
                    delivered = True
            if not frame.ack_request or (delivered and not self._lost()):
                self.emit(b"S" + bytes((tag, 0, attempt)))
                return
        self.emit(b"S" + bytes((tag, 1, attempts)))

    def node_transmit(self, node: PyNode, raw: bytes) -> None:
        def deliver() -> None:
            frame = mac.parse(raw, has_fcs=False)
            if frame.dst not in (0xFFFF, self.eui64):
                for other in self.nodes:
                    if other is not node and frame.dst == other.eui64:
                        other.on_frame(frame)
                return
            for _ in range(4 if frame.ack_request else 1):
                if not self._lost():
                    self.emit(b"R" + bytes((70, 100)) + raw)
                    if not frame.ack_request or not self._lost():
                        return

        self.emu.at(self.latency, deliver)
