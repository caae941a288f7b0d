"""OMA-TLV (content format 11542): LwM2M 1.0's binary format."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from rig.lwm2m.codecs.common import CodecError, Path, Value, Values, coerce, format_path, type_for
from rig.lwm2m.model import ObjectRegistry, ObjLnk, ResourceType

OBJECT_INSTANCE, RESOURCE_INSTANCE, MULTIPLE_RESOURCE, RESOURCE = 0, 1, 2, 3
_KIND_NAMES = ("object instance", "resource instance", "multiple resource", "resource")


@dataclass
class Tlv:
    kind: int
    ident: int
    value: bytes = b""
    children: list[Tlv] = field(default_factory=list)


# What each container may hold (LwM2M TS Core 7.4.3); checked before recursing, so a payload of
# containers nested in containers fails on its second level instead of exhausting the stack.
_ALLOWED_INSIDE = {OBJECT_INSTANCE: (RESOURCE, MULTIPLE_RESOURCE), MULTIPLE_RESOURCE: (RESOURCE_INSTANCE,)}


def parse(data: bytes, parent: tuple[int, int] | None = None) -> list[Tlv]:
    """Split a TLV byte string into entries, recursing into containers. `parent` (kind, ident): the
    container `data` is the value of; its children must fit in it and be of a kind it may hold."""
    out: list[Tlv] = []
    inside = f" inside {_KIND_NAMES[parent[0]]} {parent[1]}" if parent is not None else ""
    pos = 0
    while pos < len(data):
        start = pos
        head = data[pos]
        kind = head >> 6
        id_len = 2 if head & 0x20 else 1
        len_type = (head >> 3) & 0x03
        pos += 1
        if pos + id_len + len_type > len(data):
            raise CodecError(f"TLV: header at offset {start}{inside} truncated")
        ident = int.from_bytes(data[pos : pos + id_len], "big")
        pos += id_len
        length = int.from_bytes(data[pos : pos + len_type], "big") if len_type else head & 0x07
        pos += len_type
        if pos + length > len(data):
            raise CodecError(
                f"TLV: {_KIND_NAMES[kind]} {ident} at offset {start}{inside} claims {length} bytes, "
                f"only {len(data) - pos} left"
            )
        if parent is not None and kind not in _ALLOWED_INSIDE[parent[0]]:
            raise CodecError(f"TLV: {_KIND_NAMES[kind]} {ident} not allowed{inside}")
        body = data[pos : pos + length]
        pos += length
        if kind in _ALLOWED_INSIDE:
            out.append(Tlv(kind, ident, children=parse(body, (kind, ident))))
        else:
            out.append(Tlv(kind, ident, value=body))
    return out


def _header(kind: int, ident: int, length: int) -> bytes:
    head = kind << 6
    id_bytes = ident.to_bytes(2 if ident > 0xFF else 1, "big")
    if ident > 0xFF:
        head |= 0x20
    if length < 8:
        return bytes([head | length]) + id_bytes
    n = 1 if length <= 0xFF else 2 if length <= 0xFFFF else 3
    if length > 0xFFFFFF:
        raise CodecError(f"TLV: value of {length} bytes is too long")
    return bytes([head | (n << 3)]) + id_bytes + length.to_bytes(n, "big")


def serialize(entries: list[Tlv]) -> bytes:
    out = bytearray()
    for entry in entries:
        body = serialize(entry.children) if entry.kind in (OBJECT_INSTANCE, MULTIPLE_RESOURCE) else entry.value
        out += _header(entry.kind, entry.ident, len(body)) + body
    return bytes(out)


def encode_value(value: Value) -> bytes:
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, ObjLnk):
        return struct.pack(">HH", value.obj, value.inst)
    if isinstance(value, int):
        for size in (1, 2, 4, 8):
            if -(2 ** (8 * size - 1)) <= value < 2 ** (8 * size - 1):
                return value.to_bytes(size, "big", signed=True)
        if value < 2**64:
            return value.to_bytes(8, "big")
        raise CodecError(f"TLV: integer {value} does not fit in 8 bytes")
    if isinstance(value, float):
        single = struct.pack(">f", value) if math.isfinite(value) and abs(value) < 3.4e38 else b""
        if single and struct.unpack(">f", single)[0] == value:
            return single
        return struct.pack(">d", value)
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


def decode_value(raw: bytes, rtype: ResourceType | None, path: Path) -> Value:
    where = format_path(path)
    if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED):
        if len(raw) not in (1, 2, 4, 8):
            raise CodecError(f"TLV {where}: integer of {len(raw)} bytes (must be 1, 2, 4 or 8)")
        signed = not (rtype is ResourceType.UNSIGNED and len(raw) == 8)
        return int.from_bytes(raw, "big", signed=signed)
    if rtype is ResourceType.FLOAT:
        if len(raw) == 4:
            return float(struct.unpack(">f", raw)[0])
        if len(raw) == 8:
            return float(struct.unpack(">d", raw)[0])
        raise CodecError(f"TLV {where}: float of {len(raw)} bytes (must be 4 or 8)")
    if rtype is ResourceType.BOOLEAN:
        if raw not in (b"\x00", b"\x01"):
            raise CodecError(f"TLV {where}: boolean must be one byte 0 or 1, got {raw.hex()}")
        return raw == b"\x01"
    if rtype is ResourceType.OBJLNK:
        if len(raw) != 4:
            raise CodecError(f"TLV {where}: object link of {len(raw)} bytes (must be 4)")
        return ObjLnk(*struct.unpack(">HH", raw))
    if rtype in (ResourceType.STRING, ResourceType.CORELNK):
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise CodecError(f"TLV {where}: string is not valid UTF-8") from None
    return raw  # opaque or unknown resource: leave the bytes as they are


def decode(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    """Decode a TLV payload answering a request on `base` into flat typed values."""
    values: Values = {}

    def put(path: Path, raw: bytes) -> None:
        values[path] = decode_value(raw, type_for(registry, path), path)

    def resource(entry: Tlv, prefix: Path) -> None:
        path = (*prefix, entry.ident)
        if entry.kind == MULTIPLE_RESOURCE:
            for child in entry.children:
                put((*path, child.ident), child.value)
        else:
            put(path, entry.value)

    for entry in parse(data):
        if entry.kind == OBJECT_INSTANCE:
            if len(base) < 1:
                raise CodecError("TLV: object instance entry needs an object ID in the request path")
            for child in entry.children:
                resource(child, (base[0], entry.ident))
        elif entry.kind in (RESOURCE, MULTIPLE_RESOURCE):
            if len(base) < 2:
                raise CodecError(f"TLV: resource {entry.ident} at top level of a request on {format_path(base)}")
            resource(entry, base[:2])
        else:
            if len(base) < 3:
                raise CodecError(f"TLV: resource instance at top level of a request on {format_path(base)}")
            put((*base[:3], entry.ident), entry.value)
    return values


def encode(values: Values, base: Path, registry: ObjectRegistry | None = None) -> bytes:
    """Encode flat values (all below `base`) into TLV shaped for a request on `base`."""
    if not values:
        return b""
    typed = {p: coerce(v, type_for(registry, p), p) for p, v in sorted(values.items())}
    for path in typed:
        if path[: len(base)] != base or len(path) < 3:
            raise CodecError(f"TLV: {format_path(path)} is not a resource below {format_path(base)}")

    def resources(items: dict[Path, Value]) -> list[Tlv]:
        out: list[Tlv] = []
        groups: dict[int, dict[Path, Value]] = {}
        for path, value in items.items():
            groups.setdefault(path[2], {})[path] = value
        for rid, group in groups.items():
            multi = any(len(p) == 4 for p in group)
            if multi:
                children = [Tlv(RESOURCE_INSTANCE, p[3], encode_value(v)) for p, v in group.items()]
                out.append(Tlv(MULTIPLE_RESOURCE, rid, children=children))
            else:
                out.append(Tlv(RESOURCE, rid, encode_value(next(iter(group.values())))))
        return out

    if len(base) == 4:
        return serialize([Tlv(RESOURCE_INSTANCE, base[3], encode_value(typed[base]))])
    if len(base) >= 2:
        return serialize(resources(typed))
    instances: dict[int, dict[Path, Value]] = {}
    for path, value in typed.items():
        instances.setdefault(path[1], {})[path] = value
    return serialize([Tlv(OBJECT_INSTANCE, iid, children=resources(group)) for iid, group in instances.items()])
