"""The CC2538 RF core model against the peripheral contract, with a fake scheduler and IRQ sink."""

from __future__ import annotations

from pathlib import Path

from rig.emu.builtin.medium import airtime_cycles
from rig.emu.builtin.rfcore import (
    FREQCTRL,
    FRMCTRL0,
    FSMSTAT1,
    IRQ0_FIFOP,
    IRQ0_RXPKTDONE,
    IRQ1_TXACKDONE,
    IRQ1_TXDONE,
    RF_IRQ,
    RFDATA,
    RFIRQF0,
    RFIRQF1,
    RFIRQM0,
    RFIRQM1,
    RFRND,
    RFST,
    RXFIFO_END,
    RXFIFOCNT,
    SRFOFF,
)
from rig.net import ieee802154 as mac
from rig.net.pcap import read_pcap
from rig.net.testing import make_net, make_node

PAN = 0xABCD


def data_frame(dst: int | bytes, src: int | bytes, payload: bytes, seq: int = 7, ar: bool = True) -> bytes:
    return mac.build(mac.Frame(seq=seq, dst_pan=PAN, dst=dst, src=src, payload=payload, ack_request=ar),
                     fcs=False)


def test_reset_values() -> None:
    n = make_node("a")
    assert n.rf.read(FRMCTRL0, 4) == 0x40
    assert n.rf.read(FREQCTRL, 4) == 11
    assert n.rf.read(FSMSTAT1, 4) & 0xC0 == 0
    assert n.rf.read(RXFIFOCNT, 4) == 0


def test_channel_mapping() -> None:
    n = make_node("a")
    for ch in range(11, 27):
        n.rf.write(FREQCTRL, 4, 11 + 5 * (ch - 11))
        assert n.rf.channel == ch
        assert n.rf.read(FREQCTRL, 4) == 11 + 5 * (ch - 11)
    n.rf.write(FREQCTRL, 4, 127)  # clamped at 113 = channel 31 (off the band: hears nothing)
    assert n.rf.channel == 31


def test_tx_appends_fcs_and_raises_txdone() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    a.rf.write(RFIRQM1, 4, IRQ1_TXDONE)
    body = data_frame(2, 1, b"hello")
    a.send(body)
    assert a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE
    assert a.irq.levels[RF_IRQ] is True
    assert a.syncs, "a transmission must request a sync point"
    a.rf.write(RFIRQF1, 4, 0)
    assert a.irq.levels[RF_IRQ] is False
    # nothing delivered before the sync point (Renode-like: delivered at the next sync)
    assert b.rf.read(RXFIFOCNT, 4) == 0
    medium.sync(0)
    frame = b.read_frame()
    assert frame[:-2] == body
    assert frame[-2] == 70 and frame[-1] == 0x80 | 100  # RSSI, CRC_OK | correlation
    assert a.rf.stats.tx_frames == 1 and a.rf.stats.tx_length_mismatch == 0


def test_tx_fifo_kept_after_send_and_length_byte_checked() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    body = data_frame(0xFFFF, 1, b"x", ar=False)
    a.rf.write(RFDATA, 4, 99)  # wrong length byte: works (as Renode) but is counted
    for x in body:
        a.rf.write(RFDATA, 4, x)
    a.rf.write(RFST, 4, 0xE9)
    a.rf.write(RFST, 4, 0xE9)  # the TX FIFO is not cleared: the same frame again
    medium.sync(0)
    assert a.rf.stats.tx_frames == 2 and a.rf.stats.tx_length_mismatch == 2
    assert b.read_frame()[:-2] == body
    assert b.read_frame()[:-2] == body


def test_rx_fifo_registers_and_irq() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    b.rf.write(RFIRQM0, 4, IRQ0_FIFOP)
    body = data_frame(2, 1, b"abc", ar=False)
    a.send(body)
    medium.sync(0)
    assert b.irq.levels[RF_IRQ]
    assert b.rf.read(RFIRQF0, 4) & (IRQ0_FIFOP | IRQ0_RXPKTDONE) == IRQ0_FIFOP | IRQ0_RXPKTDONE
    assert b.rf.read(FSMSTAT1, 4) & 0xC0 == 0xC0
    assert b.rf.read(RXFIFOCNT, 4) == len(body) + 2 + 1
    # RXFIFO RAM view: length byte then frame bytes, one per word
    assert b.rf.read(0x000, 4) == len(body) + 2
    assert bytes(b.rf.read(4 * (i + 1), 4) for i in range(len(body))) == body
    assert b.rf.read(RXFIFO_END - 4, 4) == 0
    got = b.read_frame()
    assert got[:-2] == body
    assert b.rf.read(FSMSTAT1, 4) & 0xC0 == 0
    assert b.rf.read(RFDATA, 4) == 0 and b.rf.stats.rx_underflow == 1


