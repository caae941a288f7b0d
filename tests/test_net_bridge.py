"""The bridge against a Python stand-in of the slip-radio protocol and of 6LoWPAN nodes."""

from __future__ import annotations

import asyncio
import select
import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rig.errors import ExpectTimeout
from rig.net import ipv6 as ip
from rig.net import slip
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.pcap import read_pcap
from rig.net.testing import FakeClockEmulation, FakeSlipRadioNet

BORDER = bytes.fromhex("00124b00000000ff")
EUIS = [bytes.fromhex(f"00124b00000000{i:02x}") for i in range(1, 4)]


def setup(n_nodes: int = 1, loss: float = 0.0, config: BridgeConfig | None = None
          ) -> tuple[FakeClockEmulation, FakeSlipRadioNet, Bridge]:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER, loss=loss)
    for eui in EUIS[:n_nodes]:
        net.add_node(eui)
    bridge = Bridge(net, lambda: emu.now, config, emulation=emu)  # type: ignore[arg-type]
    bridge.wait_ready(2.0)
    for node in net.nodes:
        node.solicit()
    assert bridge.run_until(lambda: all(n.prefix is not None for n in net.nodes), 2.0)
    return emu, net, bridge


def udp_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::1", 0))
    s.setblocking(False)
    return s


def recv_ready(s: socket.socket) -> bytes | None:
    try:
        return s.recv(65535)
    except BlockingIOError:
        return None


def test_startup_configures_radio_and_answers_rs() -> None:
    _, net, bridge = setup(2)
    assert bridge.eui64 == BORDER
    assert net.channel == 26 and net.pan == 0xABCD
    assert bridge.radio_channel == 26 and bridge.radio_pan_id == 0xABCD
    for node in net.nodes:
        assert node.prefix is not None and node.prefix[:8] == ip.addr("fd00::")[:8]
        assert node.router == BORDER
        assert ip.addr_text(node.address) == "fd00::" + ip.addr_text(ip.link_local(node.eui64))[6:]
    assert bridge.stats.ra_sent >= 3  # one at start-up, one per RS


def test_ping_round_trip_virtual_clock() -> None:
    _, net, bridge = setup()
    rtt = bridge.ping(net.nodes[0].address, size=32)
    assert 0.003 < rtt < 0.02  # two hops through the fake radio's 2 ms latency each way
    rtt_big = bridge.ping(net.nodes[0].address, size=1000)  # fragmented both ways
    assert rtt_big > 0
    with pytest.raises(ExpectTimeout):
        bridge.ping(ip.addr("fd00::dead"), timeout=0.5)


@pytest.mark.parametrize("size", [10, 100, 500, 1200])
def test_udp_echo_through_proxy(size: int) -> None:
    _, net, bridge = setup()
    node = net.nodes[0]
    host = udp_socket()
    endpoint = bridge.endpoint(node.address, 7)
    payload = bytes(i & 0xFF for i in range(size))
    host.sendto(payload, endpoint)
    got: list[bytes] = []

    def arrived() -> bool:
        data = recv_ready(host)
        if data is not None:
            got.append(data)
        return bool(got)

    assert bridge.run_until(arrived, 2.0)
    assert got[0] == payload
    assert node.received[0][0] == ip.addr("fd00::1")
    assert node.received[0][1] == host.getsockname()[1]


def test_node_initiated_conversation_maps_to_distinct_remotes() -> None:
    _, net, bridge = setup(3)
    server = udp_socket()
    port = server.getsockname()[1]
    for i, node in enumerate(net.nodes):
        node.send_udp(ip.addr("fd00::1"), 5683, port, f"register {i}".encode())
    seen: dict[tuple[str, int], bytes] = {}

    def drain() -> bool:
        while True:
            try:
                data, remote = server.recvfrom(2048)
            except BlockingIOError:
                return len(seen) == 3
            seen[(remote[0], remote[1])] = data

    assert bridge.run_until(drain, 2.0)
    # every node is a distinct remote; answering each remote reaches the right node from fd00::1:port
    for remote, data in seen.items():
        server.sendto(b"ack " + data, remote)
    assert bridge.run_until(lambda: all(n.received for n in net.nodes), 2.0)
    for i, node in enumerate(net.nodes):
        src, sport, data = node.received[0]
        assert data == f"ack register {i}".encode()
        assert src == ip.addr("fd00::1") and sport == port


