"""Host codecs: SLIP, IEEE 802.15.4, 6LoWPAN IPHC + fragmentation; scapy and tshark as oracles."""

from __future__ import annotations

import contextlib
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rig.net import ieee802154 as mac
from rig.net import ipv6 as ip
from rig.net import sixlowpan as lowpan
from rig.net import slip
from rig.net.pcap import LINKTYPE_IEEE802_15_4_WITHFCS, PcapWriter, read_pcap

CTX = lowpan.default_contexts("fd00::/64")
EUI_A = bytes.fromhex("00124b0000000001")
EUI_B = bytes.fromhex("00124b0000000002")
PAN = 0xABCD

# --- SLIP ------------------------------------------------------------------------------------------------


@given(st.lists(st.binary(min_size=1, max_size=300), max_size=8), st.integers(1, 50))
def test_slip_round_trip_any_split(frames: list[bytes], chunk: int) -> None:
    stream = b"".join(slip.encode(f) for f in frames)
    dec = slip.SlipDecoder(max_frame=300)
    out: list[bytes] = []
    for i in range(0, len(stream), chunk):
        out += dec.feed(stream[i : i + chunk])
    assert out == frames
    assert dec.stats.frames == len(frames)


def test_slip_escapes() -> None:
    assert slip.encode(b"\xc0\xdb") == b"\xc0\xdb\xdc\xdb\xdd\xc0"


def test_slip_garbage_and_errors_counted() -> None:
    dec = slip.SlipDecoder(max_frame=10)
    stream = b"\xdb\x01junk\xc0" + slip.encode(b"ok") + b"\xc0" + b"x" * 40 + b"\xc0" + slip.encode(b"ok2")
    out = dec.feed(stream)
    assert out == [b"ok", b"ok2"]
    assert dec.stats.bad_escape == 1
    assert dec.stats.oversize == 1
    assert dec.stats.bytes_dropped == 6 + 40  # the bad-escape frame and the oversize one, all counted
    # a long run with no END at all stays bounded and is dropped when the END finally comes
    assert dec.feed(b"y" * 10_000) == []
    assert len(dec._buf) <= 22
    assert dec.feed(b"\xc0" + slip.encode(b"fine")) == [b"fine"]
    assert dec.stats.oversize == 2
    assert dec.feed(b"\xc0abc\xdb") == [] and dec.feed(b"\xc0") == []
    assert dec.stats.bad_escape == 2


@given(st.binary(max_size=2000))
def test_slip_decoder_never_crashes(data: bytes) -> None:
    dec = slip.SlipDecoder(max_frame=140)
    for f in dec.feed(data):
        assert 0 < len(f) <= 140


# --- IEEE 802.15.4 -----------------------------------------------------------------------------------------

addresses = st.one_of(st.none(), st.integers(0, 0xFFFF), st.binary(min_size=8, max_size=8))


@given(addresses, addresses, st.binary(max_size=80), st.integers(0, 255), st.booleans(), st.booleans(),
       st.integers(0, 0xFFFF), st.one_of(st.none(), st.integers(0, 0xFFFF)))
def test_mac_round_trip(dst: mac.Address, src: mac.Address, payload: bytes, seq: int, ar: bool, pend: bool,
                        dpan: int, span: int | None) -> None:
    frame = mac.Frame(seq=seq, dst_pan=dpan if dst is not None else None, dst=dst, src=src,
                      src_pan=span if src is not None else None, payload=payload, ack_request=ar,
                      frame_pending=pend)
    if dst is None and src is not None and span is None:
        frame.src_pan = 0x1234
    raw = mac.build(frame)
    back = mac.parse(raw)
    assert back.dst == dst and back.src == src and back.payload == payload and back.seq == seq
    assert back.ack_request == ar and back.frame_pending == pend
    assert back.pan_id == frame.pan_id
    assert mac.check_fcs(raw)


