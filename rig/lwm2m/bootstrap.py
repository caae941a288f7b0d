"""Bootstrap server: per-endpoint configuration (JSON or TOML) and the Bootstrap sequence."""

from __future__ import annotations

import asyncio
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rig.errors import ConfigError
from rig.lwm2m import codecs
from rig.lwm2m.codecs.link import Link, parse_links
from rig.lwm2m.errors import LwM2MError

if TYPE_CHECKING:
    from rig.lwm2m.aiocoap_adapter import RemoteHandle
    from rig.lwm2m.server import LwM2MServer

SECURITY_MODES = {"psk": 0, "rpk": 1, "certificate": 2, "nosec": 3, "est": 4}
BINDING_LETTERS = "UQSTNMH"
# What the client's resources hold: Lifetime is an unsigned 32-bit count, Short Server ID 1..65534
# (0 and 65535 are reserved), instance IDs 0..65534.
_INT_RANGES = {
    "lifetime": (0, 0xFFFFFFFF),
    "short_server_id": (1, 65534),
    "security_instance": (0, 65534),
    "server_instance": (0, 65534),
}
_TYPES: dict[str, type] = {"binding": str, "psk_identity": str, "psk_key": str, "delete_all": bool,
                           "discover": bool}


@dataclass
class EndpointConfig:
    server_uri: str
    security_mode: int = 3  # NoSec
    lifetime: int = 300
    short_server_id: int = 1
    binding: str = "U"
    psk_identity: str = ""
    psk_key: str = ""  # hex
    security_instance: int = 1  # /0/0 usually holds the bootstrap server's own account
    server_instance: int = 0
    delete_all: bool = True
    discover: bool = True
    format: str = "tlv"


@dataclass
class BootstrapConfig:
    endpoints: dict[str, EndpointConfig] = field(default_factory=dict)
    default: EndpointConfig | None = None

    def for_endpoint(self, endpoint: str) -> EndpointConfig | None:
        return self.endpoints.get(endpoint, self.default)

    @classmethod
    def load(cls, path: Path) -> BootstrapConfig:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"bootstrap config {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"bootstrap config {path}: not UTF-8 text (byte {exc.start})") from None
        try:
            is_toml = path.suffix.lower() == ".toml"
            data = tomllib.loads(text) if is_toml else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(  # anything but .toml is read as JSON: say so ("not valid xyz" did not)
                f"bootstrap config {path}: not valid {'TOML' if is_toml else 'JSON'}: {exc}"
            ) from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "bootstrap config") -> BootstrapConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: top level must be a table/object")
        unknown = set(data) - {"default", "endpoints"}
        if unknown:
            raise ConfigError(f"{source}: unknown section(s) {', '.join(sorted(unknown))} (default, endpoints)")
        config = cls()
        if "default" in data:
            config.default = _endpoint(data["default"], f"{source}: default")
        endpoints = data.get("endpoints", {})
        if not isinstance(endpoints, dict):
            raise ConfigError(f"{source}: 'endpoints' must map endpoint names to settings")
        for name, entry in endpoints.items():
            config.endpoints[name] = _endpoint(entry, f"{source}: endpoint {name!r}")
        return config


def _endpoint(entry: Any, where: str) -> EndpointConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table/object")
    names = {f.name: f for f in fields(EndpointConfig)}
    unknown = set(entry) - set(names)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "server_uri" not in entry:
        raise ConfigError(f"{where}: 'server_uri' is required")
    values = dict(entry)
    mode = values.get("security_mode", 3)
    if isinstance(mode, str):
        if mode.lower() not in SECURITY_MODES:
            raise ConfigError(f"{where}: security_mode {mode!r} unknown ({', '.join(SECURITY_MODES)})")
        values["security_mode"] = SECURITY_MODES[mode.lower()]
    elif type(mode) is not int or not 0 <= mode <= 4:  # type(): True is an int too
        raise ConfigError(f"{where}: security_mode must be 0..4 or a name")
    for key, (low, high) in _INT_RANGES.items():
        if key in values and (type(values[key]) is not int or not low <= values[key] <= high):
            raise ConfigError(f"{where}: {key} must be an integer in {low}..{high}, got {values[key]!r}")
    for key, kind in _TYPES.items():
        if key in values and not isinstance(values[key], kind):
            raise ConfigError(f"{where}: {key} must be a {kind.__name__}, got {values[key]!r}")
    _check_uri(values["server_uri"], where)
    if not values.get("binding", "U") or set(values.get("binding", "U")) - set(BINDING_LETTERS):
        raise ConfigError(f"{where}: binding {values['binding']!r} must be letters of {BINDING_LETTERS}")
    if values.get("security_mode", 3) == 0 and not (values.get("psk_identity") and values.get("psk_key")):
        # Was provisioned with an empty identity and key: a device that can never complete a handshake.
        raise ConfigError(f"{where}: security_mode psk needs psk_identity and psk_key")
    if values.get("psk_key"):
        try:
            bytes.fromhex(values["psk_key"])
        except ValueError:
            raise ConfigError(f"{where}: psk_key is not hex") from None
    fmt = values.get("format", "tlv")
    if isinstance(fmt, bool) or not isinstance(fmt, str | int):
        raise ConfigError(f"{where}: format must be a name or a number, got {fmt!r}")
    try:
        number = codecs.format_number(fmt)
    except codecs.CodecError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if number not in codecs.ENCODERS:
        raise ConfigError(f"{where}: format {values['format']!r} cannot carry the bootstrap writes "
                          "(tlv, senml-json, senml-cbor)")
    return EndpointConfig(**values)