def test_loss_is_survived_by_retries() -> None:
    _, net, bridge = setup(1, loss=0.2)
    host = udp_socket()
    endpoint = bridge.endpoint(net.nodes[0].address, 7)
    answered = 0
    for i in range(20):
        host.sendto(bytes([i]) * 50, endpoint)
        if bridge.run_until(lambda: recv_ready(host) is not None, 1.0):
            answered += 1
    assert answered >= 18
    assert bridge.stats.tx_retries > 0


def test_malformed_input_counted_not_fatal(tmp_path: Path) -> None:
    _, net, bridge = setup()
    bridge.capture(tmp_path / "bridge.pcap")
    before = bridge.stats.rx_frames
    net._deliver(b"\xc0\xdb\x01\xc0")  # bad SLIP escape
    net.emit(b"R\x46\x64\x41")  # truncated MAC frame
    net.emit(b"R\x46\x64" + bytes((0x41, 0xCC, 0x09, 0xCD, 0xAB)) + bytes(16) + b"\x7e")  # truncated IPHC
    net.emit(b"Zwhat")  # unknown message type
    net.emit(b"S\x99\x00\x01")  # status for a tag never sent
    net.emit(b"R\x46\x64\x02\x00\x05")  # an ACK frame: not data
    assert bridge.slip.stats.bad_escape == 1
    assert bridge.stats.rx_frames == before + 3
    assert bridge.stats.rx_bad_mac == 1
    assert bridge.stats.rx_lowpan_errors == 1
    assert bridge.stats.rx_acks == 1
    assert bridge.stats.unknown_messages == 2
    assert bridge.ping(net.nodes[0].address) > 0  # still working
    bridge.close()
    linktype, records = read_pcap(tmp_path / "bridge.pcap")
    assert linktype == 195 and len(records) >= 5


def test_ns_for_host_address_answered() -> None:
    _, net, bridge = setup()
    node = net.nodes[0]
    target = ip.addr("fd00::1")
    ns = ip.icmpv6_packet(node.address, ip.solicited_node(target), ip.ICMP_NS, 0,
                          bytes(4) + target + bytes((1, 2)) + node.eui64 + bytes(6), hlim=255)
    node.send(ns)
    assert bridge.run_until(lambda: bridge.stats.na_sent == 1, 1.0)


def test_tx_status_timeout_and_queue_bound() -> None:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER)
    bridge = Bridge(net, lambda: emu.now, BridgeConfig(tx_window=1, max_tx_queue=4),
                    emulation=emu)  # type: ignore[arg-type]
    bridge.wait_ready(2.0)
    net.write = lambda data: None  # type: ignore[method-assign]  # the border node goes silent
    assert bridge.send_udp(ip.addr("fd00::212:4b00:0:1"), 7, bytes(10), 1000)
    assert not bridge.send_udp(ip.addr("fd00::212:4b00:0:1"), 7, bytes(1200), 1000)  # 13 frames > 4
    assert bridge.stats.tx_queue_overflow == 1
    bridge.run_until(lambda: False, 2.0)
    assert bridge.stats.tx_status_timeout >= 1
    assert bridge.stats.tx_no_route == 0
    assert not bridge.send_udp(ip.addr("2001:db8::1"), 7, b"x", 1000)  # off-link: no route
    assert bridge.stats.tx_no_route == 1


