"""Plain text (content format 0) and opaque (42): single-resource formats."""

from __future__ import annotations

import base64
import math
import re

from rig.lwm2m.codecs.common import (
    CodecError,
    Path,
    Value,
    Values,
    b64decode,
    coerce,
    format_path,
    parse_objlnk,
    type_for,
)
from rig.lwm2m.model import ObjectRegistry, ObjLnk, ResourceType

# [0-9], not \d: \d matches any Unicode digit, and int()/float() read '\u0661\u0662' as 12
_INT = re.compile(r"-?[0-9]{1,20}")
_FLOAT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def _single(values: Values, base: Path, fmt: str) -> tuple[Path, Value]:
    if len(base) < 3 or list(values) != [base]:
        raise CodecError(f"{fmt} carries exactly one resource value; request path is {format_path(base)}")
    return base, values[base]


def encode_text_value(value: Value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CodecError(f"plain text cannot carry the float {value}")
        return repr(value)
    if isinstance(value, ObjLnk):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def decode_text_value(text: str, rtype: ResourceType | None, path: Path) -> Value:
    where = format_path(path)
    if rtype in (ResourceType.INTEGER, ResourceType.UNSIGNED, ResourceType.TIME):
        if not _INT.fullmatch(text):
            raise CodecError(f"plain text {where}: {text[:40]!r} is not an integer")
        return coerce(int(text), rtype, path)  # the range: 20 digits exceed 64 bits
    if rtype is ResourceType.FLOAT:
        if not _FLOAT.fullmatch(text):
            raise CodecError(f"plain text {where}: {text[:40]!r} is not a number")
        return float(text)
    if rtype is ResourceType.BOOLEAN:
        if text not in ("0", "1"):
            raise CodecError(f"plain text {where}: boolean must be '0' or '1', got {text[:40]!r}")
        return text == "1"
    if rtype is ResourceType.OBJLNK:
        return parse_objlnk(text)
    if rtype is ResourceType.OPAQUE:
        return b64decode(text, f"plain text {where}")
    return text


def decode_text(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    if len(base) < 3:
        raise CodecError(f"plain text answers only resource requests, not {format_path(base)}")
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise CodecError(f"plain text {format_path(base)}: payload is not valid UTF-8") from None
    return {base: decode_text_value(text, type_for(registry, base), base)}


def encode_text(values: Values, base: Path, registry: ObjectRegistry | None = None) -> bytes:
    path, value = _single(values, base, "plain text")
    return encode_text_value(coerce(value, type_for(registry, path), path)).encode()


def decode_opaque(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    if len(base) < 3:
        raise CodecError(f"opaque answers only resource requests, not {format_path(base)}")
    rtype = type_for(registry, base)
    if rtype not in (None, ResourceType.OPAQUE):
        raise CodecError(f"opaque content for {format_path(base)}, a {rtype.value} resource")
    return {base: bytes(data)}


def encode_opaque(values: Values, base: Path, registry: ObjectRegistry | None = None) -> bytes:
    path, value = _single(values, base, "opaque")
    if not isinstance(value, bytes):
        raise CodecError(f"opaque {format_path(path)}: value must be bytes, got {type(value).__name__}")
    return value
