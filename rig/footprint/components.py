"""Component definitions (TOML or JSON): which source files make up which component.

    version = 1
    [[component]]
    name = "CoAP"
    paths = ["os/net/app-layer/coap/*"]       # fnmatch globs on the source path (no extension)
    symbols = ["coap_obs*"]                   # optional: only these symbols of those files
    members = ["client_ctx.coap"]             # optional: a struct member of a data object (DWARF)
    paper = "CoAP alone"                      # optional: seed-paper row to show side by side
    contiki_ng = "CoAP"                       # optional: Contiki-NG row
    [[component]]                             # the same name again: more rules for that component
    name = "CoAP"
    paths = ["apps/*/coap-*"]
    [[group]]                                 # optional: sums of components, for budgets and anchors
    name = "LwM2M (all)"
    components = ["LwM2M core", "registration"]
    [reserved]                                # RAM set aside rather than used by code
    stack = [".stack", "*stack*"]             # output/input section names or symbol globs
    heap = [".heap"]

`members` carve a struct member out of a data object, wherever the object is defined: the bytes
of `SYMBOL.MEMBER` (up to the next member, padding included) count for this component, the rest of
the object as usual. An entry with only `members` needs no `paths`.

A file's key is its path below the build's obj/<app>/ directory without extension (e.g.
"os/net/sixlo/sixlo"), or "libgcc.a(_udivsi3.o)" for archive members; globs are also tried on the
full path. The first component whose pattern matches wins.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rig.errors import ConfigError
from rig.inputfile import refuse_special_file

OTHER = "other"
STACK = "stack (reserved)"
HEAP = "heap (reserved)"


@dataclass(frozen=True)
class Component:
    name: str
    paths: tuple[str, ...]
    paper: str | None = None
    contiki_ng: str | None = None
    symbols: tuple[str, ...] = ()  # if set: only symbols matching these globs, within `paths`
    members: tuple[str, ...] = ()  # "SYMBOL.MEMBER": a struct member of a data object


@dataclass(frozen=True)
class Group:
    name: str
    components: tuple[str, ...]
    paper: str | None = None
    contiki_ng: str | None = None


@dataclass
class ComponentConfig:
    components: list[Component]
    groups: list[Group] = field(default_factory=list)
    stack_patterns: tuple[str, ...] = (".stack",)
    heap_patterns: tuple[str, ...] = (".heap",)
    paper_total: str | None = None  # anchor row matching the whole image
    contiki_ng_total: str | None = None

    def classify(self, origin: str, symbol: str = "") -> tuple[str, str]:
        """(component, file key) for a symbol of an input object / archive member / source file."""
        if not origin:
            return OTHER, "(linker fill)"
        key = file_key(origin)
        bare = _SECTION_PREFIX.sub("", symbol)
        for comp in self.components:
            if comp.symbols and not any(
                fnmatch.fnmatchcase(symbol, p) or fnmatch.fnmatchcase(bare, p) for p in comp.symbols
            ):
                continue
            for pattern in comp.paths:
                if fnmatch.fnmatchcase(key, pattern) or fnmatch.fnmatchcase(origin, pattern):
                    return comp.name, key
        return OTHER, key

    @property
    def member_rules(self) -> dict[str, list[tuple[str, str]]]:
        """symbol -> [(member, component)]"""
        out: dict[str, list[tuple[str, str]]] = {}
        for comp in self.components:
            for spec in comp.members:
                sym, member = spec.split(".", 1)
                out.setdefault(sym, []).append((member, comp.name))
        return out

    @property
    def has_symbol_rules(self) -> bool:
        return any(c.symbols for c in self.components)

    def reserved(self, *names: str) -> str | None:
        """STACK / HEAP when a section or symbol name marks reserved RAM."""
        for kind, patterns in ((STACK, self.stack_patterns), (HEAP, self.heap_patterns)):
            for name in names:
                if name and any(fnmatch.fnmatchcase(name, p) for p in patterns):
                    return kind
        return None

    @property
    def names(self) -> list[str]:
        """Component names in order of first appearance (an entry may repeat a name to add rules)."""
        return list(dict.fromkeys(c.name for c in self.components))

    def anchors(self, name: str) -> tuple[str | None, str | None]:
        """(seed-paper row, Contiki-NG row) of a component: the first its entries name."""
        entries = [c for c in self.components if c.name == name]
        paper = next((c.paper for c in entries if c.paper), None)
        return paper, next((c.contiki_ng for c in entries if c.contiki_ng), None)


# ".text.lwm2m_reg_send" (an input section named after its function) -> "lwm2m_reg_send"
_SECTION_PREFIX = re.compile(r"^\.(?:text|rodata|data|bss)(?:\.str1\.\d+)?\.")
_ARCHIVE = re.compile(r"^(?:.*/)?([^/()]+\.a)\(([^()]+)\)$")


def file_key(origin: str) -> str:
    m = _ARCHIVE.match(origin)
    if m:
        return f"{m.group(1)}({m.group(2)})"
    path = PurePosixPath(origin.replace("\\", "/"))
    parts = path.parts
    # build/cc2538/obj/<app>/<source path>.o -> <source path>
    if "obj" in parts:
        i = len(parts) - 1 - parts[::-1].index("obj")
        if len(parts) > i + 2:
            parts = parts[i + 2 :]
    stem = PurePosixPath(*parts)
    return str(stem.with_suffix("")) if stem.suffix in (".o", ".c", ".S", ".s", ".obj") else str(stem)


def load_components(path: Path) -> ComponentConfig:
    raw = _load_table(path, "components")
    try:
        return _build(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _load_table(path: Path, what: str) -> dict[str, Any]:
    path = Path(path)
    refuse_special_file(path, f"a {what} file")
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what} file ({exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: malformed {what} file ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: malformed {what} file (top level must be a table)")
    return data


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _opt_str(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}.{key} must be a string")
    return value


def _build(raw: dict[str, Any]) -> ComponentConfig:
    version = raw.get("version", 1)
    if version != 1:
        raise ConfigError(f"unsupported components file version {version!r} (expected 1)")
    entries = raw.get("component")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("no [[component]] entries")
    components: list[Component] = []
    for i, entry in enumerate(entries):
        where = f"component[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where} has no name")
        if name in (OTHER, STACK, HEAP):
            raise ConfigError(f"{where}: component name {name!r} is reserved")
        members = _strs(entry.get("members", []), f"component {name!r} members")
        for spec in members:
            if not re.fullmatch(r"[A-Za-z_]\w*\.[A-Za-z_]\w*", spec):
                raise ConfigError(f"component {name!r} members: {spec!r} is not SYMBOL.MEMBER")
        if "paths" not in entry and not members:
            raise ConfigError(f"component {name!r} has no paths")
        components.append(
            Component(
                name,
                _strs(entry.get("paths", []), f"component {name!r} paths"),
                _opt_str(entry, "paper", where),
                _opt_str(entry, "contiki_ng", where),
                _strs(entry.get("symbols", []), f"component {name!r} symbols"),
                members,
            )
        )
    known = {c.name for c in components}
    groups: list[Group] = []
    for i, entry in enumerate(raw.get("group", [])):
        where = f"group[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{where} must be a table with a name")
        members = _strs(entry.get("components", []), f"group {entry['name']!r} components")
        unknown = [m for m in members if m not in known]
        if unknown:
            raise ConfigError(f"group {entry['name']!r} names unknown component {unknown[0]!r}")
        groups.append(
            Group(entry["name"], members, _opt_str(entry, "paper", where), _opt_str(entry, "contiki_ng", where))
        )
    reserved = raw.get("reserved", {})
    if not isinstance(reserved, dict):
        raise ConfigError("[reserved] must be a table")
    total = raw.get("total", {})
    if not isinstance(total, dict):
        raise ConfigError("[total] must be a table")
    return ComponentConfig(
        components,
        groups,
        _strs(reserved.get("stack", [".stack"]), "reserved.stack"),
        _strs(reserved.get("heap", [".heap"]), "reserved.heap"),
        _opt_str(total, "paper", "total"),
        _opt_str(total, "contiki_ng", "total"),
    )