def test_asyncio_mode() -> None:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER)
    node = net.add_node(EUIS[0])
    bridge = Bridge(net, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]

    async def main() -> tuple[float, bytes]:
        loop = asyncio.get_running_loop()
        bridge.attach_loop(loop)
        # the fake radio runs in "emulation time"; in a real rig the VirtualTimeLoop drives it
        async def drive() -> None:
            while True:
                emu.run_until(lambda: False, 0.001)
                await asyncio.sleep(0)

        driver = asyncio.create_task(drive())
        try:
            await bridge.wait_ready_async(5.0)
            node.solicit()
            while node.prefix is None:
                await asyncio.sleep(0)
            rtt = await bridge.aping(node.address, 16)
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.bind(("::1", 0))
            s.setblocking(False)
            s.sendto(b"async", bridge.endpoint(node.address, 7))
            data = await asyncio.wait_for(loop.sock_recv(s, 100), 5.0)
            s.close()
            return rtt, data
        finally:
            driver.cancel()
            bridge.close()

    rtt, data = asyncio.run(main())
    assert rtt > 0 and data == b"async"


def test_slip_messages_are_framed_as_protocol_says() -> None:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER)
    written: list[bytes] = []
    original = net.write

    def spy(data: bytes) -> None:
        written.append(data)
        original(data)

    net.write = spy  # type: ignore[method-assign]
    bridge = Bridge(net, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]
    bridge.wait_ready(1.0)
    dec = slip.SlipDecoder()
    messages = [m for chunk in written for m in dec.feed(chunk)]
    assert messages[:3] == [b"!C\x1a", b"!P\xcd\xab", b"?M"]
    assert all(chunk.startswith(b"\xc0") and chunk.endswith(b"\xc0") for chunk in written)


def test_in_virtual_time_loop() -> None:
    from rig.vtime import VirtualTimeLoop

    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER)
    node = net.add_node(EUIS[0])
    bridge = Bridge(net, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]
    loop = VirtualTimeLoop(emu)  # type: ignore[arg-type]

    async def main() -> tuple[float, bytes, float]:
        bridge.attach_loop(loop)
        await bridge.wait_ready_async(5.0)
        node.solicit()
        assert await loop.wait_until(lambda: node.prefix is not None, 5.0)
        rtt = await bridge.aping(node.address, 16)
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.setblocking(False)
        started = loop.time()
        s.sendto(b"virtual", bridge.endpoint(node.address, 7))
        data = await asyncio.wait_for(loop.sock_recv(s, 100), 5.0)
        s.close()
        return rtt, data, loop.time() - started

    try:
        rtt, data, elapsed = loop.run_until_complete(main())
    finally:
        bridge.close()
        loop.close()
    assert data == b"virtual"
    assert 0.003 < rtt < 0.05 and 0.003 < elapsed < 0.05  # virtual seconds: the fake radio's latencies


def test_tcp_transport_for_renode_socket_terminal() -> None:
    from rig.net.transport import TcpTransport

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    peer, _ = listener.accept()
    emu = FakeClockEmulation()
    bridge = Bridge(transport, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]
    try:
        bridge.start()
        peer.settimeout(5)
        dec = slip.SlipDecoder()
        got: list[bytes] = []
        while len(got) < 3:
            got += dec.feed(peer.recv(100))
        assert got == [b"!C\x1a", b"!P\xcd\xab", b"?M"]
        peer.sendall(slip.encode(b"!M" + BORDER))
        fd = transport.fileno()
        assert fd is not None
        select.select([fd], [], [], 10)  # the bytes are on a real socket: wait until readable
        bridge.poll()
        assert bridge.eui64 == BORDER
    finally:
        bridge.close()
        peer.close()
        listener.close()


def test_missing_tcp_endpoint_is_a_clear_error() -> None:
    from rig.errors import ConfigError
    from rig.net.transport import TcpTransport

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConfigError, match="border node's UART"):
        TcpTransport("127.0.0.1", port, connect_timeout=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=5))
def test_bridge_survives_any_bytes_from_the_border_node(chunks: list[bytes]) -> None:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, BORDER)
    bridge = Bridge(net, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]
    try:
        bridge.start()
        net._deliver(slip.encode(b"!M" + BORDER))
        for chunk in chunks:
            net._deliver(chunk)  # raw garbage
            net.emit(b"R\x46\x64" + chunk)  # garbage as a received frame
        assert bridge.ready
    finally:
        bridge.close()


