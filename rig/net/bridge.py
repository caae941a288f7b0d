"""The bridge: host UDP on loopback <-> 6LoWPAN nodes, through a slip-radio border node's UART.

The bridge is the nodes' IPv6 router. It speaks the slip-radio protocol (firmware-c/apps/slip-radio/
PROTOCOL.md) over a `Transport`, builds/parses 802.15.4 frames with the border radio's EUI-64 as its
MAC address, answers Router Solicitations with a Router Advertisement (PIO + 6CO, prefix default
fd00::/64 = 6LoWPAN context 0), answers Neighbor Solicitations and echo requests for host addresses,
and relays UDP.

Address mapping (what the host sees):
- The host's addresses are the server address (default fd00::1), any `extra_host_addresses` and
  the router's link-local address. A node datagram to (H, P), H one of those, is sent to the
  host program at (::1, P) from a loopback socket the bridge owns for the node's (address, port),
  bound on ::1 with an ephemeral port: the *proxy endpoint* of that node port. A datagram to any
  other address that is not a node is dropped (counted in `udp_no_host`): no such host exists,
  so e.g. a firmware pull from coap://[2001:db8::1]/... fails as it would on a real network.
- What a host program sends to a proxy endpoint from (::1, Q) reaches the node's (address, port)
  from (H, Q), where H is the host address the node last used towards port Q (default: the server
  address). So a server on ::1:5683 sees every node as a distinct remote (::1, proxy port), and its
  replies and its own requests to that remote reach the right node, from fd00::1:5683.
- `bridge.endpoint(node, port)` creates / returns the proxy endpoint of any node port, so a host
  program can start a conversation (e.g. send to udp-echo port 7).

Two ways to run it:
- in `rig.vtime.VirtualTimeLoop` (or any asyncio loop): `bridge.attach_loop(loop)`; the proxy sockets
  are watched by the loop and the bridge wakes the loop when it hands data to the host;
- synchronous step mode: `bridge.run_until(predicate, timeout)` advances the emulation and polls
  the sockets at every sync point; `bridge.ping(...)`, `bridge.wait_ready(...)`.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import selectors
import socket
import struct
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rig.errors import ConfigError, EmulationError, ExpectTimeout
from rig.net import ieee802154 as mac
from rig.net import ipv6 as ip
from rig.net import nd, slip
from rig.net import sixlowpan as lowpan
from rig.net.pcap import LINKTYPE_IEEE802_15_4_WITHFCS, PcapWriter
from rig.net.transport import NodeUartTransport, Transport

if TYPE_CHECKING:
    from rig.emu.api import Emulation, Node

MAX_MAC = 125  # MAC header + payload, no FCS: what a 'T' message may carry
UNICAST_HEADER = mac.header_length(mac.ADDR_EXT, mac.ADDR_EXT)  # 21
BROADCAST_HEADER = mac.header_length(mac.ADDR_SHORT, mac.ADDR_EXT)  # 15
PING_ID = 0x5249

# Every open proxy endpoint in this process: (loopback address, port) -> the node's (address, port) and the
# proxy's socket (weakly: a bridge dropped unclosed frees its port, which must not keep its old meaning).
# The ephemeral port differs run to run; a host program's records (rig.lwm2m.trace) name the node instead.
_PROXIED: dict[tuple[str, int], tuple[tuple[bytes, int], weakref.ref[socket.socket]]] = {}


@functools.lru_cache(maxsize=1024)  # every traced CoAP message asks (parsing an address costs ~5 us)
def _host_key(host: str, port: int) -> tuple[str, int]:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).compressed, port
    except ValueError:
        return host, port


def proxied_node(host: str, port: int) -> tuple[bytes, int] | None:
    """The node (address, UDP port) that the loopback proxy endpoint (host, port) stands for, if open."""
    entry = _PROXIED.get(_host_key(host, port))
    if entry is None:
        return None
    sock = entry[1]()
    return entry[0] if sock is not None and sock.fileno() != -1 else None


COUNTER_NAMES = ("rx_frames", "rx_dropped", "tx_frames", "tx_noack", "tx_retries", "slip_in", "slip_bad",
                 "slip_overrun")


@dataclass
class BridgeConfig:
    prefix: str = "fd00::/64"
    channel: int = 26
    pan_id: int = 0xABCD
    server_address: str = "fd00::1"  # the host's address in the prefix (LwM2M server, ping source)
    loopback: str = "::1"
    ra_interval: float = 60.0  # virtual seconds between unsolicited RAs
    query_interval: float = 0.5  # retry '?M' until the border node answers
    tx_window: int = 4  # 'T' messages in flight before waiting for their 'S'
    tx_timeout: float = 1.0  # a 'T' without 'S' after this long is given up (counted)
    max_tx_queue: int = 256  # MAC frames waiting for the window
    reassembly_timeout: float = 8.0
    max_reassembly: int = 32
    # Node-side port -> loopback port of the host program (e.g. {5683: 40123}): lets a rig's server
    # listen on a free port while the firmware keeps sending to fd00::1:5683. Unmapped ports pass as is.
    port_map: dict[int, int] = field(default_factory=dict)
    # More addresses the host answers UDP on, besides server_address and the router's link-local one.
    extra_host_addresses: tuple[str, ...] = ()
    # Proxy endpoints (one loopback socket per node address and port) open at once: beyond this, the
    # least recently used one is closed (a node that sends from ever new ports or addresses would
    # otherwise use up the process's file descriptors).
    max_proxies: int = 1024

    def check(self) -> None:
        """ConfigError naming the first bad setting (command lines pass these straight through)."""
        ip.network_prefix(self.prefix)
        if not 11 <= self.channel <= 26:
            raise ConfigError(f"channel {self.channel} is not a 2.4 GHz IEEE 802.15.4 channel (11..26)")
        if not 0 <= self.pan_id <= 0xFFFE:
            raise ConfigError(f"PAN ID {self.pan_id:#x} out of range (0..0xfffe; 0xffff is the broadcast PAN)")
        if isinstance(self.max_proxies, bool) or not isinstance(self.max_proxies, int) or self.max_proxies < 1:
            raise ConfigError(f"max_proxies {self.max_proxies!r} must be a positive integer")


@dataclass
class BridgeStats:
    slip_frames: int = 0
    rx_frames: int = 0  # 'R' messages
    rx_acks: int = 0  # ACK frames the border radio forwards (not data)
    rx_bad_mac: int = 0
    rx_not_data: int = 0
    rx_duplicates: int = 0  # same (source, seq) as the previous frame: MAC retransmission
    rx_lowpan_errors: int = 0
    rx_bad_ipv6: int = 0
    rx_bad_checksum: int = 0
    rx_unhandled: int = 0  # IPv6 packets nobody takes (other protocols, ICMP types, multicast UDP)
    datagrams_from_nodes: int = 0
    udp_to_host: int = 0
    udp_to_host_errors: int = 0
    udp_from_host: int = 0
    udp_no_host: int = 0  # datagrams to an address that is neither a node nor the host: dropped
    routed_between_nodes: int = 0
    tx_frames: int = 0  # 'T' messages written
    tx_ok: int = 0
    tx_noack: int = 0
    tx_refused: int = 0
    tx_retries: int = 0
    tx_status_timeout: int = 0
    tx_queue_overflow: int = 0  # datagrams dropped because the TX queue was full
    tx_no_route: int = 0
    tx_too_big: int = 0
    unknown_messages: int = 0  # SLIP messages of an unknown type from the border node
    node_errors: int = 0  # '!E' answers (the node did not understand us)
    ra_sent: int = 0
    na_sent: int = 0
    echo_replies_sent: int = 0
    pings_answered: int = 0
    proxy_errors: int = 0  # proxy endpoints that could not be opened (no socket, no port): datagram dropped
    proxy_evictions: int = 0  # least recently used proxy endpoints closed to stay within max_proxies


@dataclass
class _Proxy:
    node_addr: bytes
    node_port: int
    sock: socket.socket
    peers: dict[int, bytes] = field(default_factory=dict)  # loopback port -> host address the node used

    @property
    def local_port(self) -> int:
        return int(self.sock.getsockname()[1])


@dataclass
class _Outstanding:
    frame: bytes
    sent: float


class Bridge:
    def __init__(self, transport: Transport, clock: Callable[[], float], config: BridgeConfig | None = None,
                 emulation: Emulation | None = None) -> None:
        self.transport = transport
        self.clock = clock
        self.config = config or BridgeConfig()
        self.config.check()
        self.emulation = emulation
        net = ipaddress.IPv6Network(self.config.prefix, strict=False)
        self.prefix = net.network_address.packed
        self.prefix_len = net.prefixlen
        self.contexts = {0: lowpan.Context(self.prefix, self.prefix_len)}
        self.server_address = ip.addr(self.config.server_address)
        self.host_addresses = {self.server_address, *map(ip.addr, self.config.extra_host_addresses)}
        self.stats = BridgeStats()
        self.slip = slip.SlipDecoder(max_frame=1 + 2 + 127 + 16)
        self.reassembler = lowpan.Reassembler(self.contexts, self.config.reassembly_timeout,
                                              self.config.max_reassembly)
        self.eui64: bytes | None = None
        self.radio_version: str | None = None
        self.radio_channel: int | None = None
        self.radio_pan_id: int | None = None
        self.radio_counters: dict[str, int] = {}
        self.radio_log: deque[tuple[float, str]] = deque(maxlen=1000)
        self.nodes: dict[bytes, bytes] = {}  # EUI-64 -> last source address seen
        # Called once with Transport.lost when the border node's UART goes away (asyncio mode).
        self.on_transport_lost: Callable[[str], None] | None = None
        self.border_restarts = 0  # '!M' after the first: the border node rebooted and was reconfigured
        self._proxies: dict[tuple[bytes, int], _Proxy] = {}
        self._by_fd: dict[int, _Proxy] = {}
        self._selector = selectors.DefaultSelector()
        self._last_seq: dict[bytes | int, int] = {}
        self._seq = 0
        self._tag = 0
        self._frag_tag = 0
        self._txq: deque[bytes] = deque()
        self._outstanding: dict[int, _Outstanding] = {}
        self._next_query = 0.0
        self._next_ra: float | None = None
        self._ping_seq = 0
        self._ping_sent: dict[int, float] = {}
        self._ping_rtt: dict[int, float] = {}
        self._capture: PcapWriter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: Callable[[], None] | None = None
        self._tick_handle: asyncio.TimerHandle | None = None
        self._started = False
        self._closed = False

    @classmethod
    def for_node(cls, node: Node, config: BridgeConfig | None = None) -> Bridge:
        """A bridge on an emulated border node's UART (in-process)."""
        emulation = node.emulation
        return cls(NodeUartTransport(node.uart), lambda: emulation.now, config, emulation)

    # --- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.transport.start(self._on_bytes)
        self._configure_radio()
        self._send_control(b"?M")
        self._next_query = self.clock() + self.config.query_interval

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        for proxy in self._proxies.values():
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(proxy.sock)
            _PROXIED.pop(_host_key(self.config.loopback, proxy.local_port), None)
            proxy.sock.close()
        self._selector.close()
        fd = self.transport.fileno()
        if self._loop is not None and fd is not None and not self._loop.is_closed():
            self._loop.remove_reader(fd)
        self.transport.close()
        if self._capture is not None:
            self._capture.close()

    def __enter__(self) -> Bridge:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ready(self) -> bool:
        """The border node answered with its EUI-64: the bridge can route."""
        return self.eui64 is not None

    @property
    def router_link_local(self) -> bytes:
        if self.eui64 is None:
            raise EmulationError("the border node has not reported its EUI-64 yet")
        return ip.link_local(self.eui64)

    def capture(self, path: Path) -> None:
        """pcap (link type 195) of every frame the border radio sends or receives, virtual timestamps."""
        if self._capture is not None:
            self._capture.close()
        self._capture = PcapWriter(Path(path), LINKTYPE_IEEE802_15_4_WITHFCS)

    # --- addresses ----------------------------------------------------------------------------------
    def node_address(self, node: Node | bytes | str) -> bytes:
        """A node's global address: from a Node (its EUI-64), an EUI-64 or an address."""
        if isinstance(node, str):
            return ip.addr(node)
        if isinstance(node, bytes):
            return node if len(node) == 16 else ip.with_prefix(self.prefix, node)
        return ip.with_prefix(self.prefix, node.eui64)

    def _in_prefix(self, a: bytes) -> bool:
        return self.contexts[0].matches(a)

    def _is_node(self, a: bytes) -> bool:
        if a[0] == 0xFF or a == self.server_address:
            return False
        if a[:8] == b"\xfe\x80" + bytes(6) or self._in_prefix(a):
            eui = ip.eui64_from_iid(a[8:])
            return eui in self.nodes and eui != self.eui64
        return False

    def _mac_for(self, dst: bytes) -> bytes | int | None:
        if dst[0] == 0xFF:
            return mac.BROADCAST_SHORT
        if dst[:8] == b"\xfe\x80" + bytes(6) or self._in_prefix(dst):
            return ip.eui64_from_iid(dst[8:])  # nodes form their IIDs from their EUI-64s
        return None

    # --- proxy endpoints ---------------------------------------------------------------------------------
    def endpoint(self, node: Node | bytes | str, port: int) -> tuple[str, int]:
        """The loopback (address, port) that stands for the node's UDP port."""
        try:
            proxy = self._proxy(self.node_address(node), port)
        except OSError as exc:
            self.stats.proxy_errors += 1
            raise ConfigError(f"cannot open a proxy endpoint for node port {port}: {exc.strerror or exc}") from None
        return self.config.loopback, proxy.local_port

    def _proxy(self, node_addr: bytes, node_port: int) -> _Proxy:
        """The proxy endpoint of a node port, opened if need be (OSError if no socket can be had)."""
        key = (node_addr, node_port)
        proxy = self._proxies.pop(key, None)
        if proxy is None:
            while len(self._proxies) >= self.config.max_proxies:
                self._close_proxy(next(iter(self._proxies)))
                self.stats.proxy_evictions += 1
            sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                sock.bind((self.config.loopback, 0))
                sock.setblocking(False)
            except OSError:
                sock.close()
                raise
            proxy = _Proxy(node_addr, node_port, sock)
            _PROXIED[_host_key(self.config.loopback, proxy.local_port)] = key, weakref.ref(sock)
            self._by_fd[sock.fileno()] = proxy
            self._selector.register(sock, selectors.EVENT_READ, proxy)
            if self._loop is not None:
                self._loop.add_reader(sock, self._read_proxy, proxy)
        self._proxies[key] = proxy  # (re)inserted last: the dict's order is the LRU order
        return proxy

    def _close_proxy(self, key: tuple[bytes, int]) -> None:
        proxy = self._proxies.pop(key)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(proxy.sock)
        self._selector.unregister(proxy.sock)
        self._by_fd.pop(proxy.sock.fileno(), None)
        _PROXIED.pop(_host_key(self.config.loopback, proxy.local_port), None)
        proxy.sock.close()

    def _read_proxy(self, proxy: _Proxy) -> int:
        count = 0
        if proxy.sock.fileno() < 0:  # evicted (closed) since the selector reported it
            return count
        while True:
            try:
                data, peer = proxy.sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return count
            except OSError:
                self.stats.udp_to_host_errors += 1
                return count
            count += 1
            qport = int(peer[1])
            src = proxy.peers.get(qport, self.server_address)
            self.stats.udp_from_host += 1
            self.send_udp(proxy.node_addr, proxy.node_port, data, self._node_port_of(qport), src)

    def _node_port_of(self, host_port: int) -> int:
        """The port the nodes know a mapped host port by (see BridgeConfig.port_map)."""
        for node_port, mapped in self.config.port_map.items():
            if mapped == host_port:
                return node_port
        return host_port

    # --- sending to nodes ---------------------------------------------------------------------------------
    def send_udp(self, node_addr: bytes, node_port: int, data: bytes, src_port: int,
                 src_addr: bytes | None = None) -> bool:
        src = src_addr if src_addr is not None else self._source_for(node_addr)
        return self.send_ipv6(ip.udp_packet(src, node_addr, src_port, node_port, data))

    def _source_for(self, dst: bytes) -> bytes:
        if dst[:2] == b"\xfe\x80" and self.eui64 is not None:
            return ip.link_local(self.eui64)
        return self.server_address

    def send_ipv6(self, packet: bytes) -> bool:
        """Send an IPv6 packet onto the 6LoWPAN link (fragmenting as needed); False if dropped."""
        if self.eui64 is None:
            self.stats.tx_no_route += 1
            return False
        dst = packet[24:40]
        dst_mac = self._mac_for(dst)
        if dst_mac is None:
            self.stats.tx_no_route += 1
            return False
        room = MAX_MAC - (BROADCAST_HEADER if isinstance(dst_mac, int) else UNICAST_HEADER)
        self._frag_tag = (self._frag_tag + 1) & 0xFFFF
        try:
            payloads = lowpan.fragment(packet, self.eui64, dst_mac, self.contexts, room, self._frag_tag)
        except lowpan.LowpanError:
            self.stats.tx_too_big += 1
            return False
        if len(self._txq) + len(payloads) > self.config.max_tx_queue:
            self.stats.tx_queue_overflow += 1
            return False
        for p in payloads:
            self._seq = (self._seq + 1) & 0xFF
            frame = mac.Frame(seq=self._seq, dst_pan=self.config.pan_id, dst=dst_mac, src=self.eui64,
                              payload=p, ack_request=not isinstance(dst_mac, int))
            self._txq.append(mac.build(frame, fcs=False))
        self._pump()
        return True

    def _pump(self) -> None:
        while self._txq and len(self._outstanding) < self.config.tx_window:
            frame = self._txq.popleft()
            self._tag = (self._tag + 1) & 0xFF
            while self._tag in self._outstanding:
                self._tag = (self._tag + 1) & 0xFF
            self._outstanding[self._tag] = _Outstanding(frame, self.clock())
            self.stats.tx_frames += 1
            if self._capture is not None:
                self._capture.write(frame + mac.fcs_bytes(frame), self.clock())
            self.transport.write(slip.encode(b"T" + bytes((self._tag,)) + frame))

    def _configure_radio(self) -> None:
        self._send_control(b"!C" + bytes((self.config.channel,)))
        self._send_control(b"!P" + self.config.pan_id.to_bytes(2, "little"))

    def _send_control(self, message: bytes) -> None:
        self.transport.write(slip.encode(message))

    def request_counters(self) -> None:
        """Ask the border node for its counters ('?N'); the answer lands in `radio_counters`."""
        self._send_control(b"?N")

    def send_router_advertisement(self, dst: bytes = ip.ALL_NODES) -> None:
        if self.eui64 is None:
            return
        ra = nd.router_advertisement(ip.link_local(self.eui64), dst, self.eui64, self.prefix, self.prefix_len)
        if self.send_ipv6(ra):
            self.stats.ra_sent += 1

    # --- receiving from the border node ------------------------------------------------------------------
    def _on_bytes(self, data: bytes) -> None:
        handed = self.stats.udp_to_host + self.stats.pings_answered
        was_ready = self.ready
        for message in self.slip.feed(data):
            self.stats.slip_frames += 1
            self._on_message(message)
        if self._wake is not None and (
            handed != self.stats.udp_to_host + self.stats.pings_answered or was_ready != self.ready
        ):
            self._wake()

    def _on_message(self, m: bytes) -> None:
        kind = m[0]
        if kind == 0x52 and len(m) >= 3:  # 'R'
            self._on_radio_frame(m[3:])
        elif kind == 0x53 and len(m) >= 4:  # 'S'
            self._on_status(m[1], m[2], m[3])
        elif kind == 0x4C:  # 'L'
            self.radio_log.append((self.clock(), m[1:].decode("ascii", "replace")))
        elif kind == 0x21 and len(m) >= 2:  # '!'
            self._on_report(m[1], m[2:])
        else:
            self.stats.unknown_messages += 1

    def _on_report(self, cmd: int, args: bytes) -> None:
        if cmd == 0x4D and len(args) == 8:  # 'M'
            if self.eui64 is None:
                self.eui64 = bytes(args)
                self.send_router_advertisement()
                self._next_ra = self.clock() + self.config.ra_interval
            else:
                # the border node sends '!M' when it boots: after a reset it has lost its settings
                self.eui64 = bytes(args)
                self.border_restarts += 1
                self._configure_radio()
        elif cmd == 0x43 and len(args) == 1:  # 'C'
            self.radio_channel = args[0]
        elif cmd == 0x50 and len(args) == 2:  # 'P'
            self.radio_pan_id = int.from_bytes(args, "little")
        elif cmd == 0x4E and len(args) == 4 * len(COUNTER_NAMES):  # 'N'
            values = struct.unpack(f"<{len(COUNTER_NAMES)}I", args)
            self.radio_counters = dict(zip(COUNTER_NAMES, values, strict=True))
        elif cmd == 0x56:  # 'V'
            self.radio_version = args.decode("ascii", "replace")
        elif cmd == 0x45:  # 'E'
            self.stats.node_errors += 1
        else:
            self.stats.unknown_messages += 1

    def _on_status(self, tag: int, status: int, tx_count: int) -> None:
        if self._outstanding.pop(tag, None) is None:
            self.stats.unknown_messages += 1
            return
        if status == 0:
            self.stats.tx_ok += 1
        elif status == 1:
            self.stats.tx_noack += 1
        else:
            self.stats.tx_refused += 1
        self.stats.tx_retries += max(0, tx_count - 1)
        self._pump()

    def _on_radio_frame(self, raw: bytes) -> None:
        self.stats.rx_frames += 1
        now = self.clock()
        if self._capture is not None:
            self._capture.write(raw + mac.fcs_bytes(raw), now)
        try:
            frame = mac.parse(raw, has_fcs=False)
        except mac.FrameError:
            self.stats.rx_bad_mac += 1
            return
        if frame.frame_type == mac.FRAME_ACK:
            self.stats.rx_acks += 1
            return
        if frame.frame_type != mac.FRAME_DATA or frame.src is None or not frame.payload:
            self.stats.rx_not_data += 1
            return
        if self._last_seq.get(frame.src) == frame.seq:
            self.stats.rx_duplicates += 1
            return
        self._last_seq[frame.src] = frame.seq
        try:
            packet = self.reassembler.feed(frame.payload, frame.src, frame.dst, now)
        except lowpan.LowpanError:
            self.stats.rx_lowpan_errors += 1
            return
        if packet is not None:
            self._on_ipv6(packet, frame.src)

    def _on_ipv6(self, packet: bytes, src_mac: bytes | int) -> None:
        try:
            pkt = ip.parse_ipv6(packet)
        except ip.PacketError:
            self.stats.rx_bad_ipv6 += 1
            return
        self.stats.datagrams_from_nodes += 1
        if isinstance(src_mac, bytes) and pkt.src != ip.UNSPECIFIED:
            self.nodes[src_mac] = pkt.src
        if pkt.nh == ip.NH_ICMPV6:
            self._on_icmp(pkt, src_mac)
        elif pkt.nh == ip.NH_UDP:
            self._on_udp(pkt, packet)
        else:
            self.stats.rx_unhandled += 1

    def _on_udp(self, pkt: ip.IPv6, raw: bytes) -> None:
        if self._is_node(pkt.dst):
            self._route(raw)
            return
        if pkt.dst[0] == 0xFF:
            self.stats.rx_unhandled += 1
            return
        if pkt.dst not in self.host_addresses and not (self.eui64 is not None and pkt.dst == self.router_link_local):
            self.stats.udp_no_host += 1
            return
        try:
            udp = ip.parse_udp(pkt)
        except ip.PacketError:
            self.stats.rx_bad_checksum += 1
            return
        try:
            proxy = self._proxy(pkt.src, udp.sport)
        except OSError:  # e.g. out of file descriptors: this datagram is lost, the bridge carries on
            self.stats.proxy_errors += 1
            return
        host_port = self.config.port_map.get(udp.dport, udp.dport)
        proxy.peers[host_port] = pkt.dst
        try:
            proxy.sock.sendto(udp.data, (self.config.loopback, host_port))
        except OSError:
            self.stats.udp_to_host_errors += 1
            return
        self.stats.udp_to_host += 1

    def _route(self, raw: bytes) -> None:
        """A node's packet for another node (sent to the router's MAC): forward it, hop limit - 1."""
        if raw[7] <= 1:
            self.stats.rx_unhandled += 1
            return
        self.stats.routed_between_nodes += 1
        self.send_ipv6(raw[:7] + bytes((raw[7] - 1,)) + raw[8:])

    def _on_icmp(self, pkt: ip.IPv6, src_mac: bytes | int | None = None) -> None:
        if not ip.verify_icmpv6(pkt):
            self.stats.rx_bad_checksum += 1
            return
        kind = pkt.payload[0]
        if kind == ip.ICMP_RS:
            self.send_router_advertisement(pkt.src if pkt.src != ip.UNSPECIFIED else ip.ALL_NODES)
        elif kind == ip.ICMP_NS and len(pkt.payload) >= 24:
            target = pkt.payload[8:24]
            # duplicate address detection by a node not heard from yet: the address is its own (IID from
            # its MAC), not the host's; claiming it would make the node give it up
            own_dad = pkt.src == ip.UNSPECIFIED and src_mac == ip.eui64_from_iid(target[8:])
            if self.eui64 is not None and not own_dad and not self._is_node(target) and target != pkt.src:
                solicited = pkt.src != ip.UNSPECIFIED
                na = nd.neighbor_advertisement(target, pkt.src if solicited else ip.ALL_NODES, target,
                                               self.eui64, solicited)
                if self.send_ipv6(na):
                    self.stats.na_sent += 1
        elif kind == ip.ICMP_ECHO_REQUEST:
            if self._is_node(pkt.dst):
                self._route(pkt.build())
                return
            reply = ip.icmpv6_packet(pkt.dst if pkt.dst[0] != 0xFF else self._source_for(pkt.src), pkt.src,
                                     ip.ICMP_ECHO_REPLY, 0, pkt.payload[4:])
            if self.send_ipv6(reply):
                self.stats.echo_replies_sent += 1
        elif kind == ip.ICMP_ECHO_REPLY and len(pkt.payload) >= 8:
            ident, seq = struct.unpack_from(">HH", pkt.payload, 4)
            sent = self._ping_sent.pop(seq, None)
            if ident == PING_ID and sent is not None:
                self._ping_rtt[seq] = self.clock() - sent
                self.stats.pings_answered += 1
        elif kind in (ip.ICMP_NA, ip.ICMP_RA):
            pass  # nodes' answers: nothing to learn beyond their MAC, which their IID gives
        else:
            self.stats.rx_unhandled += 1

    # --- ping ------------------------------------------------------------------------------------------
    def send_ping(self, node: Node | bytes | str, size: int = 56) -> int:
        """Send an echo request; returns its sequence number (see `ping_rtt`)."""
        dst = self.node_address(node)
        self._ping_seq = (self._ping_seq + 1) & 0xFFFF
        seq = self._ping_seq
        body = struct.pack(">HH", PING_ID, seq) + bytes(i & 0xFF for i in range(size))
        self._ping_sent[seq] = self.clock()
        self.send_ipv6(ip.icmpv6_packet(self._source_for(dst), dst, ip.ICMP_ECHO_REQUEST, 0, body))
        return seq

    def ping_rtt(self, seq: int) -> float | None:
        return self._ping_rtt.get(seq)

    def ping(self, node: Node | bytes | str, size: int = 56, timeout: float = 5.0) -> float:
        """Synchronous ping on the virtual clock; returns the round-trip time in virtual seconds."""
        seq = self.send_ping(node, size)
        if not self.run_until(lambda: seq in self._ping_rtt, timeout):
            self._ping_sent.pop(seq, None)
            raise ExpectTimeout(f"no echo reply from {ip.addr_text(self.node_address(node))} in {timeout} s")
        return self._ping_rtt.pop(seq)

    async def aping(self, node: Node | bytes | str, size: int = 56, timeout: float = 5.0) -> float:
        seq = self.send_ping(node, size)
        if not await self._await(lambda: seq in self._ping_rtt, timeout):
            self._ping_sent.pop(seq, None)
            raise ExpectTimeout(f"no echo reply from {ip.addr_text(self.node_address(node))} in {timeout} s")
        return self._ping_rtt.pop(seq)

    # --- timers ----------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Periodic work: '?M' retries, unsolicited RAs, TX status timeouts, reassembly expiry."""
        now = self.clock()
        if not self.ready and self._started and now >= self._next_query:
            self._send_control(b"?M")
            self._next_query = now + self.config.query_interval
        if self._next_ra is not None and now >= self._next_ra:
            self.send_router_advertisement()
            self._next_ra = now + self.config.ra_interval
        expired = [t for t, o in self._outstanding.items() if now - o.sent > self.config.tx_timeout]
        for tag in expired:
            del self._outstanding[tag]
            self.stats.tx_status_timeout += 1
        if expired:
            self._pump()
        self.reassembler.expire(now)

    def _next_due(self) -> float:
        now = self.clock()
        due = now + 1.0
        if not self.ready:
            due = min(due, self._next_query)
        if self._next_ra is not None:
            due = min(due, self._next_ra)
        for o in self._outstanding.values():
            due = min(due, o.sent + self.config.tx_timeout + 1e-6)
        return max(due, now + 1e-6)

    # --- synchronous step mode ------------------------------------------------------------------------------
    def poll(self) -> int:
        """Read the transport and every proxy socket without blocking; run due timers."""
        count = self.transport.poll()
        if self._proxies:
            for key, _ in self._selector.select(0):
                count += self._read_proxy(key.data)
        self.tick()
        return count

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Advance the emulation until `predicate()` (checked with the sockets polled) or timeout."""
        if self.emulation is None:
            raise EmulationError("the bridge has no emulation to advance (run it in a VirtualTimeLoop)")
        self.start()
        if self.poll() >= 0 and predicate():
            return True

        def check() -> bool:
            self.poll()
            return predicate()

        return self.emulation.run_until(check, timeout)

    def wait_ready(self, timeout: float = 10.0) -> None:
        if not self.run_until(lambda: self.ready, timeout):
            raise ExpectTimeout(f"the border node did not report its EUI-64 within {timeout} s")

    # --- asyncio mode -----------------------------------------------------------------------------------
    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run inside `loop` (a rig.vtime.VirtualTimeLoop or any asyncio loop)."""
        self._loop = loop
        self._wake = getattr(loop, "wake", None)
        for proxy in self._proxies.values():
            loop.add_reader(proxy.sock, self._read_proxy, proxy)
        fd = self.transport.fileno()
        if fd is not None:
            loop.add_reader(fd, self._read_transport, fd)
        self.start()
        self._schedule_tick()

    def _read_transport(self, fd: int) -> None:
        self.transport.poll()
        if self.transport.lost is not None and self._loop is not None:
            self._loop.remove_reader(fd)  # an EOF stays readable: watching it would spin
            if self.on_transport_lost is not None:
                self.on_transport_lost(self.transport.lost)

    def _schedule_tick(self) -> None:
        if self._loop is None or self._closed:
            return
        self._tick_handle = self._loop.call_at(self._next_due(), self._on_tick)

    def _on_tick(self) -> None:
        self.tick()
        self._schedule_tick()

    async def wait_ready_async(self, timeout: float = 10.0) -> None:
        if not await self._await(lambda: self.ready, timeout):
            raise ExpectTimeout(f"the border node did not report its EUI-64 within {timeout} s")

    async def _await(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        wait_until = getattr(loop, "wait_until", None)
        if wait_until is not None:
            return bool(await wait_until(predicate, timeout))
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.001)
        return True