def test_frame_filtering() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    ext_b = bytes.fromhex("00124b0000000002")
    a.configure(short=1)
    b.configure(short=2, ext=ext_b)
    a.send(data_frame(3, 1, b"not for b", ar=False))
    a.send(mac.build(mac.Frame(dst_pan=0x1111, dst=2, src=1, payload=b"other pan"), fcs=False))
    a.send(data_frame(ext_b, 1, b"ext for b", ar=False))
    a.send(data_frame(bytes(8), 1, b"ext other", ar=False))
    a.send(data_frame(0xFFFF, 1, b"broadcast", ar=False))
    medium.sync(0)
    assert b.rf.stats.rx_filtered == 3
    assert b.read_frame()[:-2].endswith(b"ext for b")
    assert b.read_frame()[:-2].endswith(b"broadcast")


def test_filtering_off_is_promiscuous_and_bad_crc_flagged() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, filtering=False)
    a.send(data_frame(3, 1, b"for 3", ar=True))
    medium.inject(b"\x41\x88\x01\xcd\xab\x02\x00\x01\x00zz\x00\x00", channel=26, at_cycles=0)  # bad FCS
    medium.sync(0)
    assert b.read_frame()[:-2].endswith(b"for 3")
    bad = b.read_frame()
    assert bad[-1] & 0x80 == 0 and b.rf.stats.rx_bad_crc == 1
    assert b.rf.stats.acks_sent == 0  # not addressed to b: no ACK even with AR


def test_auto_ack() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    a.rf.write(RFIRQM0, 4, 0)
    a.send(data_frame(2, 1, b"ack me", seq=0x42))
    medium.sync(0)
    assert b.rf.stats.acks_sent == 1
    assert b.rf.read(RFIRQF1, 4) & IRQ1_TXACKDONE
    ack = a.read_frame()
    assert len(ack) == 5 and ack[0] & 7 == mac.FRAME_ACK and ack[2] == 0x42
    # broadcast with AR, bad CRC, and autoack off: no ACK
    a.send(data_frame(0xFFFF, 1, b"bc", seq=1))
    b.rf.write(FRMCTRL0, 4, 0x40)
    a.send(data_frame(2, 1, b"no autoack", seq=2))
    medium.sync(0)
    assert b.rf.stats.acks_sent == 1


def test_rx_only_when_on_and_fifo_bounded() -> None:
    medium, nodes = make_net(["a", "b"], airtime=True)
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    b.rf.write(RFST, 4, SRFOFF)
    a.send(data_frame(2, 1, b"off"))
    medium.sync(10**6)
    assert b.rf.stats.rx_off == 1 and b.rf.stats.acks_sent == 0
    b.rf.write(RFST, 4, 0xE3)
    big = data_frame(2, 1, bytes(100), ar=True)
    a.send(big)
    a.send(big)  # does not fit in the 128-byte RX FIFO: dropped, not acknowledged
    medium.sync(10**7)
    assert b.rf.stats.rx_frames == 1 and b.rf.stats.rx_overflow == 1 and b.rf.stats.acks_sent == 1
    b.rf.write(RFST, 4, 0xED)  # ISFLUSHRX
    assert b.rf.read(RXFIFOCNT, 4) == 0 and b.rf.stats.rx_flushed == 1


def test_untimed_medium_queues_back_to_back_frames() -> None:
    # without air time, frames sent back to back arrive in one instant: queued (bounded), as Renode
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    big = data_frame(2, 1, bytes(100), ar=False)
    for _ in range(20):
        a.send(big)
    medium.sync(0)
    assert b.rf.stats.rx_frames == 16 and b.rf.stats.rx_overflow == 4
    for _ in range(16):
        assert b.read_frame()[:-2] == big


def test_unsupported_strobes_counted() -> None:
    n = make_node("a")
    n.rf.write(RFST, 4, 0xEF)  # ISRFOFF: not in Renode
    n.rf.write(RFST, 4, 0xEA)  # ISTXONCCA: not in Renode
    assert n.rf.stats.unsupported_strobes == 2


def test_rfrnd_seeded() -> None:
    x = [make_node("a", seed=5).rf for _ in range(2)]
    seqs = [[rf.read(RFRND, 4) for _ in range(64)] for rf in x]
    assert seqs[0] == seqs[1]
    assert set(seqs[0]) == {0, 1, 2, 3}
    other = make_node("a", seed=6).rf
    assert [other.read(RFRND, 4) for _ in range(64)] != seqs[0]


def test_tx_active_pattern() -> None:
    _, nodes = make_net(["a"])
    a = nodes["a"]
    a.configure()
    a.send(data_frame(0xFFFF, 1, b"x", ar=False))
    reads = [bool(a.rf.read(FSMSTAT1, 4) & 2) for _ in range(5)]
    assert reads == [True, True, True, False, False]