def test_serial_transport_on_a_pty() -> None:
    import os

    from rig.net.transport import SerialTransport

    master, slave = os.openpty()
    transport = SerialTransport(os.ttyname(slave))
    emu = FakeClockEmulation()
    bridge = Bridge(transport, lambda: emu.now, emulation=emu)  # type: ignore[arg-type]
    try:
        bridge.start()
        dec = slip.SlipDecoder()
        got: list[bytes] = []
        while len(got) < 3:
            select.select([master], [], [], 10)
            got += dec.feed(os.read(master, 100))
        assert got == [b"!C\x1a", b"!P\xcd\xab", b"?M"]
        os.write(master, slip.encode(b"!M" + BORDER))
        fd = transport.fileno()
        assert fd is not None
        select.select([fd], [], [], 10)
        bridge.poll()
        assert bridge.eui64 == BORDER
    finally:
        bridge.close()
        os.close(master)
        os.close(slave)


def test_border_reboot_reconfigures_radio() -> None:
    _, net, bridge = setup()
    net.channel, net.pan = 11, 0  # what a freshly booted border node has
    net.emit(b"LHello, slip-radio up")
    net.emit(b"!M" + BORDER)  # unsolicited at boot
    assert bridge.run_until(lambda: net.channel == 26 and net.pan == 0xABCD, 1.0)
    assert bridge.border_restarts == 1
    assert bridge.radio_log[-1][1] == "Hello, slip-radio up"
    assert bridge.ping(net.nodes[0].address) > 0


def test_cli_bridges_a_serial_dongle() -> None:
    import os
    import signal
    import subprocess
    import sys

    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rig.net", "--serial", os.ttyname(slave),
                             "--expose", "[fd00::212:4b00:0:1]:7"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    try:
        dec = slip.SlipDecoder()
        got: list[bytes] = []
        while b"?M" not in got:
            assert select.select([master], [], [], 20)[0], "the CLI never queried the dongle"
            got += dec.feed(os.read(master, 100))
        os.write(master, slip.encode(b"!M" + BORDER))
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "border radio 00:12:4b:00:00:00:00:ff ready"
        assert proc.stdout.readline().startswith("[fd00::212:4b00:0:1]:7 <-> [::1]:")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0


# --- tests added by the mutation audit ----------------------------------------------------------------


def test_port_map_applies_both_ways() -> None:
    server = udp_socket()
    port = server.getsockname()[1]
    _, net, bridge = setup(1, config=BridgeConfig(port_map={5683: port}))
    node = net.nodes[0]
    node.send_udp(ip.addr("fd00::1"), 40000, 5683, b"register")  # the firmware keeps port 5683
    got: list[tuple[bytes, tuple[str, int]]] = []

    def arrived() -> bool:
        try:
            data, remote = server.recvfrom(2048)
        except BlockingIOError:
            return False
        got.append((data, remote))
        return True

    assert bridge.run_until(arrived, 2.0)
    assert got[0][0] == b"register"
    server.sendto(b"created", got[0][1][:2])
    assert bridge.run_until(lambda: bool(node.received), 2.0)
    assert node.received[0] == (ip.addr("fd00::1"), 5683, b"created")  # from 5683, not the host's port


def test_a_reply_comes_from_the_address_the_node_talked_to() -> None:
    server = udp_socket()
    port = server.getsockname()[1]
    _, net, bridge = setup(1, config=BridgeConfig(extra_host_addresses=("fd00::2",)))
    node = net.nodes[0]
    node.send_udp(ip.addr("fd00::2"), 40001, port, b"to fd00::2")  # a second host address
    remote: list[tuple[str, int]] = []

    def arrived() -> bool:
        try:
            remote.append(server.recvfrom(2048)[1][:2])
        except BlockingIOError:
            return False
        return True

    assert bridge.run_until(arrived, 2.0)
    server.sendto(b"answer", remote[0])
    assert bridge.run_until(lambda: bool(node.received), 2.0)
    assert node.received[0] == (ip.addr("fd00::2"), port, b"answer")


