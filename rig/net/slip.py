"""SLIP framing (RFC 1055): encoder and a streaming decoder that survives garbage.

Frames are END-terminated; the encoder also starts each frame with END (flushes line noise on the
receiver, as RFC 1055 suggests). The decoder drops and counts: frames longer than `max_frame`, bad
escape sequences (ESC followed by anything but ESC_END/ESC_ESC); empty frames (END END) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD



def encode(frame: bytes) -> bytes:
    """END + escaped frame + END."""
    body = frame.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


@dataclass
class SlipStats:
    frames: int = 0
    oversize: int = 0
    bad_escape: int = 0
    bytes_dropped: int = 0


class SlipDecoder:
    def __init__(self, max_frame: int = 1280) -> None:
        self.max_frame = max_frame
        self.stats = SlipStats()
        self._buf = bytearray()
        self._discard = False  # inside a frame already known to be bad: skip to the next END

    def feed(self, data: bytes) -> list[bytes]:
        """Feed received bytes; returns the complete, valid frames they finish."""
        out: list[bytes] = []
        start = 0
        n = len(data)
        while start < n:
            end = data.find(b"\xc0", start)
            chunk = data[start:] if end < 0 else data[start:end]
            if not self._discard:
                self._buf += chunk
                if len(self._buf) > 2 * self.max_frame + 2:  # escaped size bound exceeded: stop buffering
                    self._drop_oversize()
            else:
                self.stats.bytes_dropped += len(chunk)
            if end < 0:
                break
            self._finish(out)
            start = end + 1
        return out

    def _drop_oversize(self) -> None:
        self.stats.oversize += 1
        self.stats.bytes_dropped += len(self._buf)
        self._buf.clear()
        self._discard = True

    def _finish(self, out: list[bytes]) -> None:
        if self._discard:
            self._discard = False
            self._buf.clear()
            return
        if not self._buf:
            return
        raw = bytes(self._buf)
        self._buf.clear()
        if b"\xdb" in raw:
            frame = _unescape(raw)
            if frame is None:
                self.stats.bad_escape += 1
                self.stats.bytes_dropped += len(raw)
                return
        else:
            frame = raw
        if len(frame) > self.max_frame:
            self.stats.oversize += 1
            self.stats.bytes_dropped += len(raw)
            return
        self.stats.frames += 1
        out.append(frame)


def _unescape(raw: bytes) -> bytes | None:
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        j = raw.find(b"\xdb", i)
        if j < 0:
            out += raw[i:]
            break
        out += raw[i:j]
        if j + 1 >= n:
            return None
        nxt = raw[j + 1]
        if nxt == ESC_END:
            out.append(END)
        elif nxt == ESC_ESC:
            out.append(ESC)
        else:
            return None
        i = j + 2
    return bytes(out)
