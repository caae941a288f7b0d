"""LwM2M content formats: decode device payloads into typed values and encode writes."""

from __future__ import annotations

from collections.abc import Callable

from rig.lwm2m.codecs import link, lwm2m_json, senml, text, tlv
from rig.lwm2m.codecs.common import CodecError, Path, Value, Values, format_path, parse_path
from rig.lwm2m.model import ObjectRegistry

TEXT, LINK, OPAQUE, CBOR, SENML_JSON, SENML_CBOR = 0, 40, 42, 60, 110, 112
TLV, LWM2M_JSON, OLD_TLV, OLD_JSON = 11542, 11543, 1542, 1543

FORMAT_NAMES = {
    "text": TEXT,
    "opaque": OPAQUE,
    "tlv": TLV,
    "json": LWM2M_JSON,
    "senml-json": SENML_JSON,
    "senml-cbor": SENML_CBOR,
    "link": LINK,
}

Decoder = Callable[[bytes, Path, ObjectRegistry | None], Values]
Encoder = Callable[[Values, Path, ObjectRegistry | None], bytes]

DECODERS: dict[int, Decoder] = {
    TEXT: text.decode_text,
    OPAQUE: text.decode_opaque,
    TLV: tlv.decode,
    OLD_TLV: tlv.decode,
    LWM2M_JSON: lwm2m_json.decode,
    OLD_JSON: lwm2m_json.decode,
    SENML_JSON: senml.decode_json,
    SENML_CBOR: senml.decode_cbor,
}
ENCODERS: dict[int, Encoder] = {
    TEXT: text.encode_text,
    OPAQUE: text.encode_opaque,
    TLV: tlv.encode,
    SENML_JSON: senml.encode_json,  # type: ignore[dict-item]
    SENML_CBOR: senml.encode_cbor,  # type: ignore[dict-item]
}


def format_number(fmt: int | str) -> int:
    """A content format by name or number. Numbers must fit CoAP's option: a negative one raised
    OverflowError deep in aiocoap and left the server unable to send to that device again."""
    if isinstance(fmt, str) and fmt.isascii() and fmt.isdigit():
        fmt = int(fmt)
    if isinstance(fmt, int) and not isinstance(fmt, bool):
        if not 0 <= fmt <= 65535:
            raise CodecError(f"content format {fmt} is out of range (0..65535)")
        return fmt
    if not isinstance(fmt, str):
        raise CodecError(f"content format {fmt!r}: give a name ({', '.join(FORMAT_NAMES)}) or a number")
    try:
        return FORMAT_NAMES[fmt.lower()]
    except KeyError:
        raise CodecError(f"unknown content format {fmt!r} (known: {', '.join(FORMAT_NAMES)})") from None


def decode(content_format: int | None, payload: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    """Decode a payload; a missing content format is read as plain text (CoAP's default)."""
    cf = TEXT if content_format is None else content_format
    if cf not in DECODERS:
        raise CodecError(f"unsupported content format {cf} for {format_path(base)}")
    return DECODERS[cf](payload, base, registry)


def encode(content_format: int, values: Values, base: Path, registry: ObjectRegistry | None = None) -> bytes:
    if content_format not in ENCODERS:
        name = next((f" ({n})" for n, cf in FORMAT_NAMES.items() if cf == content_format), "")
        writable = ", ".join(n for n, cf in FORMAT_NAMES.items() if cf in ENCODERS)
        raise CodecError(f"cannot encode content format {content_format}{name}; writes take {writable}")
    return ENCODERS[content_format](values, base, registry)


__all__ = [
    "CodecError",
    "Path",
    "Value",
    "Values",
    "decode",
    "encode",
    "format_number",
    "format_path",
    "link",
    "parse_path",
    "senml",
    "tlv",
]