def test_udp_to_an_address_that_is_no_host_is_dropped() -> None:
    # FOTA audit: a pull from coap://[fd00::99]/... or [2001:db8::1] reached the server anyway.
    server = udp_socket()
    port = server.getsockname()[1]
    _, net, bridge = setup(1)
    node = net.nodes[0]
    for dst in ("fd00::99", "2001:db8::1", "fd00::2"):
        node.send_udp(ip.addr(dst), 40002, port, dst.encode())
    node.send_udp(ip.addr("fd00::1"), 40002, port, b"server")
    got: list[bytes] = []

    def arrived() -> bool:
        data = recv_ready(server)
        if data is not None:
            got.append(data)
        return b"server" in got

    assert bridge.run_until(arrived, 2.0)
    bridge.run_until(lambda: False, 0.5)
    while (data := recv_ready(server)) is not None:
        got.append(data)
    assert got == [b"server"]
    assert bridge.stats.udp_no_host == 3
    # the router's link-local address is the host too
    node.send_udp(bridge.router_link_local, 40002, port, b"router")
    assert bridge.run_until(lambda: recv_ready(server) == b"router", 2.0)


def _sent_packets(bridge: Bridge) -> list[bytes]:
    sent: list[bytes] = []
    original = bridge.send_ipv6

    def record(packet: bytes) -> bool:
        sent.append(packet)
        return original(packet)

    bridge.send_ipv6 = record  # type: ignore[method-assign]
    return sent


def test_neighbor_solicitations_answered_only_for_host_addresses() -> None:
    _, net, bridge = setup(2)
    a, b = net.nodes
    sent = _sent_packets(bridge)
    # a resolves b's address: b answers for itself, the bridge must not claim it
    ns = ip.icmpv6_packet(a.address, ip.solicited_node(b.address), ip.ICMP_NS, 0,
                          bytes(4) + b.address + bytes((1, 2)) + a.eui64 + bytes(6), hlim=255)
    a.send(ns)
    bridge.run_until(lambda: False, 0.5)
    assert bridge.stats.na_sent == 0 and sent == []
    # duplicate address detection (source ::) for the host's address: an unsolicited NA to all nodes
    host = ip.addr("fd00::1")
    dad = ip.icmpv6_packet(ip.UNSPECIFIED, ip.solicited_node(host), ip.ICMP_NS, 0, bytes(4) + host, hlim=255)
    a.send(dad)
    assert bridge.run_until(lambda: bridge.stats.na_sent == 1, 1.0)
    na = ip.parse_ipv6(sent[-1])
    assert na.dst == ip.ALL_NODES and na.payload[0] == ip.ICMP_NA
    assert na.payload[4] & 0x40 == 0  # Solicited flag clear (RFC 4861 7.2.4)
    assert na.payload[8:24] == host
    assert bridge.nodes[a.eui64] == a.address  # a packet from :: does not overwrite what a node is known by


def test_routing_between_nodes_decrements_the_hop_limit_and_drops_at_one() -> None:
    _, net, bridge = setup(2)
    a, b = net.nodes
    sent = _sent_packets(bridge)
    a.send(ip.udp_packet(a.address, b.address, 7000, 7001, b"hop", hlim=5))
    assert bridge.run_until(lambda: bool(b.received), 1.0)
    assert b.received[0] == (a.address, 7000, b"hop")
    assert sent[-1][7] == 4 and bridge.stats.routed_between_nodes == 1
    a.send(ip.udp_packet(a.address, b.address, 7000, 7001, b"last hop", hlim=1))
    bridge.run_until(lambda: False, 0.5)
    assert len(b.received) == 1 and bridge.stats.routed_between_nodes == 1  # hop limit 1: not forwarded


def test_link_local_destinations_get_the_routers_link_local_source() -> None:
    _, net, bridge = setup(1)
    node = net.nodes[0]
    sent = _sent_packets(bridge)
    bridge.send_ping(ip.link_local(node.eui64))
    assert ip.parse_ipv6(sent[-1]).src == bridge.router_link_local
    bridge.send_ping(node.address)
    assert ip.parse_ipv6(sent[-1]).src == ip.addr("fd00::1")


