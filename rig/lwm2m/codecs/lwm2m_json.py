"""LwM2M JSON (content format 11543, LwM2M 1.0): decoding only."""

from __future__ import annotations

import json

from rig.lwm2m.codecs.common import (
    CodecError,
    Path,
    Value,
    Values,
    b64decode,
    parse_objlnk,
    parse_path,
    type_for,
)
from rig.lwm2m.codecs.senml import _typed
from rig.lwm2m.model import ObjectRegistry, ResourceType

FMT = "LwM2M JSON"


def decode(data: bytes, base: Path, registry: ObjectRegistry | None = None) -> Values:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CodecError(f"{FMT}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("e"), list):
        raise CodecError(f"{FMT}: expected an object with an 'e' array")
    base_name = doc.get("bn", "/".join(("", *map(str, base))) + "/")
    if not isinstance(base_name, str):
        raise CodecError(f"{FMT}: 'bn' is not a string")
    if not base_name.endswith("/"):
        base_name += "/"
    values: Values = {}
    for index, entry in enumerate(doc["e"]):
        if not isinstance(entry, dict):
            raise CodecError(f"{FMT}: entry {index} is not an object")
        name = entry.get("n", "")
        if not isinstance(name, str):
            raise CodecError(f"{FMT}: entry {index}: 'n' is not a string")
        try:
            path = parse_path((base_name + name).rstrip("/") or "/")
        except CodecError as exc:
            raise CodecError(f"{FMT}: entry {index}: {exc}") from None
        rtype = type_for(registry, path)
        value: Value
        if "v" in entry and not isinstance(entry["v"], bool) and isinstance(entry["v"], int | float):
            value = entry["v"]
        elif "bv" in entry and isinstance(entry["bv"], bool):
            value = entry["bv"]
        elif "ov" in entry and isinstance(entry["ov"], str):
            value = parse_objlnk(entry["ov"])
        elif "sv" in entry and isinstance(entry["sv"], str):
            value = entry["sv"]
            if rtype is ResourceType.OPAQUE:
                value = b64decode(entry["sv"], f"{FMT}: entry {index}")
        else:
            raise CodecError(f"{FMT}: entry {index} has no valid value (v, bv, ov or sv)")
        values[path] = _typed(value, rtype, path, FMT)
    return values