def test_mac_errors() -> None:
    good = mac.build(mac.Frame(seq=1, dst_pan=PAN, dst=EUI_B, src=EUI_A, payload=b"abc"))
    with pytest.raises(mac.FrameError, match="bad FCS"):
        mac.parse(good[:-1] + bytes((good[-1] ^ 1,)))
    with pytest.raises(mac.FrameError, match="truncated"):
        mac.parse(good[:8] + mac.fcs_bytes(good[:8]))
    with pytest.raises(mac.FrameError, match="too short"):
        mac.parse(b"\x01")
    with pytest.raises(mac.FrameError, match="reserved addressing"):
        mac.parse(b"\x41\x04\x01" + mac.fcs_bytes(b"\x41\x04\x01"))
    with pytest.raises(mac.FrameError, match="127"):
        mac.build(mac.Frame(dst_pan=PAN, dst=1, src=2, payload=bytes(120)))


def test_mac_against_scapy() -> None:
    from scapy.layers.dot15d4 import Dot15d4FCS

    raw = mac.build(mac.Frame(seq=9, dst_pan=PAN, dst=EUI_B, src=EUI_A, payload=b"xyz", ack_request=True))
    p = Dot15d4FCS(raw)
    assert p.fcf_ackreq == 1 and p.seqnum == 9 and p.fcf_panidcompress == 1
    assert p.dest_panid == PAN
    assert p.dest_addr == int.from_bytes(EUI_B, "big") and p.src_addr == int.from_bytes(EUI_A, "big")
    assert p.compute_fcs(raw[:-2]) == raw[-2:]
    assert mac.ack_frame(9) == bytes(Dot15d4FCS(fcf_frametype=2, seqnum=9, fcf_panidcompress=0,
                                                 fcf_destaddrmode=0, fcf_srcaddrmode=0, fcf_framever=0))


# --- IPHC ----------------------------------------------------------------------------------------------

mac_addrs = st.one_of(st.integers(0, 0xFFFE), st.binary(min_size=8, max_size=8))


@st.composite
def unicast_for(draw: st.DrawFn, mac_addr: mac.Address) -> bytes:
    kinds = ["ll-mac", "ll-short", "ll-iid", "ctx-mac", "ctx-iid", "ctx-short", "global"]
    kind = draw(st.sampled_from(kinds))
    iid = lowpan.mac_iid(mac_addr) if isinstance(mac_addr, (int, bytes)) else bytes(8)
    if kind == "ll-mac":
        return b"\xfe\x80" + bytes(6) + iid
    if kind == "ll-short":
        return b"\xfe\x80" + bytes(6) + b"\x00\x00\x00\xff\xfe\x00" + draw(st.binary(min_size=2, max_size=2))
    if kind == "ll-iid":
        return b"\xfe\x80" + bytes(6) + draw(st.binary(min_size=8, max_size=8))
    prefix = ip.addr("fd00::")[:8]
    if kind == "ctx-mac":
        return prefix + iid
    if kind == "ctx-short":
        return prefix + b"\x00\x00\x00\xff\xfe\x00" + draw(st.binary(min_size=2, max_size=2))
    if kind == "ctx-iid":
        return prefix + draw(st.binary(min_size=8, max_size=8))
    return b"\x20\x01\x0d\xb8" + draw(st.binary(min_size=12, max_size=12))


multicast = st.one_of(
    st.binary(min_size=1, max_size=1).map(lambda b: b"\xff\x02" + bytes(13) + b),
    st.binary(min_size=4, max_size=4).map(lambda b: b"\xff" + b[:1] + bytes(11) + b[1:]),
    st.binary(min_size=6, max_size=6).map(lambda b: b"\xff" + b[:1] + bytes(9) + b[1:]),
    st.binary(min_size=15, max_size=15).map(lambda b: b"\xff" + b),
)


