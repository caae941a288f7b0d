"""A tiny pcap (libpcap classic format) writer and reader, stdlib only.

Timestamps are virtual seconds: a capture of an emulation shows its virtual clock, not the wall clock.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from rig.errors import ConfigError

LINKTYPE_IEEE802_15_4_WITHFCS = 195
LINKTYPE_IEEE802_15_4_NOFCS = 230
LINKTYPE_RAW = 101  # raw IPv6/IPv4 packets
_MAGIC = 0xA1B2C3D4  # microsecond timestamps
_SNAPLEN = 65535


class PcapWriter:
    """Appends records to a new pcap file; flushes after every record so a crash keeps the capture."""

    def __init__(self, path: Path, linktype: int = LINKTYPE_IEEE802_15_4_WITHFCS) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - lives as long as the writer
        except OSError as exc:
            raise ConfigError(f"cannot write the pcap {self.path}: {exc.strerror or exc}") from None
        self._file.write(struct.pack("<IHHiIII", _MAGIC, 2, 4, 0, 0, _SNAPLEN, linktype))
        self._file.flush()
        self.count = 0

    def write(self, data: bytes, timestamp: float) -> None:
        if self._file is None:
            return
        micros = max(0, round(timestamp * 1_000_000))
        sec, usec = divmod(micros, 1_000_000)
        self._file.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_pcap(path: Path) -> tuple[int, list[tuple[float, bytes]]]:
    """(linktype, [(timestamp, data), ...]) of a classic little- or big-endian pcap."""
    raw = Path(path).read_bytes()
    if len(raw) < 24:
        raise ValueError(f"{path}: too short for a pcap header")
    magic = struct.unpack_from("<I", raw)[0]
    if magic == _MAGIC:
        endian = "<"
    elif magic == 0xD4C3B2A1:
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap (magic 0x{magic:08x})")
    linktype = struct.unpack_from(endian + "I", raw, 20)[0]
    return linktype, list(_records(raw, endian))


def _records(raw: bytes, endian: str) -> Iterator[tuple[float, bytes]]:
    pos = 24
    while pos + 16 <= len(raw):
        sec, usec, incl, _orig = struct.unpack_from(endian + "IIII", raw, pos)
        pos += 16
        if pos + incl > len(raw):
            raise ValueError("pcap: truncated record")
        yield sec + usec / 1_000_000, raw[pos : pos + incl]
        pos += incl
