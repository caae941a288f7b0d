"""Shared pieces of the LwM2M content codecs: paths, values, errors, type coercion."""

from __future__ import annotations

import base64
import math
import re

from rig.errors import RigError
from rig.lwm2m.model import ObjectRegistry, ObjLnk, ResourceType

Path = tuple[int, ...]
Value = int | float | bool | str | bytes | ObjLnk
Values = dict[Path, Value]  # resource (o,i,r) or resource-instance (o,i,r,ri) path -> value

MAX_ID = 65535


class CodecError(RigError, ValueError):
    """Malformed or mistyped payload, path or value; the message names what was wrong. A RigError (the
    CLIs print it on one line) and a ValueError (what Python code expects of bad values)."""


def parse_path(text: str) -> Path:
    """'/3/0/1' -> (3, 0, 1); rejects empty segments, non-numbers and IDs > 65535."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        raise CodecError(f"path {text!r} does not start with '/'")
    body = stripped[1:]
    if len(body) > 1 and body.endswith("/"):
        body = body[:-1]  # one trailing slash is harmless ('/3/0/'); '//' or '//3' is a typo
    parts = body.split("/") if body else []
    if len(parts) > 4:
        raise CodecError(f"path {text!r} has more than 4 levels")
    path = []
    for part in parts:
        if not part:
            raise CodecError(f"path {text!r} has an empty segment")
        value = ascii_int(part)
        if value is None:
            raise CodecError(f"path {text!r}: segment {part!r} is not a number")
        if value > MAX_ID:
            raise CodecError(f"path {text!r}: ID {value} is out of range (0..65535)")
        path.append(value)
    return tuple(path)


def ascii_int(text: str) -> int | None:
    """A non-negative decimal of ASCII digits only, else None: int() also takes '\u0661\u0662' (Arabic-Indic
    digits), '1_0' and ' 12 ', none of which a CoAP peer means as a number."""
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


def to_float(value: int | float, where: str) -> float:
    """float(value), a CodecError for an integer beyond the float range (float(10**400) is OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        raise CodecError(f"{where}: number {str(value)[:20]}... is out of the float range") from None


def format_path(path: Path) -> str:
    return "/" + "/".join(str(p) for p in path)


def parse_objlnk(text: str) -> ObjLnk:
    m = re.fullmatch(r"([0-9]{1,5}):([0-9]{1,5})", text)  # [0-9]: \d takes any Unicode digit
    if not m or int(m[1]) > MAX_ID or int(m[2]) > MAX_ID:
        raise CodecError(f"object link {text!r} is not 'OBJ:INST' with IDs 0..65535")
    return ObjLnk(int(m[1]), int(m[2]))


def b64decode(text: str, what: str) -> bytes:
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, TypeError):
        raise CodecError(f"{what}: {text[:40]!r} is not valid base64") from None


def type_for(registry: ObjectRegistry | None, path: Path) -> ResourceType | None:
    return registry.type_of(path) if registry is not None else None


def utf8(text: str, what: str) -> bytes:
    """text as UTF-8; a string that has no UTF-8 form (a lone surrogate) is a CodecError naming what."""
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        raise CodecError(f"{what}: {text[:40]!r} has no UTF-8 form ({exc.reason})") from None


def coerce(value: object, rtype: ResourceType | None, path: Path) -> Value:
    """Check/convert a value for a resource of type rtype (None: keep the Python type)."""
    where = format_path(path)
    if isinstance(value, str):
        utf8(value, where)  # every format sends text as UTF-8
    if rtype is None or rtype in (ResourceType.NONE, ResourceType.CORELNK):
        if isinstance(value, int | float | bool | str | bytes | ObjLnk):
            return value
        raise CodecError(f"{where}: unsupported value type {type(value).__name__}")
    if rtype in (ResourceType.INTEGER, ResourceType.UNSIGNED, ResourceType.TIME):
        if isinstance(value, bool):
            raise CodecError(f"{where}: expected an integer, got a boolean")
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise CodecError(f"{where}: expected an integer, got {type(value).__name__}")
        if rtype is ResourceType.UNSIGNED and value < 0:
            raise CodecError(f"{where}: unsigned integer {value} is negative")
        if not -(2**63) <= value < 2**64:
            raise CodecError(f"{where}: integer {value} does not fit in 64 bits")
        return value
    if rtype is ResourceType.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CodecError(f"{where}: expected a float, got {type(value).__name__}")
        return to_float(value, where)
    if rtype is ResourceType.BOOLEAN:
        if not isinstance(value, bool):
            raise CodecError(f"{where}: expected a boolean, got {type(value).__name__}")
        return value
    if rtype is ResourceType.STRING:
        if not isinstance(value, str):
            raise CodecError(f"{where}: expected a string, got {type(value).__name__}")
        return value
    if rtype is ResourceType.OPAQUE:
        if not isinstance(value, bytes):
            raise CodecError(f"{where}: expected bytes, got {type(value).__name__}")
        return value
    if rtype is ResourceType.OBJLNK:
        if isinstance(value, str):
            return parse_objlnk(value)
        if not isinstance(value, ObjLnk):
            raise CodecError(f"{where}: expected an object link, got {type(value).__name__}")
        return value
    raise CodecError(f"{where}: unsupported resource type {rtype}")


def relative_to(base: Path, path: Path) -> Path:
    if path[: len(base)] != base:
        raise CodecError(f"{format_path(path)} is not below {format_path(base)}")
    return path[len(base) :]