@st.composite
def packets(draw: st.DrawFn) -> tuple[bytes, lowpan.MacAddress, lowpan.MacAddress]:
    smac = draw(mac_addrs)
    dmac = draw(mac_addrs)
    src = draw(st.one_of(unicast_for(smac), st.just(bytes(16))))
    dst = draw(st.one_of(unicast_for(dmac), multicast))
    hlim = draw(st.sampled_from([1, 64, 255, 17]))
    tc = draw(st.sampled_from([0, 0xB8, 0x03, 0x01, 0xFF]))
    flow = draw(st.sampled_from([0, 1, 0xFFFFF, 0x12345]))
    data = draw(st.binary(max_size=1200))
    if draw(st.booleans()):
        sport = draw(st.sampled_from([5683, 0xF0B3, 0xF012, 7, 61616]))
        dport = draw(st.sampled_from([5683, 0xF0B5, 0xF0AA, 7, 0xF0BF]))
        pkt = ip.udp_packet(src, dst, sport, dport, data, hlim)
    else:
        nh = draw(st.sampled_from([58, 6, 0, 17]))
        pkt = ip.IPv6(src, dst, nh, data, hlim).build()
    first = (6 << 28) | (tc << 20) | flow
    pkt = first.to_bytes(4, "big") + pkt[4:]
    return pkt, smac, dmac


@settings(max_examples=300)
@given(packets())
def test_iphc_round_trip(case: tuple[bytes, lowpan.MacAddress, lowpan.MacAddress]) -> None:
    pkt, smac, dmac = case
    comp, n = lowpan.compress(pkt, smac, dmac, CTX)
    assert len(comp) <= n + 7  # never much worse than inline
    assert lowpan.decompress_packet(comp + pkt[n:], smac, dmac, CTX) == pkt


@settings(max_examples=200)
@given(packets(), st.integers(60, 110), st.randoms(use_true_random=False), st.integers(0, 0xFFFF))
def test_fragment_round_trip_any_order(case: tuple[bytes, lowpan.MacAddress, lowpan.MacAddress], room: int,
                                       rnd: random.Random, tag: int) -> None:
    pkt, smac, dmac = case
    frags = lowpan.fragment(pkt, smac, dmac, CTX, room, tag)
    assert all(len(f) <= room for f in frags)
    first, rest = frags[:1], frags[1:]
    rnd.shuffle(rest)
    order = first + rest if rnd.random() < 0.5 else rest + first
    r = lowpan.Reassembler(CTX)
    results = [r.feed(f, smac, dmac, 0.0) for f in order]
    assert results[-1] == pkt
    assert all(x is None for x in results[:-1])
    if len(frags) > 1:
        # every fragment but the last carries a multiple of 8 uncompressed bytes
        assert r.stats.reassembled == 1 and r.in_progress == 0


def test_compression_choices() -> None:
    src = ip.with_prefix(ip.addr("fd00::"), EUI_A)
    pkt = ip.udp_packet(src, ip.addr("fd00::1"), 0xF0B1, 0xF0B2, b"")
    comp, n = lowpan.compress(pkt, EUI_A, EUI_B, CTX)
    # IPHC 2 bytes, SAC/SAM=11 (from MAC), DAC/DAM=01 (8-byte IID inline), UDP NHC P=11, checksum
    assert comp[:2] == bytes((0x7E, 0x75)) and len(comp) == 2 + 8 + 2 + 2 and n == 48
    ll = ip.icmpv6_packet(ip.link_local(EUI_A), ip.ALL_ROUTERS, ip.ICMP_RS, 0, bytes(4), hlim=255)
    comp, n = lowpan.compress(ll, EUI_A, 0xFFFF, CTX)
    assert comp == bytes((0x7B, 0x3B, 58, 0x02)) and n == 40  # SAM=11, M=1 DAM=11 ff02::2
    ctx1 = {**CTX, 1: lowpan.Context.from_text("2001:db8:1::/48")}
    far = ip.udp_packet(ip.addr("2001:db8:1:0:212:4b00:0:1"), src, 1, 2, b"")
    comp, _ = lowpan.compress(far, EUI_A, EUI_B, ctx1)
    assert comp[1] & 0x80 and comp[2] == 0x10  # CID byte: SCI=1, DCI=0
    assert lowpan.decompress_packet(comp + far[48:], EUI_A, EUI_B, ctx1) == far