def _check_uri(uri: object, where: str) -> None:
    if not isinstance(uri, str) or not uri.startswith(("coap://", "coaps://")):
        raise ConfigError(f"{where}: server_uri must be a coap:// or coaps:// URI")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  # raises ValueError when out of range
    except ValueError as exc:
        raise ConfigError(f"{where}: server_uri {uri!r}: {exc}") from None
    if not parts.hostname:
        raise ConfigError(f"{where}: server_uri {uri!r} names no host")


@dataclass
class BootstrapSession:
    endpoint: str
    config: EndpointConfig
    discovered: list[Link] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


async def run_bootstrap(server: LwM2MServer, endpoint: str, remote: RemoteHandle, cfg: EndpointConfig) -> None:
    """Discover, Delete, Write Security + Server instances, Finish. Emits bootstrap_* events."""
    await asyncio.sleep(0)  # let the 2.04 to the Bootstrap-Request go out first
    session = BootstrapSession(endpoint, cfg)
    coap = server.coap
    timeout = server.request_timeout

    async def call(method: str, path: tuple[int, ...], payload: bytes = b"", **kw: Any) -> Any:
        resp = await coap.request(remote, method, tuple(map(str, path)), payload, timeout=timeout, **kw)
        session.steps.append(f"{method} {codecs.format_path(path)} -> {resp.code}")
        if not resp.ok:
            raise LwM2MError(resp.code, codecs.format_path(path), "bootstrap step failed", endpoint)
        return resp

    try:
        if cfg.discover:
            resp = await call("GET", (), accept=codecs.LINK)
            session.discovered = parse_links(resp.payload) if resp.payload else []
        if cfg.delete_all:
            await call("DELETE", ())
        cf = codecs.format_number(cfg.format)
        sec = cfg.security_instance
        security: codecs.Values = {
            (0, sec, 0): cfg.server_uri,
            (0, sec, 1): False,
            (0, sec, 2): cfg.security_mode,
            (0, sec, 3): cfg.psk_identity.encode(),
            (0, sec, 4): b"",
            (0, sec, 5): bytes.fromhex(cfg.psk_key),
            (0, sec, 10): cfg.short_server_id,
        }
        await call("PUT", (0, sec), codecs.encode(cf, security, (0, sec), server.registry), content_format=cf)
        srv = cfg.server_instance
        server_obj: codecs.Values = {
            (1, srv, 0): cfg.short_server_id,
            (1, srv, 1): cfg.lifetime,
            (1, srv, 6): False,
            (1, srv, 7): cfg.binding,
        }
        await call("PUT", (1, srv), codecs.encode(cf, server_obj, (1, srv), server.registry), content_format=cf)
        resp = await coap.request(remote, "POST", ("bs",), timeout=timeout)
        session.steps.append(f"POST /bs -> {resp.code}")
        if not resp.ok:
            raise LwM2MError(resp.code, "/bs", "Bootstrap-Finish refused", endpoint)
    except Exception as exc:  # reported as an event: the server keeps serving
        server._emit("bootstrap_failed", endpoint, detail=str(exc), bootstrap=session)
        return
    server._emit("bootstrap_finished", endpoint, bootstrap=session)
