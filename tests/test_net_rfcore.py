"""The CC2538 RF core model against the peripheral contract, with a fake scheduler and IRQ sink."""

from __future__ import annotations

from pathlib import Path

from rig.emu.builtin.medium import airtime_cycles
from rig.emu.builtin.rfcore import (
    FREQCTRL,
    FRMCTRL0,
    FRMCTRL1,
    FSM1_SAMPLED_CCA,
    FSMSTAT1,
    IRQ0_FIFOP,
    IRQ0_RXPKTDONE,
    IRQ1_TXACKDONE,
    IRQ1_TXDONE,
    ISRFOFF,
    ISRXON,
    ISTXONCCA,
    OFF_CHANNEL,
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
    for freq in (0, 12, 15, 87, 91, 113, 127):  # between channels, or off the 16 channels
        n.rf.write(FREQCTRL, 4, freq)
        assert n.rf.read(FREQCTRL, 4) == freq  # read back as written (Renode rounds to a channel)
        assert n.rf.channel == OFF_CHANNEL + freq
    n.rf.write(FREQCTRL, 4, 0x180 | 16)  # FREQ is bits 6:0
    assert n.rf.read(FREQCTRL, 4) == 16 and n.rf.channel == 12


def test_a_radio_between_channels_hears_only_its_own_frequency() -> None:
    """1 MHz above channel 11 is not channel 11 on the chip: a firmware that tunes there is deaf."""
    medium, nodes = make_net(["a", "b", "c"])
    for name, short in (("a", 1), ("b", 2), ("c", 3)):
        nodes[name].configure(short=short, channel=11)
    nodes["b"].rf.write(FREQCTRL, 4, 12)
    nodes["c"].rf.write(FREQCTRL, 4, 12)
    nodes["a"].send(data_frame(0xFFFF, 1, b"on 11", ar=False))
    medium.sync(0)
    assert nodes["b"].rf.stats.rx_frames == 0 and nodes["c"].rf.stats.rx_frames == 0
    nodes["b"].send(data_frame(0xFFFF, 2, b"at 2406 MHz", ar=False))
    medium.sync(10**6)
    assert nodes["c"].rf.stats.rx_frames == 1 and nodes["a"].rf.stats.rx_frames == 0


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


def test_isrfoff_turns_the_receiver_off_until_isrxon() -> None:
    """The chip's ISRFOFF (0xEF; Renode ignores it): no frame arrives until ISRXON."""
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    b.rf.write(RFST, 4, ISRFOFF)
    a.send(data_frame(2, 1, b"off"))
    medium.sync(0)
    assert b.rf.stats.rx_frames == 0 and b.rf.stats.rx_off == 1 and b.rf.stats.acks_sent == 0
    b.rf.write(RFST, 4, ISRXON)
    a.send(data_frame(2, 1, b"on"))
    medium.sync(10**6)
    assert b.rf.stats.rx_frames == 1 and b.rf.stats.unsupported_strobes == 0


def test_istxoncca_sends_only_with_the_receiver_on() -> None:
    """ISTXONCCA (0xEA) transmits when CCA says clear; CCA is only valid while RX is on: RX off, no TX
    and SAMPLED_CCA = 0; RX on (the modelled channel is clear), TX, SAMPLED_CCA = 1, RX on after."""
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    a.rf.write(FRMCTRL1, 4, 0)  # SET_RXENMASK_ON_TX off: RX after TX only because RX was on before
    frame = data_frame(2, 1, b"cca", ar=False)
    a.rf.write(RFST, 4, 0xEE)
    for byte in bytes([len(frame) + 2]) + frame:
        a.rf.write(RFDATA, 4, byte)
    a.rf.write(RFST, 4, SRFOFF)
    a.rf.write(RFST, 4, ISTXONCCA)
    medium.sync(0)
    assert a.rf.stats.tx_frames == 0 and a.rf.stats.tx_cca_blocked == 1 and b.rf.stats.rx_frames == 0
    assert not a.rf.read(FSMSTAT1, 4) & FSM1_SAMPLED_CCA and not a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE
    a.rf.write(RFST, 4, ISRXON)
    a.rf.write(RFST, 4, ISTXONCCA)
    medium.sync(10**6)
    assert a.rf.stats.tx_frames == 1 and b.read_frame()[:-2] == frame
    assert a.rf.read(FSMSTAT1, 4) & FSM1_SAMPLED_CCA and a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE
    b.send(data_frame(1, 2, b"back", ar=False))
    medium.sync(2 * 10**6)
    assert a.rf.stats.rx_frames == 1 and a.rf.stats.unsupported_strobes == 0


def test_unknown_strobes_are_counted_and_the_first_warns() -> None:
    n = make_node("a")
    warnings: list[str] = []
    n.rf.ctx.warn = warnings.append
    n.rf.write(RFST, 4, 0xEC)  # ISCLEAR: not modelled
    n.rf.write(RFST, 4, 0xE1)
    assert n.rf.stats.unsupported_strobes == 2
    assert len(warnings) == 1 and "RF strobe 0xec is not modelled" in warnings[0]


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


# --- tests added by the mutation audit ----------------------------------------------------------------


def test_radio_stays_off_after_tx_without_set_rxenmask_on_tx() -> None:
    from rig.emu.builtin.rfcore import FRMCTRL1, FSMSTAT0

    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, autoack=False)
    a.rf.write(FRMCTRL1, 4, 0)  # SET_RXENMASK_ON_TX cleared
    a.rf.write(RFST, 4, SRFOFF)
    a.send(data_frame(0xFFFF, 1, b"tx while off", ar=False))
    assert a.rf.read(FSMSTAT0, 4) & 0x3F == 0  # idle, not back in RX
    b.send(data_frame(1, 2, b"to a", ar=False))
    medium.sync(0)
    assert a.rf.stats.rx_off == 1 and a.rf.stats.rx_frames == 0
    a.rf.write(FRMCTRL1, 4, 1)  # reset value: RX after TX
    a.send(data_frame(0xFFFF, 1, b"again", ar=False))
    assert a.rf.read(FSMSTAT0, 4) & 0x3F == 7
    b.send(data_frame(1, 2, b"to a", ar=False))
    medium.sync(0)
    assert a.rf.stats.rx_frames == 1