def test_malformed_iphc_raises_clear_errors() -> None:
    src = ip.with_prefix(ip.addr("fd00::"), EUI_A)
    pkt = ip.udp_packet(src, ip.addr("fd00::1"), 5683, 5683, b"payload")
    comp, n = lowpan.compress(pkt, EUI_A, EUI_B, CTX)
    for cut in range(len(comp)):
        with pytest.raises(lowpan.LowpanError):
            lowpan.decompress_packet(comp[:cut], EUI_A, EUI_B, CTX)
    with pytest.raises(lowpan.LowpanError, match="unknown context"):
        lowpan.decompress_packet(comp + pkt[n:], EUI_A, EUI_B, {})
    with pytest.raises(lowpan.LowpanError, match="dispatch"):
        lowpan.decompress_packet(b"\x01\x02", EUI_A, EUI_B, CTX)
    with pytest.raises(lowpan.LowpanError, match="NHC"):
        lowpan.decompress_packet(bytes((0x7E, 0x33, 0xE0)), EUI_A, EUI_B, CTX)


@given(st.binary(max_size=200))
def test_reassembler_never_crashes(data: bytes) -> None:
    r = lowpan.Reassembler(CTX, max_datagrams=2)
    try:
        out = r.feed(data, EUI_A, EUI_B, 0.0)
    except lowpan.LowpanError:
        assert sum(r.stats.errors.values()) == 1
        return
    assert out is None or isinstance(out, bytes)


def _big_packet(size: int = 500) -> bytes:
    src = ip.with_prefix(ip.addr("fd00::"), EUI_A)
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    return ip.udp_packet(src, ip.addr("fd00::1"), 5683, 5683, data)


def test_reassembly_timeout_missing_overlap_duplicate_bounds() -> None:
    pkt = _big_packet()
    frags = lowpan.fragment(pkt, EUI_A, EUI_B, CTX, 104, 0x55)
    r = lowpan.Reassembler(CTX, timeout=8.0, max_datagrams=2)
    # missing fragment: times out on the virtual clock
    for f in frags[:-1]:
        assert r.feed(f, EUI_A, EUI_B, 1.0) is None
    assert r.in_progress == 1
    r.expire(9.5)
    assert r.stats.timeouts == 1 and r.in_progress == 0
    # duplicate fragment (MAC retransmission) is ignored
    out = None
    for f in [frags[0], frags[1], frags[1], *frags[2:]]:
        out = r.feed(f, EUI_A, EUI_B, 20.0) or out
    assert out == pkt and r.stats.duplicates == 1
    # overlapping fragment: offset shifted by 8 drops the datagram
    r.feed(frags[0], EUI_A, EUI_B, 30.0)
    bad = bytearray(frags[1])
    bad[4] -= 1
    with pytest.raises(lowpan.LowpanError, match="overlaps"):
        r.feed(bytes(bad), EUI_A, EUI_B, 30.0)
    assert r.stats.overlaps == 1 and r.in_progress == 0
    # same offset, different content
    r.feed(frags[1], EUI_A, EUI_B, 31.0)
    changed = frags[1][:-1] + bytes((frags[1][-1] ^ 0xFF,))
    with pytest.raises(lowpan.LowpanError, match="differs"):
        r.feed(changed, EUI_A, EUI_B, 31.0)
    # beyond the datagram size
    beyond = bytearray(frags[-1])
    beyond[4] = 250
    with pytest.raises(lowpan.LowpanError, match="beyond"):
        r.feed(bytes(beyond), EUI_A, EUI_B, 32.0)
    assert r.stats.out_of_bounds == 1
    # bounded: a third datagram in progress evicts the oldest
    for tag in (1, 2, 3):
        r.feed(lowpan.fragment(pkt, EUI_A, EUI_B, CTX, 104, tag)[0], EUI_A, EUI_B, 40.0)
    assert r.in_progress == 2 and r.stats.evicted == 1
    assert sum(r.stats.errors.values()) == 3


