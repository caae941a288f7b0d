"""CC2538 RF core model (0x40088000, IRQ 141) for the builtin emulator.

Behaviour follows Renode's CC2538RF (see /work/shared/reference/cc2538-renode.md) so that firmware
working here works there, and the real chip where Renode is sloppy without requiring anything Renode
lacks:
- receives only while RX is enabled (ISRXON; SRFOFF turns it off; after a TX the radio returns to RX
  when FRMCTRL1.SET_RXENMASK_ON_TX is set, its reset value) — Renode receives in every state;
- with the medium's air-time model on, the RX FIFO holds 128 bytes (frames + their length bytes) as on
  the chip: a frame that does not fit is dropped, counted and not acknowledged. Without air time
  (Renode's timing) frames sent back to back arrive in the same instant, which the real FIFO never
  sees, so the queue holds up to 16 frames (Renode's is unbounded); the TX FIFO holds 128 bytes;
- auto-ACK only for frames with a good CRC addressed to this radio (accepted by frame filtering, or
  unicast to our address when filtering is off), never for beacons/ACKs;
- with the medium's air-time model on, TXDONE and the end of TX_ACTIVE come at the end of the air time;
- FREQCTRL holds the 7-bit frequency as written (2394 + FREQ MHz) and reads it back: a value between
  two channels tunes between them and hears only radios on that same frequency. Renode rounds it to
  a channel (and reads the channel's value back), which would hide a mis-tuning firmware.
- ISRFOFF (0xEF) turns the radio off like SRFOFF, and ISTXONCCA (0xEA) transmits only when CCA says
  the channel is clear, as on the chip (Renode ignores both): CCA is valid only while RX is on, and the
  model's channel is always clear, so RX on -> transmit (FSMSTAT1.SAMPLED_CCA = 1, RX back on after),
  RX off -> no TX (SAMPLED_CCA = 0, counted). Portable firmware still uses ISTXON and SRFOFF only.
Other strobes (calibration, CSP ones...) do nothing here: counted, and the first one warns.
Registers without behaviour are plain storage so configuration writes read back.

The medium calls `receive(frame_with_fcs, at_cycles)`; the model calls `medium.transmit(...)`.
"""

from __future__ import annotations

import random
import zlib
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.net.ieee802154 import ack_frame, check_fcs, fcs_bytes

if TYPE_CHECKING:
    from rig.emu.builtin.medium import Medium

RF_IRQ = 141

# register offsets from 0x40088000
RXFIFO_END = 0x200
EXT_ADDR0 = 0x5A8  # 8 registers, one byte each, on-air (little-endian) order
PAN_ID0 = 0x5C8
PAN_ID1 = 0x5CC
SHORT_ADDR0 = 0x5D0
SHORT_ADDR1 = 0x5D4
FRMFILT0 = 0x600
FRMFILT1 = 0x604
SRCMATCH = 0x608
FRMCTRL0 = 0x624
FRMCTRL1 = 0x628
FREQCTRL = 0x63C
FREQ_CHANNEL_11 = 11  # FREQCTRL of channel k: 11 + 5 * (k - 11), i.e. 2405 + 5 * (k - 11) MHz
OFF_CHANNEL = 1000  # `channel` of a radio tuned off the 16 channels: OFF_CHANNEL + FREQCTRL
FSMSTAT0 = 0x648
FSMSTAT1 = 0x64C
RSSISTAT = 0x664
RXFIFOCNT = 0x66C
TXFIFOCNT = 0x670
RFIRQM0 = 0x68C
RFIRQM1 = 0x690
RFRND = 0x69C
RFDATA = 0x828
RFERRF = 0x82C
RFIRQF1 = 0x830
RFIRQF0 = 0x834
RFST = 0x838

# strobes
ISRXON = 0xE3
ISTXON = 0xE9
ISFLUSHRX = 0xED
ISFLUSHTX = 0xEE
SRFOFF = 0xDF
ISTXONCCA = 0xEA
ISRFOFF = 0xEF

# RFIRQF0 bits
IRQ0_SFD = 1 << 1
IRQ0_FIFOP = 1 << 2
IRQ0_FRAME_ACCEPTED = 1 << 5
IRQ0_RXPKTDONE = 1 << 6
# RFIRQF1 bits
IRQ1_TXACKDONE = 1 << 0
IRQ1_TXDONE = 1 << 1