def test_no_auto_ack_for_a_bad_crc() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    good = data_frame(2, 1, b"ack?", seq=9)
    medium.inject(good + bytes((~mac.fcs_bytes(good)[0] & 0xFF, mac.fcs_bytes(good)[1])), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_bad_crc == 1 and b.rf.stats.acks_sent == 0
    assert b.read_frame()[-1] & 0x80 == 0  # still queued, CRC_OK clear
    medium.inject(good + mac.fcs_bytes(good), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.acks_sent == 1


def test_broadcast_pan_id_is_accepted() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    a.send(mac.build(mac.Frame(dst_pan=0xFFFF, dst=2, src=1, payload=b"any pan", ack_request=False), fcs=False))
    medium.sync(0)
    assert b.rf.stats.rx_frames == 1 and b.rf.stats.rx_filtered == 0


def test_rx_fifo_counts_each_frames_length_byte() -> None:
    # 128 bytes of RX FIFO hold frames plus one length byte each: 60 + 67 bytes need 129
    medium, nodes = make_net(["a", "b"], airtime=True)
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, autoack=False)
    first, second = data_frame(2, 1, bytes(49), ar=False), data_frame(2, 1, bytes(56), ar=False)
    assert (len(first) + 2, len(second) + 2) == (60, 67)
    a.send(first)
    a.send(second)
    medium.sync(10**7)
    assert b.rf.stats.rx_frames == 1 and b.rf.stats.rx_overflow == 1
    b.read_frame()
    a.send(first)
    a.send(data_frame(2, 1, bytes(55), ar=False))  # 60 + 66 + 2 length bytes = 128: fits
    medium.sync(2 * 10**7)
    assert b.rf.stats.rx_frames == 3 and b.rf.stats.rx_overflow == 1


def test_fsmstat1_cca_always_clear_channel() -> None:
    n = make_node("a")
    assert n.rf.read(FSMSTAT1, 4) & 0x10  # CCA reads 1 (as Renode): firmware must not wait for it


def test_auto_ack_frame_pending_follows_pending_or() -> None:
    from rig.emu.builtin.rfcore import FRMCTRL1

    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    b.rf.write(FRMCTRL1, 4, 0x01 | 0x04)  # PENDING_OR
    a.send(data_frame(2, 1, b"poll", seq=3))
    medium.sync(0)
    ack = a.read_frame()
    assert ack[0] & 0x10 and ack[2] == 3  # frame pending set
    b.rf.write(FRMCTRL1, 4, 0x01)
    a.send(data_frame(2, 1, b"poll", seq=4))
    medium.sync(0)
    assert not a.read_frame()[0] & 0x10


def test_ack_frames_must_be_five_bytes_and_beacons_are_never_acknowledged() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, autoack=True)
    long_ack = bytes((0x02, 0x00, 0x05, 0x00))  # ACK type with a stray payload byte
    medium.inject(long_ack + mac.fcs_bytes(long_ack), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_filtered == 1 and b.rf.stats.rx_frames == 0
    b.configure(short=2, filtering=False, autoack=True)
    beacon = bytes((0x60, 0x88, 0x01, 0xCD, 0xAB, 0x02, 0x00, 0x01, 0x00, 0x00))  # beacon, AR, to 2
    medium.inject(beacon + mac.fcs_bytes(beacon), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_frames == 1 and b.rf.stats.acks_sent == 0


def test_tx_limits_fifo_and_frame_size() -> None:
    from rig.emu.builtin.rfcore import TXFIFOCNT

    _, nodes = make_net(["a"])
    a = nodes["a"]
    a.configure()
    a.rf.write(RFIRQM1, 4, 0)
    for _ in range(130):
        a.rf.write(RFDATA, 4, 0)
    assert a.rf.read(TXFIFOCNT, 4) == 128 and a.rf.stats.tx_fifo_overflow == 2
    a.rf.write(RFST, 4, 0xE9)  # 127 payload bytes + FCS = 129: over 127, not sent
    assert a.rf.stats.tx_oversize == 1 and a.rf.stats.tx_frames == 0
    a.send(bytes(126))  # 126 + 2 = 128 bytes on air: still too long
    assert a.rf.stats.tx_oversize == 2 and a.rf.stats.tx_frames == 0
    assert a.rf.read(RFIRQF1, 4) & IRQ1_TXDONE  # the firmware still sees its TX end
    a.send(bytes(125))
    assert a.rf.stats.tx_frames == 1


def test_fifop_raised_again_while_frames_remain() -> None:
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, autoack=False)
    b.rf.write(RFIRQM0, 4, IRQ0_FIFOP)
    a.send(data_frame(2, 1, b"one", ar=False))
    a.send(data_frame(2, 1, b"two", ar=False))
    medium.sync(0)
    b.rf.write(RFIRQF0, 4, 0)  # the ISR clears the flag and reads one frame
    assert not b.irq.levels[RF_IRQ]
    assert b.read_frame()[:-2].endswith(b"one")
    assert b.rf.read(RFIRQF0, 4) & IRQ0_FIFOP and b.irq.levels[RF_IRQ]  # another frame is waiting
    b.rf.write(RFIRQF0, 4, 0)
    assert b.read_frame()[:-2].endswith(b"two")
    assert not b.rf.read(RFIRQF0, 4) & IRQ0_FIFOP


def test_filtering_frame_version_and_coordinator_only_frames() -> None:
    from rig.emu.builtin.rfcore import FRMFILT0

    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2, autoack=False)
    b.rf.write(FRMFILT0, 4, 0x01)  # filtering on, MAX_FRAME_VERSION 0 (802.15.4-2003 only)
    v2006 = bytes((0x41, 0x98, 0x01, 0xCD, 0xAB, 0x02, 0x00, 0x01, 0x00, 0x55))  # version 1, to 2
    medium.inject(v2006 + mac.fcs_bytes(v2006), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_filtered == 1 and b.rf.stats.rx_frames == 0
    b.rf.write(FRMFILT0, 4, 0x0D)  # reset value: every version
    to_coord = bytes((0x01, 0x80, 0x02, 0xCD, 0xAB, 0x01, 0x00, 0x55))  # data, no destination, from 1
    medium.inject(to_coord + mac.fcs_bytes(to_coord), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_filtered == 2  # only a PAN coordinator takes frames without a destination
    b.rf.write(FRMFILT0, 4, 0x0F)  # PAN_COORDINATOR
    medium.inject(to_coord + mac.fcs_bytes(to_coord), channel=26, at_cycles=0)
    medium.sync(0)
    assert b.rf.stats.rx_frames == 1


def test_airtime_is_250_kbit_per_s_with_the_phy_header() -> None:
    # 32 us per byte; a frame of n MAC bytes also sends 4 preamble, 1 SFD and 1 length byte
    assert airtime_cycles(127) == 133 * 32 * 32  # the longest frame: 4.256 ms
    assert airtime_cycles(5) == 11 * 32 * 32  # an ACK: 352 us


def test_late_sync_keeps_the_frames_own_time_and_delivers_what_listeners_send() -> None:
    medium, nodes = make_net(["a", "b"], airtime=True)
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    body = data_frame(2, 1, bytes(20), seq=5)
    a.send(body)
    due = airtime_cycles(len(body) + 2)
    medium.sync(due + 5000)  # the sync point comes after the frame ended: the ACK still follows it
    assert medium.next_event_cycles() == due + 192 * 32 + airtime_cycles(5)
    medium.sync(10**7)
    assert len(a.read_frame()) == 5

    sent: list[int] = []

    def listener(now: int) -> None:  # a host-side radio answering inside the sync
        if not sent:
            sent.append(now)
            medium.inject(mac.build(mac.Frame(seq=1, dst_pan=PAN, dst=2, src=9, payload=b"host",
                                              ack_request=False), fcs=True), channel=26, at_cycles=now - 10**6)
    medium.add_sync_listener(listener)
    b.rf.write(RFST, 4, 0xED)
    medium.sync(2 * 10**7)
    assert b.read_frame()[:-2].endswith(b"host")  # delivered in the same sync, not a quantum later


def test_a_frame_goes_out_on_the_senders_channel_at_transmit_time() -> None:
    medium, nodes = make_net(["a", "b", "c"])
    nodes["a"].configure(short=1, channel=15)
    nodes["b"].configure(short=2, channel=15)
    nodes["c"].configure(short=3, channel=26)
    nodes["a"].send(data_frame(0xFFFF, 1, b"on 15", ar=False))
    nodes["a"].rf.write(FREQCTRL, 4, 11 + 5 * (26 - 11))  # retuning afterwards changes nothing
    medium.sync(0)
    assert nodes["b"].rf.stats.rx_frames == 1 and nodes["c"].rf.stats.rx_frames == 0


def test_interrupt_flags_are_write_0_to_clear_as_on_the_chip() -> None:
    """RFIRQF0/1 are R/W0: writing 1 neither sets a flag nor keeps the ISR from clearing another."""
    medium, nodes = make_net(["a", "b"])
    a, b = nodes["a"], nodes["b"]
    a.configure(short=1)
    b.configure(short=2)
    a.rf.write(RFIRQF0, 4, 0xFF)
    a.rf.write(RFIRQF1, 4, 0x3F)
    assert a.rf.read(RFIRQF0, 4) == 0 and a.rf.read(RFIRQF1, 4) == 0  # Renode's model would set them all
    a.send(data_frame(2, 1, b"abc", ar=False))
    medium.sync(0)
    assert b.rf.read(RFIRQF0, 4) & (IRQ0_FIFOP | IRQ0_RXPKTDONE) == IRQ0_FIFOP | IRQ0_RXPKTDONE
    b.rf.write(RFIRQF0, 4, 0xFF & ~IRQ0_RXPKTDONE)  # clears RXPKTDONE only
    assert b.rf.read(RFIRQF0, 4) & (IRQ0_FIFOP | IRQ0_RXPKTDONE) == IRQ0_FIFOP