# --- scapy and tshark as oracles ---------------------------------------------------------------------------


def _frame(payload: bytes, src: mac.Address = EUI_A, dst: mac.Address = EUI_B, seq: int = 1) -> bytes:
    return mac.build(mac.Frame(seq=seq, dst_pan=PAN, dst=dst, src=src, payload=payload,
                               ack_request=dst != 0xFFFF))


def test_iphc_link_local_against_scapy() -> None:
    from scapy.config import conf

    conf.dot15d4_protocol = "sixlowpan"  # type: ignore[assignment]
    from scapy.layers.dot15d4 import Dot15d4FCS
    from scapy.layers.inet6 import UDP, IPv6

    cases: list[tuple[bytes, bytes, int, int, lowpan.MacAddress]] = [
        (ip.link_local(EUI_A), ip.link_local(EUI_B), 61616, 7, EUI_B),
        (ip.link_local(EUI_A), ip.addr("fe80::1234"), 5683, 0xF0B1, EUI_B),
        (ip.link_local(EUI_A), ip.addr("ff02::1"), 0xF0B3, 0xF0B4, 0xFFFF),
        (ip.addr("fe80::ff:fe00:7"), ip.addr("ff05::1:3"), 1000, 2000, 0xFFFF),
    ]
    for src, dst, sport, dport, dmac in cases:
        pkt = ip.udp_packet(src, dst, sport, dport, b"scapy")
        comp, n = lowpan.compress(pkt, EUI_A, dmac, CTX)
        p = Dot15d4FCS(_frame(comp + pkt[n:], dst=dmac))
        assert p[IPv6].src == ip.addr_text(src)
        assert p[IPv6].dst == ip.addr_text(dst)
        checksum = int.from_bytes(pkt[46:48], "big")
        assert (p[UDP].sport, p[UDP].dport, p[UDP].chksum) == (sport, dport, checksum)
        assert bytes(p[UDP].payload) == b"scapy"
    # scapy-built (inline, no automatic compression) frames decode with our codec
    from scapy.layers.sixlowpan import LoWPAN_IPHC

    hdr = LoWPAN_IPHC(tf=3, nh=0, hlim=2, cid=0, sac=0, sam=0, m=0, dac=0, dam=0,
                      src="fe80::1", dst="fe80::2", nhField=17)
    built = bytes(hdr) + bytes(UDP(sport=1, dport=2, len=8, chksum=0x1234))
    ours = lowpan.decompress_packet(built, EUI_A, EUI_B, CTX)
    parsed = ip.parse_ipv6(ours)
    assert parsed.src == ip.addr("fe80::1") and parsed.nh == 17 and parsed.payload[:4] == b"\x00\x01\x00\x02"


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_pcap_decodes_in_tshark(tmp_path: Path) -> None:
    path = tmp_path / "net.pcap"
    node = ip.with_prefix(ip.addr("fd00::"), EUI_A)
    server = ip.addr("fd00::1")
    expected = []
    with PcapWriter(path, LINKTYPE_IEEE802_15_4_WITHFCS) as w:
        seq = 0
        for size, sport, dport in [(10, 5683, 5683), (500, 5683, 61000), (1200, 7, 0xF0B1)]:
            pkt = ip.udp_packet(node, server, sport, dport, bytes(size))
            for frag in lowpan.fragment(pkt, EUI_A, EUI_B, CTX, 125 - 21, tag=size):
                seq += 1
                w.write(_frame(frag, seq=seq), seq * 0.01)
            expected.append(f"{ip.addr_text(node)}\t{ip.addr_text(server)}\t{dport}")
    assert read_pcap(path)[0] == 195
    out = subprocess.run(
        ["tshark", "-r", str(path), "-o", "6lowpan.context0:fd00::/64", "-Y", "udp",
         "-T", "fields", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "udp.dstport"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split("\n")
    assert [line for line in out if line] == expected


# --- the shared vectors (firmware-c/tests/vectors, also checked by the C codec) ----------------------------

VECTORS = Path(__file__).resolve().parents[1] / "firmware-c" / "tests" / "vectors" / "iphc.txt"


def _mac(text: str) -> lowpan.MacAddress:
    return int(text, 16) if len(text) == 4 else bytes.fromhex(text)


Vector = tuple[str, lowpan.MacAddress, lowpan.MacAddress, dict[int, lowpan.Context], bytes, bytes, str]


def _vectors() -> list[Vector]:
    if not VECTORS.exists():
        return []
    out: list[Vector] = []
    for line in VECTORS.read_text().splitlines():
        body, _, comment = line.partition("#")
        fields = body.split()
        if not fields:
            continue
        kind, smac, dmac, ctx, comp, pkt = fields
        contexts = {} if ctx == "-" else {0: lowpan.Context(bytes.fromhex(ctx) + bytes(8), 64)}
        out.append((kind, _mac(smac), _mac(dmac), contexts, bytes.fromhex(comp), bytes.fromhex(pkt),
                    comment.strip()))
    return out


@pytest.mark.skipif(not VECTORS.exists(), reason="shared vectors not generated yet")
@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v[6][:50])
def test_shared_iphc_vectors(vector: Vector) -> None:
    kind, smac, dmac, contexts, comp, pkt, _ = vector
    assert lowpan.decompress_packet(comp, smac, dmac, contexts) == pkt
    if kind == "both":
        head, n = lowpan.compress(pkt, smac, dmac, contexts)
        assert head + pkt[n:] == comp


@given(st.binary(max_size=140), st.booleans())
def test_mac_parse_only_raises_frame_error(data: bytes, has_fcs: bool) -> None:
    with contextlib.suppress(mac.FrameError):
        mac.parse(data, has_fcs=has_fcs, check=False)


def test_fragment_needs_room_for_headers() -> None:
    pkt = ip.udp_packet(ip.addr("2001:db8::1"), ip.addr("2001:db8::2"), 1, 2, bytes(300))
    with pytest.raises(lowpan.LowpanError, match="too small"):
        lowpan.fragment(pkt, EUI_A, EUI_B, CTX, 40, 1)
    with pytest.raises(lowpan.LowpanError, match="2047"):
        huge = ip.udp_packet(ip.addr("fe80::1"), ip.addr("fe80::2"), 1, 2, bytes(2100))
        lowpan.fragment(huge, EUI_A, EUI_B, CTX, 104, 1)


def test_slip_buffer_bound_holds_byte_by_byte() -> None:
    dec = slip.SlipDecoder(max_frame=10)
    for _ in range(50):  # a UART delivers bytes one at a time: the bound must hold per byte, not per call
        dec.feed(b"z")
        assert len(dec._buf) <= 22
    assert dec.feed(b"\xc0" + slip.encode(b"ok")) == [b"ok"] and dec.stats.oversize == 1


def test_slip_frame_of_exactly_max_frame_is_delivered() -> None:
    dec = slip.SlipDecoder(max_frame=10)
    assert dec.feed(slip.encode(b"\xc0" * 10) + slip.encode(b"x" * 11)) == [b"\xc0" * 10]
    assert dec.stats.oversize == 1


def test_mac_frame_size_limit_is_127_bytes_exactly() -> None:
    frame = mac.Frame(dst_pan=PAN, dst=1, src=2, payload=bytes(116))  # 9 header + 116 + 2 FCS
    raw = mac.build(frame)
    assert len(raw) == 127 and mac.parse(raw).payload == bytes(116)
    body = raw[:-2] + b"\x00"
    with pytest.raises(mac.FrameError, match="exceeds 127"):
        mac.parse(body + mac.fcs_bytes(body))


def _with_fcs(body: bytes) -> bytes:
    return body + mac.fcs_bytes(body)


@pytest.mark.parametrize(
    ("fcf", "rest", "message"),
    [
        (0x2041, b"\xcd\xab\x01\x00", "unsupported frame version 2"),  # version bits 12-13 = 2
        (0x4001, b"\xcd\xab\x01\x00", "reserved addressing mode"),  # source mode 01
        (0x8041, b"\x01\x00", "PAN ID compression without a destination"),  # src short, no dst, compressed
    ],
)
def test_mac_rejects_reserved_header_fields(fcf: int, rest: bytes, message: str) -> None:
    with pytest.raises(mac.FrameError, match=message):
        mac.parse(_with_fcs(fcf.to_bytes(2, "little") + b"\x07" + rest))


def test_mac_ack_frame_pending_and_header_lengths() -> None:
    ack = mac.parse(mac.ack_frame(7, pending=True))
    assert ack.frame_type == mac.FRAME_ACK and ack.seq == 7 and ack.frame_pending
    assert not mac.parse(mac.ack_frame(7)).frame_pending
    assert mac.header_length(mac.ADDR_EXT, mac.ADDR_EXT) == 21
    assert mac.header_length(mac.ADDR_SHORT, mac.ADDR_EXT) == 15
    assert mac.header_length(mac.ADDR_NONE, mac.ADDR_SHORT) == 7  # no destination: source PAN is sent
    assert mac.header_length(mac.ADDR_SHORT, mac.ADDR_SHORT, pan_compression=False) == 11


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x7b\x34\x3a" + bytes(16), "reserved destination address mode"),  # M=0 DAC=1 DAM=00
        (b"\x7b\x3c\x3a" + bytes(16), "DAC=1, M=1"),  # unicast-prefix-based multicast
    ],
)
def test_iphc_rejects_reserved_and_unsupported_modes(data: bytes, message: str) -> None:
    with pytest.raises(lowpan.LowpanError, match=message):
        lowpan.decompress_packet(data, EUI_A, EUI_B, CTX)


