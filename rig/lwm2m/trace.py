"""A CoAP trace of every exchange the server takes part in, exportable as JSON or text."""

from __future__ import annotations

import ipaddress
import json
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rig.errors import ConfigError
from rig.lwm2m.aiocoap_adapter import WireMessage
from rig.net.bridge import proxied_node

_TEXTUAL = {0, 40, 110, 11543, 50}
# An option as text is at most this many bytes in the trace: CoAP allows 65804-byte options, and a
# peer that sends them would fill the trace (100 000 entries) with gigabytes.
MAX_OPTION_TEXT = 1024
MAX_PAYLOAD_TEXT = 1024


def bounded(text: str, limit: int = MAX_OPTION_TEXT) -> str:
    """`text` cut to `limit` UTF-8 bytes, with a "... (N more bytes)" marker when it was longer."""
    data = text.encode(errors="backslashreplace")
    if len(data) <= limit:
        return text
    return f"{data[:limit].decode(errors='ignore')}... ({len(data) - limit} more bytes)"


def summarize_payload(payload: bytes, content_format: int | None) -> str:
    """Printable text, cut at MAX_PAYLOAD_TEXT bytes ("... (N more bytes)"); else the size and the
    first 16 bytes in hex."""
    if not payload:
        return ""
    if content_format in _TEXTUAL or content_format is None:
        try:
            text = payload.decode()
            if text.isprintable():
                return bounded(text, MAX_PAYLOAD_TEXT)
        except UnicodeDecodeError:
            pass
    head = payload[:16].hex()
    return f"{len(payload)} B {head}{'...' if len(payload) > 16 else ''}"


def stable_peer(peer: tuple[str, int]) -> str:
    """"[address]:port" of a message's peer; for a node behind the rig's bridge, the node's own IPv6
    address and port, not the bridge's ephemeral loopback port, so that two runs save the same trace."""
    node = proxied_node(*peer)
    if node is not None:
        return f"[{ipaddress.IPv6Address(node[0]).compressed}]:{node[1]}"
    return f"[{peer[0]}]:{peer[1]}"


@dataclass
class TraceEntry:
    time: float
    direction: str  # "in" (device -> server) or "out"
    endpoint: str  # registered endpoint name, or the peer address when unknown
    peer: str  # stable_peer(): a node's address as the bridge maps it
    mtype: str
    code: str
    mid: int | None
    token: str
    options: list[str]
    payload: str

    def line(self) -> str:
        arrow = "<-" if self.direction == "in" else "->"
        opts = " ".join(self.options)
        return (
            f"{self.time:12.3f} {arrow} {self.endpoint:<20} {self.mtype:<3} {self.code} mid={self.mid} "
            f"tok={self.token or '-'} {opts} {self.payload}"
        ).rstrip()


class Trace:
    """Bounded list of trace entries; `clock` gives the (possibly virtual) time of the loop."""

    def __init__(
        self,
        clock: Callable[[], float],
        resolve: Callable[[WireMessage], str | None],
        limit: int = 100_000,
        enabled: bool = True,
    ) -> None:
        self.entries: deque[TraceEntry] = deque(maxlen=limit)
        self.enabled = enabled
        self._clock = clock
        self._resolve = resolve

    def record(self, msg: WireMessage) -> None:
        if not self.enabled:
            return
        peer = stable_peer(msg.peer)
        self.entries.append(
            TraceEntry(
                time=self._clock(),
                direction=msg.direction,
                endpoint=self._resolve(msg) or peer,
                peer=peer,
                mtype=msg.mtype,
                code=msg.code,
                mid=msg.mid,
                token=msg.token.hex(),
                options=[bounded(option) for option in msg.options],
                payload=summarize_payload(msg.payload, msg.content_format),
            )
        )

    def for_endpoint(self, endpoint: str) -> list[TraceEntry]:
        return [e for e in self.entries if e.endpoint == endpoint]

    def to_json(self) -> str:
        return json.dumps([asdict(e) for e in self.entries], indent=1)

    def to_text(self) -> str:
        return "\n".join(e.line() for e in self.entries) + ("\n" if self.entries else "")

    def save(self, path: Path) -> None:
        try:
            path.write_text(self.to_json() if path.suffix == ".json" else self.to_text())
        except OSError as exc:
            raise ConfigError(f"cannot save the trace to {path}: {exc.strerror or exc}") from None

    def clear(self) -> None:
        self.entries.clear()