def test_unsolicited_router_advertisements_repeat() -> None:
    _, _, bridge = setup(1, config=BridgeConfig(ra_interval=1.0))
    before = bridge.stats.ra_sent
    bridge.run_until(lambda: False, 3.5)
    assert bridge.stats.ra_sent - before >= 3


def test_echo_request_to_the_host_is_answered_with_its_data() -> None:
    _, net, bridge = setup(1)
    node = net.nodes[0]
    sent = _sent_packets(bridge)
    body = bytes((0x12, 0x34, 0x00, 0x07)) + bytes(range(40))
    node.send(ip.icmpv6_packet(node.address, ip.addr("fd00::1"), ip.ICMP_ECHO_REQUEST, 0, body))
    assert bridge.run_until(lambda: bridge.stats.echo_replies_sent == 1, 1.0)
    reply = ip.parse_ipv6(sent[-1])
    assert reply.src == ip.addr("fd00::1") and reply.dst == node.address
    assert reply.payload[0] == ip.ICMP_ECHO_REPLY and reply.payload[4:] == body


def test_only_replies_to_our_own_pings_count() -> None:
    _, net, bridge = setup(1)
    node = net.nodes[0]
    seq = bridge.send_ping(ip.addr("fd00::dead"))  # nobody answers this one
    foreign = ip.icmpv6_packet(node.address, ip.addr("fd00::1"), ip.ICMP_ECHO_REPLY, 0,
                               bytes((0x00, 0x01)) + seq.to_bytes(2, "big") + bytes(8))  # other identifier
    node.send(foreign)
    bridge.run_until(lambda: False, 0.5)
    assert bridge.stats.pings_answered == 0 and bridge.ping_rtt(seq) is None


def test_multicast_udp_from_a_node_is_not_given_to_the_host() -> None:
    server = udp_socket()
    port = server.getsockname()[1]
    _, net, bridge = setup(1)
    net.nodes[0].send_udp(ip.addr("ff02::1"), 5000, port, b"to everyone")
    bridge.run_until(lambda: False, 0.5)
    assert recv_ready(server) is None
    assert bridge.stats.rx_unhandled == 1 and bridge.stats.udp_to_host == 0


def test_retries_count_only_repeated_attempts() -> None:
    _, net, bridge = setup(1)
    bridge.ping(net.nodes[0].address)
    assert bridge.stats.tx_ok >= 1 and bridge.stats.tx_retries == 0  # lossless: every frame went first time


def test_echo_request_to_a_multicast_group_is_answered_from_a_unicast_address() -> None:
    _, net, bridge = setup(1)
    node = net.nodes[0]
    sent = _sent_packets(bridge)
    node.send(ip.icmpv6_packet(node.address, ip.ALL_NODES, ip.ICMP_ECHO_REQUEST, 0, bytes(8)))
    assert bridge.run_until(lambda: bridge.stats.echo_replies_sent == 1, 1.0)
    assert ip.parse_ipv6(sent[-1]).src == ip.addr("fd00::1")  # never from ff02::1


@pytest.mark.parametrize(("setting", "value"), [("channel", 10), ("channel", 27), ("pan_id", 0xFFFF)])
def test_bad_bridge_settings_are_config_errors(setting: str, value: int) -> None:
    from rig.errors import ConfigError

    with pytest.raises(ConfigError):
        BridgeConfig(**{setting: value}).check()  # type: ignore[arg-type]


def test_duplicate_address_detection_of_a_new_node_is_not_answered() -> None:
    _, net, bridge = setup(1)
    fresh = net.add_node(EUIS[1])  # not heard from yet: the bridge does not know it is a node
    fresh.prefix, fresh.router = net.nodes[0].prefix, net.nodes[0].router
    fresh.contexts.update(net.nodes[0].contexts)
    tentative = fresh.address
    dad = ip.icmpv6_packet(ip.UNSPECIFIED, ip.solicited_node(tentative), ip.ICMP_NS, 0, bytes(4) + tentative, hlim=255)
    fresh.send(dad)
    bridge.run_until(lambda: False, 0.5)
    assert bridge.stats.na_sent == 0  # answering would tell the node its own address is taken