def _frag1(size: int, iphc: bytes) -> bytes:
    return (0xC000 | size).to_bytes(2, "big") + b"\x00\x07" + iphc


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        # FRAG1 of a 100-byte datagram whose UDP checksum is cut after one byte
        (_frag1(100, bytes((0x7E, 0x77, 0xF0)) + b"\x16\x33\x16\x33\xcf"), "UDP NHC fields truncated"),
        # FRAG1 whose UDP checksum is elided (C=1): it cannot be recomputed from a first fragment
        (_frag1(100, bytes((0x7E, 0x77, 0xF4)) + b"\x16\x33\x16\x33" + bytes(40)), "elided UDP checksum"),
        # FRAG1 naming a 44-byte datagram, too small for the IPv6 and UDP headers it carries
        (_frag1(44, bytes((0x7E, 0x77, 0xF0)) + b"\x16\x33\x16\x33\xcf\x24"), "too small for its headers"),
        # FRAGN at offset 0 of a 16-byte "datagram": smaller than an IPv6 header
        ((0xE000 | 16).to_bytes(2, "big") + b"\x00\x07\x00" + bytes(16), "size 16 out of range"),
        # FRAGN at offset 0 of a 100-byte datagram: offset 0 belongs to the FRAG1 (RFC 4944 5.3)
        ((0xE000 | 100).to_bytes(2, "big") + b"\x00\x07\x00" + bytes(48), "FRAGN at offset 0"),
        # a fragment that does not end the datagram, 13 bytes long: not on an 8-byte boundary
        ((0xE000 | 100).to_bytes(2, "big") + b"\x00\x07\x01" + bytes(13), "only the last one may end"),
    ],
)
def test_reassembler_rejects_bad_first_fragments(frame: bytes, message: str) -> None:
    r = lowpan.Reassembler(CTX)
    with pytest.raises(lowpan.LowpanError, match=message):
        r.feed(frame, EUI_A, EUI_B, 0.0)
    assert sum(r.stats.errors.values()) == 1