# FSMSTAT1 bits
FSM1_TX_ACTIVE = 1 << 1
FSM1_SAMPLED_CCA = 1 << 3
FSM1_CCA = 1 << 4
FSM1_FIFOP = 1 << 6
FSM1_FIFO = 1 << 7

FIFO_BYTES = 128
UNTIMED_RX_FRAMES = 16
RSSI_CONSTANT = 70
CORRELATION = 100
TX_ACTIVE_READS = 3  # Renode's hack: TX_ACTIVE reads 1 on the first reads after ISTXON
TURNAROUND_CYCLES = 192 * 32  # 12 symbols RX->TX turnaround before an ACK (air-time model only)

_RESET_VALUES = {
    FRMFILT0: 0x0D,
    FRMFILT1: 0x78,
    SRCMATCH: 0x07,
    FRMCTRL0: 0x40,
    FRMCTRL1: 0x01,
}


@dataclass
class RfStats:
    tx_frames: int = 0
    tx_empty: int = 0  # ISTXON with an empty TX FIFO
    tx_oversize: int = 0  # frames over 127 bytes (not sent)
    tx_length_mismatch: int = 0  # first TX byte != payload + 2: works on Renode, not on a real chip
    tx_fifo_overflow: int = 0  # RFDATA writes beyond 128 bytes (dropped)
    rx_frames: int = 0  # frames put in the RX FIFO
    rx_bad_crc: int = 0  # frames with a bad FCS (queued with CRC_OK = 0 when not filtered)
    rx_filtered: int = 0  # rejected by frame filtering
    rx_off: int = 0  # arrived while RX was off
    rx_overflow: int = 0  # did not fit in the RX FIFO
    rx_underflow: int = 0  # RFDATA reads from an empty FIFO
    rx_flushed: int = 0  # frames dropped by ISFLUSHRX
    acks_sent: int = 0
    tx_cca_blocked: int = 0  # ISTXONCCA with RX off: CCA invalid, nothing sent
    unsupported_strobes: int = 0


