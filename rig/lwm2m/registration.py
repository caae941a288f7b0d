"""Registration interface: validating Register/Update parameters and the object link payload."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rig.lwm2m.aiocoap_adapter import RemoteHandle
from rig.lwm2m.codecs.common import CodecError, ascii_int
from rig.lwm2m.codecs.link import Link, parse_links

DEFAULT_LIFETIME = 86400
VERSIONS = ("1.0", "1.1", "1.2")
_EP = re.compile(r"[\x21-\x7e]{1,128}")
_BINDING = re.compile(r"U|UQ|S|SQ|US|UQS|[UMHTSN]{1,6}")
_TARGET = re.compile(r"/?([0-9]{1,5})(?:/([0-9]{1,5}))?")  # [0-9]: \d takes any Unicode digit


class RegistrationRejected(ValueError):
    """A Register/Update request that is malformed; the message becomes the 4.00 diagnostic payload."""


@dataclass
class Registration:
    endpoint: str
    reg_id: str
    lifetime: int
    version: str
    binding: str
    queue_mode: bool
    remote: RemoteHandle
    address: tuple[str, int]
    objects: dict[int, list[int]] = field(default_factory=dict)  # object ID -> instance IDs
    object_versions: dict[int, str] = field(default_factory=dict)
    root_path: str = ""  # alternate path from </...>;rt="oma.lwm2m"
    links: list[Link] = field(default_factory=list)
    registered_at: float = 0.0
    updated_at: float = 0.0
    sms: str | None = None


@dataclass
class RegistrationParams:
    endpoint: str | None = None
    lifetime: int | None = None
    version: str | None = None
    binding: str | None = None
    queue_mode: bool = False
    sms: str | None = None


def parse_query(query: tuple[str, ...], *, update: bool) -> RegistrationParams:
    params = RegistrationParams()
    seen: set[str] = set()
    for item in query:
        key, sep, value = item.partition("=")
        if key in seen:
            raise RegistrationRejected(f"query parameter {key!r} given twice")
        seen.add(key)
        if key == "ep" and not update:
            if not _EP.fullmatch(value):
                raise RegistrationRejected(f"endpoint name {value[:40]!r} is empty, too long or not printable")
            params.endpoint = value
        elif key == "lt":
            lifetime = ascii_int(value)
            if lifetime is None or not 1 <= lifetime <= 2**32 - 1:
                raise RegistrationRejected(f"lifetime lt={value[:20]!r} is not an integer in 1..4294967295")
            params.lifetime = lifetime
        elif key == "lwm2m" and not update:
            if value not in VERSIONS:
                raise RegistrationRejected(f"unsupported LwM2M version lwm2m={value[:20]!r} (1.0, 1.1 or 1.2)")
            params.version = value
        elif key == "b":
            if not _BINDING.fullmatch(value):
                raise RegistrationRejected(f"binding b={value[:20]!r} is not a valid binding mode")
            params.binding = value
        elif key == "Q":
            if sep:
                raise RegistrationRejected("queue mode flag Q takes no value")
            params.queue_mode = True
        elif key == "sms":
            params.sms = value
        # Other parameters (e.g. "sv", "vs") are ignored, as the TS allows.
    if not update and params.endpoint is None:
        raise RegistrationRejected("missing endpoint name (ep)")
    return params


def parse_object_links(payload: bytes, content_format: int | None) -> tuple[list[Link], str, dict, dict]:
    """Returns (links, root path, objects {oid: [iids]}, versions {oid: ver})."""
    if content_format not in (None, 40):
        raise RegistrationRejected(f"registration payload must be link format (40), not {content_format}")
    if not payload.strip():
        raise RegistrationRejected("missing object links payload")
    try:
        links = parse_links(payload)
    except CodecError as exc:
        raise RegistrationRejected(str(exc)) from None
    root = ""
    for link in links:
        if link.attrs.get("rt") == "oma.lwm2m":
            root = link.target.rstrip("/")
    objects: dict[int, list[int]] = {}
    versions: dict[int, str] = {}
    for link in links:
        target = link.target
        if link.attrs.get("rt") == "oma.lwm2m":
            continue
        if root and target.startswith(root + "/"):
            target = target[len(root) :]
        m = _TARGET.fullmatch(target)
        if not m or int(m[1]) > 65535 or (m[2] and int(m[2]) > 65535):
            raise RegistrationRejected(f"object link <{link.target[:40]}> is not </OBJ> or </OBJ/INST>")
        instances = objects.setdefault(int(m[1]), [])
        if m[2] is not None and int(m[2]) not in instances:
            instances.append(int(m[2]))
        if link.attrs.get("ver"):
            versions[int(m[1])] = str(link.attrs["ver"])
    return links, root, objects, versions