def test_fragment_only_when_it_does_not_fit() -> None:
    pkt = _big_packet(200)
    comp, n = lowpan.compress(pkt, EUI_A, EUI_B, CTX)
    exact = len(comp) + len(pkt) - n
    assert lowpan.fragment(pkt, EUI_A, EUI_B, CTX, exact, 1) == [comp + pkt[n:]]
    assert len(lowpan.fragment(pkt, EUI_A, EUI_B, CTX, exact - 1, 1)) > 1


def test_reassembly_evicts_the_oldest_datagram() -> None:
    pkt = _big_packet()
    r = lowpan.Reassembler(CTX, max_datagrams=2)
    by_tag = {tag: lowpan.fragment(pkt, EUI_A, EUI_B, CTX, 104, tag) for tag in (1, 2, 3)}
    for tag in (1, 2, 3):
        assert r.feed(by_tag[tag][0], EUI_A, EUI_B, 0.0) is None
    assert r.stats.evicted == 1
    for tag in (2, 3):  # the two newest are still complete-able
        results = [r.feed(f, EUI_A, EUI_B, 0.0) for f in by_tag[tag][1:]]
        assert results[-1] == pkt
    assert [r.feed(f, EUI_A, EUI_B, 0.0) for f in by_tag[1][1:]][-1] is None  # tag 1 was dropped