def test_airtime_delays_delivery_and_txdone() -> None:
    medium, nodes = make_net(["a", "b"], airtime=True)
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    body = data_frame(2, 1, bytes(20))
    a.send(body)
    assert not a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE
    due = airtime_cycles(len(body) + 2)
    assert medium.next_event_cycles() == due
    medium.sync(due - 1)
    assert b.rf.read(RXFIFOCNT, 4) == 0
    a.sched.advance_to(due)
    assert a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE
    medium.sync(due)
    assert b.rf.read(RXFIFOCNT, 4) > 0
    ack_due = medium.next_event_cycles()
    assert ack_due == due + 192 * 32 + airtime_cycles(5)
    medium.sync(ack_due)
    assert len(a.read_frame()) == 5


def test_reset_clears_state() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    b.rf.write(RFIRQM0, 4, IRQ0_FIFOP)
    a.send(data_frame(2, 1, b"x"))
    medium.sync(0)
    assert b.irq.levels[RF_IRQ]
    b.rf.reset()
    assert not b.irq.levels[RF_IRQ]
    assert b.rf.read(RXFIFOCNT, 4) == 0 and b.rf.read(FRMCTRL0, 4) == 0x40


def test_capture_pcap(tmp_path: Path) -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    medium.capture(tmp_path / "c.pcap")
    a.sched.cycles = 32_000_000  # 1 virtual second
    a.send(data_frame(2, 1, b"cap"))
    medium.sync(32_000_000)
    medium.close()
    linktype, records = read_pcap(tmp_path / "c.pcap")
    assert linktype == 195
    assert len(records) == 2  # data + ACK
    assert records[0][0] == 1.0
    assert mac.check_fcs(records[0][1]) and mac.check_fcs(records[1][1])


# --- the medium ----------------------------------------------------------------------------------------


def test_channels_separate_radios() -> None:
    medium, nodes = make_net(["a", "b", "c"])
    nodes["a"].configure(short=1, channel=26)
    nodes["b"].configure(short=2, channel=26)
    nodes["c"].configure(short=3, channel=15)
    nodes["a"].send(data_frame(0xFFFF, 1, b"bc", ar=False))
    medium.sync(0)
    assert nodes["b"].rf.stats.rx_frames == 1
    assert nodes["c"].rf.stats.rx_frames == 0


def _loss_pattern(seed: int) -> list[int]:
    medium, nodes = make_net(["a", "b"], seed=seed)
    nodes["a"].configure(short=1)
    nodes["b"].configure(short=2, autoack=False)
    medium.set_loss(0.3)
    got = []
    for i in range(200):
        before = nodes["b"].rf.stats.rx_frames
        nodes["a"].send(data_frame(2, 1, bytes((i,)), ar=False))
        medium.sync(0)
        got.append(nodes["b"].rf.stats.rx_frames - before)
        if nodes["b"].rf.stats.rx_frames:
            nodes["b"].read_frame()
    return got


def test_loss_is_seeded_and_deterministic() -> None:
    first = _loss_pattern(3)
    assert first == _loss_pattern(3)
    assert first != _loss_pattern(4)
    assert 40 < first.count(0) < 80  # ~30% of 200


def test_link_loss_is_directed() -> None:
    medium, nodes = make_net(["a", "b", "c"])
    for i, n in enumerate(nodes.values(), start=1):
        n.configure(short=i, autoack=False)
    medium.set_link_loss("a", "b", 1.0)
    nodes["a"].send(data_frame(0xFFFF, 1, b"x", ar=False))
    nodes["b"].send(data_frame(0xFFFF, 2, b"y", ar=False))
    medium.sync(0)
    assert nodes["b"].rf.stats.rx_frames == 0  # a -> b cut
    assert nodes["c"].rf.stats.rx_frames == 2
    assert nodes["a"].rf.stats.rx_frames == 1  # b -> a still works
    assert medium.stats.lost == 1


def test_bad_loss_probability_is_a_config_error() -> None:
    import pytest

    from rig.errors import ConfigError

    medium, _ = make_net(["a"])
    with pytest.raises(ConfigError, match="between 0 and 1"):
        medium.set_loss(1.5)


def test_oversized_injection_is_dropped() -> None:
    medium, nodes = make_net(["a"])
    nodes["a"].configure()
    medium.inject(bytes(128), channel=26, at_cycles=0)
    medium.sync(0)
    assert medium.stats.oversized == 1 and nodes["a"].rf.stats.rx_frames == 0


def test_link_loss_on_a_node_not_on_the_medium_is_refused() -> None:
    import pytest

    from rig.errors import ConfigError

    medium, _ = make_net(["a", "b"])
    with pytest.raises(ConfigError, match=r"set_link_loss: no node 'c' on the medium \(nodes: a, b\)"):
        medium.set_link_loss("a", "c", 1.0)  # was stored silently and never matched a frame