class RfCore(Peripheral):
    name = "rfcore"
    base = 0x40088000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext, seed: int | None = None) -> None:
        super().__init__(ctx)
        self._seed = seed if seed is not None else zlib.crc32(ctx.node_name.encode())
        self.medium: Medium | None = None
        self.medium_name = ctx.node_name
        self.stats = RfStats()
        self._txdone_timer: TimerHandle | None = None
        self.reset()

    # --- medium side ---------------------------------------------------------------------------------
    def connect(self, medium: Medium, node_name: str) -> None:
        self.medium = medium
        self.medium_name = node_name

    @property
    def channel(self) -> int:
        """The IEEE 802.15.4 channel (11..26), or OFF_CHANNEL + FREQ for any other frequency."""
        offset = self._freq - FREQ_CHANNEL_11
        if offset % 5 == 0 and 11 <= 11 + offset // 5 <= 26:
            return 11 + offset // 5
        return OFF_CHANNEL + self._freq

    # --- reset --------------------------------------------------------------------------------------
    def reset(self) -> None:
        self._regs: dict[int, int] = dict(_RESET_VALUES)
        self._freq = FREQ_CHANNEL_11
        self._rx_on = False
        self._state = 0  # FSMSTAT0 FSM_FFCTRL_STATE: 0 idle, 7 rx, 0x22 tx (Renode's values)
        self._rxq: deque[bytes] = deque()  # each entry: frame bytes (payload + 2 status/FCS bytes)
        self._rx_bytes = 0  # bytes used in the RX FIFO, length bytes included
        self._rx_pos = -1  # -1: next RFDATA read returns the head frame's length byte
        self._txq = bytearray()
        self._irqf0 = 0
        self._irqf1 = 0
        self._irqm0 = 0
        self._irqm1 = 0
        self._tx_active_reads = 0
        self._tx_end = 0
        self._sampled_cca = 0
        # Radio noise differs from one boot to the next: keep drawing from the same generator across
        # resets (still deterministic per run), or a rebooted node would repeat its CoAP message IDs
        # and tokens and the server would take its new Register for a duplicate of the old one.
        if not hasattr(self, "_rng"):
            self._rng = random.Random(self._seed)
        if self._txdone_timer is not None:
            self._txdone_timer.cancel()
            self._txdone_timer = None
        self._irq_level = False
        self.ctx.irq.set_irq(RF_IRQ, False)

    # --- interrupts ---------------------------------------------------------------------------------
    def _update_irq(self) -> None:
        level = bool((self._irqf0 & self._irqm0) or (self._irqf1 & self._irqm1))
        if level != self._irq_level:
            self._irq_level = level
            self.ctx.irq.set_irq(RF_IRQ, level)

    def _flag0(self, bits: int) -> None:
        self._irqf0 |= bits
        self._update_irq()

    def _flag1(self, bits: int) -> None:
        self._irqf1 |= bits
        self._update_irq()

    # --- MMIO ----------------------------------------------------------------------------------------
    def read(self, offset: int, size: int) -> int:
        if offset == RFDATA:
            return self._pop_rx()
        if offset == FSMSTAT1:
            return self._fsmstat1()
        if offset < RXFIFO_END:
            return self._peek_rxfifo(offset >> 2)
        if offset == RFIRQF0:
            return self._irqf0
        if offset == RFIRQF1:
            return self._irqf1
        if offset == RFIRQM0:
            return self._irqm0
        if offset == RFIRQM1:
            return self._irqm1
        if offset == RFRND:
            return self._rng.getrandbits(2)
        if offset == FREQCTRL:
            return self._freq
        if offset == FSMSTAT0:
            return self._state | 0x80
        if offset == RSSISTAT:
            return 1
        if offset == RXFIFOCNT:
            if not self._rxq:
                return 0
            head = len(self._rxq[0]) + 1
            return head if self._rx_pos < 0 else head - 1 - self._rx_pos
        if offset == TXFIFOCNT:
            return len(self._txq)
        if offset == RFST:
            return 0
        return self._regs.get(offset, 0)

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == RFDATA:
            if len(self._txq) >= FIFO_BYTES:
                self.stats.tx_fifo_overflow += 1
            else:
                self._txq.append(value & 0xFF)
            return
        if offset == RFST:
            self._strobe(value & 0xFF)
            return
        # The flags are R/W0 on the chip: a 0 clears its flag, a 1 leaves it as it is (Renode replaces
        # them, so portable firmware writes only zeros, or the flags read back with bits cleared).
        if offset == RFIRQF0:
            self._irqf0 &= value
            self._update_irq()
            return
        if offset == RFIRQF1:
            self._irqf1 &= value
            self._update_irq()
            return
        if offset == RFIRQM0:
            self._irqm0 = value & 0xFF
            self._update_irq()
            return
        if offset == RFIRQM1:
            self._irqm1 = value & 0x3F
            self._update_irq()
            return
        if offset == FREQCTRL:
            self._freq = value & 0x7F
            return
        if offset < RXFIFO_END or offset in (FSMSTAT0, FSMSTAT1, RXFIFOCNT, TXFIFOCNT, RFRND, RSSISTAT):
            return  # read-only
        self._regs[offset] = value & 0xFFFFFFFF

    # --- strobes ----------------------------------------------------------------------------------
    def _strobe(self, cmd: int) -> None:
        if cmd == ISRXON:
            self._rx_on = True
            self._state = 7
        elif cmd == ISTXON:
            self._transmit()
        elif cmd == ISFLUSHRX:
            self.stats.rx_flushed += len(self._rxq)
            self._rxq.clear()
            self._rx_bytes = 0
            self._rx_pos = -1
        elif cmd == ISFLUSHTX:
            self._txq.clear()
        elif cmd in (SRFOFF, ISRFOFF):
            self._rx_on = False
            self._state = 0
        elif cmd == ISTXONCCA:
            # CCA needs the receiver on (RSSI valid); the modelled channel is always clear
            self._sampled_cca = FSM1_SAMPLED_CCA if self._rx_on else 0
            if self._rx_on:
                self._transmit()
            else:
                self.stats.tx_cca_blocked += 1
        else:
            self.stats.unsupported_strobes += 1
            if self.stats.unsupported_strobes == 1:
                self.ctx.warn(f"RF strobe 0x{cmd:02x} is not modelled: ignored (modelled: ISRXON 0xE3, ISTXON "
                              "0xE9, ISTXONCCA 0xEA, ISFLUSHRX 0xED, ISFLUSHTX 0xEE, SRFOFF 0xDF, ISRFOFF 0xEF)")

    def _transmit(self) -> None:
        if not self._txq:
            self.stats.tx_empty += 1
            return
        payload = bytes(self._txq[1:])  # the length byte is ignored (Renode); the FIFO is kept
        if self._txq[0] != len(payload) + 2:
            self.stats.tx_length_mismatch += 1
        frame = payload + fcs_bytes(payload)
        self._flag0(IRQ0_SFD)
        now = self.ctx.scheduler.cycles
        if len(frame) > 127:
            self.stats.tx_oversize += 1
            self._tx_done()
            return
        self.stats.tx_frames += 1
        self._state = 0x22
        self._tx_active_reads = TX_ACTIVE_READS
        airtime = 0
        if self.medium is not None:
            self.medium.transmit(self.medium_name, frame, now)
            if self.medium.airtime:
                from rig.emu.builtin.medium import airtime_cycles

                airtime = airtime_cycles(len(frame))
        self.ctx.request_sync()
        if airtime:
            self._tx_end = now + airtime
            if self._txdone_timer is not None:
                self._txdone_timer.cancel()
            self._txdone_timer = self.ctx.scheduler.schedule(self._tx_end, self._tx_done)
        else:
            self._tx_done()

    def _tx_done(self) -> None:
        self._txdone_timer = None
        if self._regs.get(FRMCTRL1, 1) & 1:  # SET_RXENMASK_ON_TX: back to RX after TX
            self._rx_on = True
        self._state = 7 if self._rx_on else 0
        self._flag1(IRQ1_TXDONE)

    def _fsmstat1(self) -> int:
        v = FSM1_CCA | self._sampled_cca
        if self._rxq:
            v |= FSM1_FIFO | FSM1_FIFOP
        if self._tx_active_reads > 0:
            self._tx_active_reads -= 1
            v |= FSM1_TX_ACTIVE
        elif self._tx_end > self.ctx.scheduler.cycles:
            v |= FSM1_TX_ACTIVE
        return v

    # --- RX ------------------------------------------------------------------------------------------
    def _pop_rx(self) -> int:
        if not self._rxq:
            self.stats.rx_underflow += 1
            return 0
        head = self._rxq[0]
        if self._rx_pos < 0:
            self._rx_pos = 0
            return len(head)
        b = head[self._rx_pos]
        self._rx_pos += 1
        if self._rx_pos == len(head):
            self._rxq.popleft()
            self._rx_bytes -= len(head) + 1
            self._rx_pos = -1
            if self._rxq:
                self._flag0(IRQ0_FIFOP)
        return b

    def _peek_rxfifo(self, index: int) -> int:
        """RXFIFO RAM (0x000-0x1FF, one byte per word): the queued frames with their length bytes."""
        for frame in self._rxq:
            if index == 0:
                return len(frame)
            if index <= len(frame):
                return frame[index - 1]
            index -= len(frame) + 1
        return 0

    def receive(self, frame: bytes, at_cycles: int) -> None:
        """A frame (with FCS) arrives from the medium."""
        if not self._rx_on:
            self.stats.rx_off += 1
            return
        if len(frame) < 3 or len(frame) > 127:
            self.stats.rx_filtered += 1
            return
        crc_ok = check_fcs(frame)
        if not crc_ok:
            self.stats.rx_bad_crc += 1
        ctrl0 = self._regs.get(FRMCTRL0, 0x40)
        filt0 = self._regs.get(FRMFILT0, 0x0D)
        filtering = bool(filt0 & 1)
        self._flag0(IRQ0_SFD)
        verdict = self._filter(frame, filt0)
        if filtering and not verdict.accepted:
            self.stats.rx_filtered += 1
            return
        timed = self.medium is not None and self.medium.airtime
        if (self._rx_bytes + len(frame) + 1 > FIFO_BYTES) if timed else len(self._rxq) >= UNTIMED_RX_FRAMES:
            self.stats.rx_overflow += 1
            return
        stored = frame
        if ctrl0 & 0x40:  # AUTOCRC: FCS replaced by RSSI and CRC_OK<<7 | correlation
            stored = frame[:-2] + bytes((RSSI_CONSTANT, (0x80 if crc_ok else 0) | CORRELATION))
        self._rxq.append(stored)
        self._rx_bytes += len(stored) + 1
        self.stats.rx_frames += 1
        bits = IRQ0_FIFOP | IRQ0_RXPKTDONE
        if filtering:
            bits |= IRQ0_FRAME_ACCEPTED
        self._flag0(bits)
        ack_wanted = verdict.for_us if filtering else verdict.unicast_to_us
        if crc_ok and ctrl0 & 0x20 and verdict.ack_request and ack_wanted:
            self._send_ack(frame[2], at_cycles)

    def _send_ack(self, seq: int, at_cycles: int) -> None:
        pending = bool(self._regs.get(FRMCTRL1, 1) & 0x04)  # PENDING_OR
        self.stats.acks_sent += 1
        if self.medium is not None:
            turnaround = TURNAROUND_CYCLES if self.medium.airtime else 0
            self.medium.transmit(self.medium_name, ack_frame(seq, pending), at_cycles + turnaround)
        self._flag1(IRQ1_TXACKDONE)

    # --- frame filtering -------------------------------------------------------------------------------
    def _pan(self) -> int:
        return (self._regs.get(PAN_ID0, 0) & 0xFF) | ((self._regs.get(PAN_ID1, 0) & 0xFF) << 8)

    def _short(self) -> int:
        return (self._regs.get(SHORT_ADDR0, 0) & 0xFF) | ((self._regs.get(SHORT_ADDR1, 0) & 0xFF) << 8)

    def _ext(self) -> bytes:
        """Our extended address in on-air (little-endian) order."""
        return bytes(self._regs.get(EXT_ADDR0 + 4 * i, 0) & 0xFF for i in range(8))

    def _filter(self, frame: bytes, filt0: int) -> _Verdict:
        verdict = _Verdict()
        end = len(frame) - 2
        fcf = frame[0] | (frame[1] << 8)
        ftype = fcf & 7
        dmode = (fcf >> 10) & 3
        smode = (fcf >> 14) & 3
        version = (fcf >> 12) & 3
        verdict.ack_request = bool(fcf & 0x20) and ftype in (1, 3)
        if version > (filt0 >> 2) & 3 or dmode == 1 or smode == 1:
            return verdict
        pos = 3
        dst_pan = None
        to_us = False
        broadcast = False
        if dmode:
            if pos + 2 > end:
                return verdict
            dst_pan = frame[pos] | (frame[pos + 1] << 8)
            pos += 2
            if dst_pan not in (0xFFFF, self._pan()):
                return verdict
            if dmode == 2:
                if pos + 2 > end:
                    return verdict
                addr = frame[pos] | (frame[pos + 1] << 8)
                pos += 2
                broadcast = addr == 0xFFFF
                to_us = addr == self._short()
            else:
                if pos + 8 > end:
                    return verdict
                to_us = frame[pos : pos + 8] == self._ext()
                pos += 8
            if not (to_us or broadcast):
                return verdict
        src_pan = dst_pan
        if smode:
            if not (fcf & 0x40) or not dmode:
                if pos + 2 > end:
                    return verdict
                src_pan = frame[pos] | (frame[pos + 1] << 8)
                pos += 2
            pos += 2 if smode == 2 else 8
            if pos > end:
                return verdict
        filt1 = self._regs.get(FRMFILT1, 0x78)
        if ftype == 0:  # beacon
            ok = bool(filt1 & 0x08) and dmode == 0 and smode != 0 and src_pan in (0xFFFF, self._pan())
        elif ftype in (1, 3):  # data, MAC command
            ok = bool(filt1 & (0x10 if ftype == 1 else 0x40))
            if ok and dmode == 0:
                ok = bool(filt0 & 2) and src_pan == self._pan()  # only a PAN coordinator takes these
        elif ftype == 2:
            ok = bool(filt1 & 0x20) and len(frame) == 5
        else:
            ok = False
        verdict.accepted = ok
        verdict.for_us = ok and ftype in (1, 3) and (to_us or (dmode == 0 and ok))
        verdict.unicast_to_us = to_us
        return verdict


@dataclass
class _Verdict:
    accepted: bool = False
    for_us: bool = False  # accepted and addressed to us (not broadcast): may be acknowledged
    unicast_to_us: bool = False
    ack_request: bool = False