def test_reassembly_keeps_senders_apart() -> None:
    # two nodes fragmenting at the same time with the same tag and size (tags are per sender)
    node_b = 0x0002
    pkt_a = _big_packet()
    pkt_b = ip.udp_packet(ip.addr("fd00::ff:fe00:2"), ip.addr("fd00::1"), 5683, 5683, bytes(len(pkt_a) - 48))
    frags_a = lowpan.fragment(pkt_a, EUI_A, EUI_B, CTX, 104, 9)
    frags_b = lowpan.fragment(pkt_b, node_b, EUI_B, CTX, 104, 9)
    assert len(pkt_a) == len(pkt_b) and len(frags_a) == len(frags_b)
    r = lowpan.Reassembler(CTX)
    done = []
    for fa, fb in zip(frags_a, frags_b, strict=True):
        done += [p for p in (r.feed(fa, EUI_A, EUI_B, 0.0), r.feed(fb, node_b, EUI_B, 0.0)) if p]
    assert done == [pkt_a, pkt_b] and r.stats.overlaps == 0


def test_mac_parse_without_fcs_check_and_truncated_source_pan() -> None:
    good = mac.build(mac.Frame(seq=1, dst_pan=PAN, dst=EUI_B, src=EUI_A, payload=b"abc"))
    assert mac.parse(good[:-1] + bytes((good[-1] ^ 1,)), check=False).payload == b"abc"  # sniffer: keep bad FCS
    with pytest.raises(mac.FrameError, match="truncated source PAN ID"):
        mac.parse(b"\x01\x80\x07\xcd", has_fcs=False)  # source short address, no destination, 1 PAN byte


def test_compress_refuses_a_packet_whose_length_field_lies() -> None:
    pkt = bytearray(ip.udp_packet(ip.addr("fe80::1"), ip.addr("fe80::2"), 1, 2, b"data"))
    pkt[5] += 1  # IPv6 payload length one more than the packet carries (the length is elided on air)
    with pytest.raises(lowpan.LowpanError, match="payload length does not match"):
        lowpan.compress(bytes(pkt), EUI_A, EUI_B, CTX)


def test_reassembly_of_an_uncompressed_ipv6_first_fragment() -> None:
    pkt = _big_packet(200)
    size, tag = len(pkt), 0x77
    frag1 = struct.pack(">HH", 0xC000 | size, tag) + bytes((lowpan.DISPATCH_IPV6,)) + pkt[:96]
    fragn = struct.pack(">HHB", 0xE000 | size, tag, 96 // 8) + pkt[96:]
    r = lowpan.Reassembler(CTX)
    assert r.feed(frag1, EUI_A, EUI_B, 0.0) is None
    assert r.feed(fragn, EUI_A, EUI_B, 0.0) == pkt
    with pytest.raises(lowpan.LowpanError, match="fragment header truncated"):
        r.feed(frag1[:4], EUI_A, EUI_B, 0.0)  # a FRAG1 header and nothing after it
