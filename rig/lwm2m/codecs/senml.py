"""SenML JSON (110) and SenML CBOR (112) as LwM2M 1.1 uses them (RFC 8428 + 'vlo')."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass

import cbor2

from rig.lwm2m.codecs.common import (
    CodecError,
    Path,
    Value,
    Values,
    b64decode,
    coerce,
    format_path,
    parse_objlnk,
    parse_path,
    to_float,
    type_for,
)
from rig.lwm2m.model import ObjectRegistry, ObjLnk, ResourceType

# RFC 8428 CBOR labels; LwM2M's "vlo" keeps its text label.
_CBOR_LABELS = {-2: "bn", -3: "bt", 0: "n", 1: "u", 2: "v", 3: "vs", 4: "vb", 8: "vd", 6: "t", -1: "bver"}
_CBOR_KEYS = {name: label for label, name in _CBOR_LABELS.items()}
MAX_RECORDS = 10000


@dataclass
class Record:
    path: Path
    value: Value | None  # None: a record naming a path only (Read-Composite request bodies)
    time: float | None = None


def _to_records(raw: object, fmt: str) -> list[Record]:
    if not isinstance(raw, list):
        raise CodecError(f"{fmt}: top level must be an array of records")
    if len(raw) > MAX_RECORDS:
        raise CodecError(f"{fmt}: more than {MAX_RECORDS} records")
    records: list[Record] = []
    base_name, base_time = "", 0.0
    for index, rec in enumerate(raw):
        if not isinstance(rec, dict):
            raise CodecError(f"{fmt}: record {index} is not a map")
        if "bn" in rec:
            if not isinstance(rec["bn"], str):
                raise CodecError(f"{fmt}: record {index}: 'bn' is not a string")
            base_name = rec["bn"]
        if "bt" in rec:
            if isinstance(rec["bt"], bool) or not isinstance(rec["bt"], int | float):
                raise CodecError(f"{fmt}: record {index}: 'bt' is not a number")
            base_time = to_float(rec["bt"], f"{fmt}: record {index}: 'bt'")
        name = rec.get("n", "")
        if not isinstance(name, str):
            raise CodecError(f"{fmt}: record {index}: 'n' is not a string")
        try:
            path = parse_path(base_name + name)
        except CodecError as exc:
            raise CodecError(f"{fmt}: record {index}: {exc}") from None
        present = [k for k in ("v", "vs", "vb", "vd", "vlo") if k in rec]
        if len(present) > 1:
            raise CodecError(f"{fmt}: record {index}: several values ({', '.join(present)})")
        value: Value | None = None
        if present:
            key, raw_value = present[0], rec[present[0]]
            if key == "v":
                if isinstance(raw_value, bool) or not isinstance(raw_value, int | float):
                    raise CodecError(f"{fmt}: record {index}: 'v' is not a number")
                value = raw_value
            elif key == "vb":
                if not isinstance(raw_value, bool):
                    raise CodecError(f"{fmt}: record {index}: 'vb' is not a boolean")
                value = raw_value
            elif key == "vs":
                if not isinstance(raw_value, str):
                    raise CodecError(f"{fmt}: record {index}: 'vs' is not a string")
                value = raw_value
            elif key == "vd":
                if isinstance(raw_value, bytes):
                    value = raw_value
                elif isinstance(raw_value, str):
                    value = b64decode(raw_value, f"{fmt}: record {index} 'vd'")
                else:
                    raise CodecError(f"{fmt}: record {index}: 'vd' is not data")
            else:
                if not isinstance(raw_value, str):
                    raise CodecError(f"{fmt}: record {index}: 'vlo' is not a string")
                value = parse_objlnk(raw_value)
        t = rec.get("t")
        if t is not None and (isinstance(t, bool) or not isinstance(t, int | float)):
            raise CodecError(f"{fmt}: record {index}: 't' is not a number")
        time = base_time + to_float(t, f"{fmt}: record {index}: 't'") if t is not None else (base_time or None)
        records.append(Record(path, value, time))
    return records


def _typed(value: Value, rtype: ResourceType | None, path: Path, fmt: str) -> Value:
    try:
        if rtype is ResourceType.FLOAT and isinstance(value, int) and not isinstance(value, bool):
            return to_float(value, format_path(path))
        return coerce(value, rtype, path)
    except CodecError as exc:
        raise CodecError(f"{fmt}: {exc}") from None


def records_to_values(records: list[Record], registry: ObjectRegistry | None, fmt: str) -> Values:
    values: Values = {}
    for rec in records:
        if rec.value is None:
            raise CodecError(f"{fmt}: record for {format_path(rec.path)} carries no value")
        values[rec.path] = _typed(rec.value, type_for(registry, rec.path), rec.path, fmt)
    return values


def _record_dict(path: Path, value: Value | None, name: str) -> dict[str, object]:
    rec: dict[str, object] = {}
    if name:
        rec["n"] = name
    if value is None:
        return rec
    if isinstance(value, bool):
        rec["vb"] = value
    elif isinstance(value, ObjLnk):
        rec["vlo"] = str(value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CodecError(f"SenML cannot carry the float {value} ({format_path(path)})")
        rec["v"] = value
    elif isinstance(value, str):
        rec["vs"] = value
    else:
        rec["vd"] = value
    return rec


def _encode_records(values: dict[Path, Value | None], base: Path, registry: ObjectRegistry | None) -> list[dict]:
    # LwM2M style: bn "/3/0/" on the first record, names relative to it ("1", "6/0").
    out: list[dict] = []
    deeper = any(len(p) > len(base) for p in values)
    base_name = (format_path(base) + ("/" if deeper else "")) if base else ""
    for path, value in sorted(values.items()):
        full = format_path(path)
        if not full.startswith(base_name):
            raise CodecError(f"SenML: {full} is not below {base_name}")
        typed = None if value is None else coerce(value, type_for(registry, path), path)
        name = full[len(base_name) :] if base_name else full
        rec = _record_dict(path, typed, name)
        if not out and base_name:
            rec = {"bn": base_name, **rec}
        out.append(rec)
    return out


def decode_json_records(data: bytes) -> list[Record]:
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CodecError(f"SenML JSON: not valid JSON ({exc})") from None
    return _to_records(raw, "SenML JSON")


def decode_cbor_records(data: bytes) -> list[Record]:
    try:
        raw = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types for malformed input
        raise CodecError(f"SenML CBOR: not valid CBOR ({exc})") from None
    if isinstance(raw, list):
        converted = []
        for rec in raw:
            if isinstance(rec, dict):
                rec = {_CBOR_LABELS.get(k, k) if isinstance(k, int) else k: v for k, v in rec.items()}
            converted.append(rec)
        raw = converted
    return _to_records(raw, "SenML CBOR")


def decode_json(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    return records_to_values(decode_json_records(data), registry, "SenML JSON")


def decode_cbor(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    return records_to_values(decode_cbor_records(data), registry, "SenML CBOR")


def encode_json(values: dict[Path, Value | None], base: Path, registry: ObjectRegistry | None = None) -> bytes:
    records = _encode_records(values, base, registry)
    for rec in records:
        if isinstance(rec.get("vd"), bytes):
            rec["vd"] = base64.urlsafe_b64encode(rec["vd"]).decode().rstrip("=")
    return json.dumps(records, separators=(",", ":")).encode()


def encode_cbor(values: dict[Path, Value | None], base: Path, registry: ObjectRegistry | None = None) -> bytes:
    records = _encode_records(values, base, registry)
    return cbor2.dumps([{_CBOR_KEYS.get(k, k): v for k, v in rec.items()} for rec in records])
