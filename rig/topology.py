"""A rig's topology: which nodes run which firmware, how the radio behaves, how the server is set up.

Written as TOML (or built in Python) and validated here, so a typo gets one clear line naming the key,
never a traceback later in the run:

    firmware_dir = "build"  # optional: where app names resolve (default: $RIG_FIRMWARE_DIR, else
                            # firmware-c/build/cc2538 of this checkout); relative to this file

    [network]
    prefix = "fd00::/64"
    loss = 0.0          # frame loss probability on the medium
    airtime = false     # model 250 kbit/s air time (builtin emulator only)
    seed = 1
    stagger = 0.0       # virtual seconds between two nodes' power-on (node k boots at k * stagger):
                        # a fleet powered at one instant all send RS and Register at once (unset: 0
                        # for pytest and Robot, 1 for rig server --emulate and rig fota --emulate)

    [server]
    port = 0            # 0: a free loopback port
    bootstrap = false   # register through the bootstrap server first
    lifetime = 300      # the nodes' registration lifetime in seconds: given by bootstrap, or (without)
                        # written to /1/<instance>/1 after a Register that announces another one
                        # (unset: the firmware's own lifetime stands)
    models = ["models"] # OMA object XML for your own objects: directories of *.xml or single files
                        # (relative to this file)

    [border]
    firmware = "slip-radio"
    enabled = true      # false: the nodes run alone (bare firmware of your own): no border node,
                        # no bridge, no LwM2M server; only UART, LEDs, GPIO and the radio medium

    [[node]]
    name = "node1"
    firmware = "lwm2m-client"   # an app (<name>.elf in the firmware directory), or a path to an ELF
                                # (relative paths: against this file's directory)
    eui64 = "00:12:4b:00:00:00:00:01"
    position = [0.0, 0.0, 0.0]  # metres; the renode backend's range-based medium only (the builtin
                                # medium warns and ignores them: its loss is per probability)
    fault_exceptions = false    # true: faults run the firmware's HardFault/BusFault/... handlers as
                                # on the chip (builtin emulator; default: a fault stops the node)
    peripherals = ["my-adc"]    # peripheral models of your own (builtin emulator): names registered
                                # with rig.emu.builtin.models.register_model, or "module:Class"
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.net.ipv6 import network_prefix

REPO = Path(__file__).resolve().parent.parent
# Where app names ("lwm2m-client") resolve by default: the build tree next to this package, which
# exists in a checkout only; an installed rig needs RIG_FIRMWARE_DIR or a topology's firmware_dir.
FIRMWARE_DIR = REPO / "firmware-c" / "build" / "cc2538"
FIRMWARE_DIR_ENV = "RIG_FIRMWARE_DIR"
MAX_STAGGER = 3600.0  # virtual seconds between two boots: beyond an hour it is surely a typo
CLI_STAGGER = 1.0  # rig server/fota --emulate: seconds between two boots, unless --stagger or the topology say
DEFAULT_LIFETIME = 300  # what bootstrap writes when the topology names no lifetime
BORDER_EUI64 = bytes.fromhex("00124b00000000fe")  # the slip-radio border node's: no client may take it
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_HOW_TO_POINT = (f"set {FIRMWARE_DIR_ENV}=DIR (or firmware_dir in the topology) to the directory of your "
                 "built ELFs, or give the firmware as a path to its .elf")


def firmware_dir() -> Path:
    """The directory app names resolve in: $RIG_FIRMWARE_DIR if set, else this checkout's build tree."""
    text = os.environ.get(FIRMWARE_DIR_ENV, "")
    if not text:
        return FIRMWARE_DIR
    path = Path(text).expanduser().absolute()
    if not path.is_dir():
        raise ConfigError(f"{FIRMWARE_DIR_ENV}={text}: {path} is not a directory (it should hold <app>.elf files)")
    return path


def is_app_name(text: str) -> bool:
    """"lwm2m-client" names an app; anything with a / or ending .elf is a path."""
    return not ("/" in text or text.endswith(".elf"))


def firmware_path(name_or_path: str | Path) -> Path:
    """An app name ("lwm2m-client", found in firmware_dir()) or a path to an ELF; the file must exist."""
    text = str(name_or_path)
    if is_app_name(text):
        directory = firmware_dir()
        path = directory / f"{text}.elf"
        if not path.is_file():
            raise ConfigError(f"firmware {text!r} not found at {path}: {_app_dir_hint(directory)}")
        return path
    path = Path(text).expanduser()
    if not path.is_file():
        where = "" if path.is_absolute() else (
            f" (a relative path resolves against the current directory, {Path.cwd()}; "
            "in a topology file, against the file's directory)")
        raise ConfigError(f"firmware {text!r} not found at {path.absolute()}{where}")
    return path


def _app_dir_hint(directory: Path) -> str:
    if os.environ.get(FIRMWARE_DIR_ENV):
        return (f"app names resolve in {FIRMWARE_DIR_ENV}={directory}; put <app>.elf there, point "
                f"{FIRMWARE_DIR_ENV} (or firmware_dir in the topology) elsewhere, or give a path to the .elf")
    build = (f"build it with `make -C {REPO / 'firmware-c'}`, or " if (REPO / "firmware-c" / "Makefile").is_file()
             else "")
    return f"app names resolve by default in the build tree next to the rig package; {build}{_HOW_TO_POINT}"


_EUI64 = re.compile(r"[0-9A-Fa-f]{16}|[0-9A-Fa-f]{2}([:\- ])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){6}")


def parse_eui64(text: str) -> bytes:
    """16 hex digits, or 8 hex bytes split by one kind of separator (00:12:4b:..., 00-12-4B-...)."""
    if not _EUI64.fullmatch(text.strip()):
        raise ConfigError(f"EUI-64 {text!r} is not 8 hex bytes (e.g. 00:12:4b:00:00:00:00:01)")
    return bytes.fromhex(re.sub(r"[:\- ]", "", text))


def default_eui64(index: int) -> bytes:
    """TI's OUI 00:12:4b, as real CC2538s carry, numbered from 1."""
    return bytes([0x00, 0x12, 0x4B, 0x00, 0x00, 0x00, (index >> 8) & 0xFF, index & 0xFF])


@dataclass
class NodeConfig:
    name: str
    firmware: str = "lwm2m-client"
    eui64: bytes | None = None
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fault_exceptions: bool = False  # faults enter the firmware's handlers (builtin emulator)
    peripherals: tuple[str, ...] = ()  # peripheral models of your own (rig.emu.builtin.models)


@dataclass
class NetworkConfig:
    prefix: str = "fd00::/64"
    loss: float = 0.0
    airtime: bool = False
    seed: int = 1
    stagger: float | None = None  # virtual seconds between two nodes' power-on (None: not set, 0 in a Rig)


@dataclass
class ServerConfig:
    port: int = 0
    bootstrap: bool = False
    lifetime: int | None = None  # None: the client's own (bootstrap: DEFAULT_LIFETIME)
    models: tuple[Path, ...] = ()  # object model directories or XML files besides the built-in ones


@dataclass
class Topology:
    nodes: list[NodeConfig] = field(default_factory=lambda: [NodeConfig("node1")])
    network: NetworkConfig = field(default_factory=NetworkConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    border_firmware: str = "slip-radio"
    firmware_dir: Path | None = None  # where this topology's app names resolve (None: firmware_dir())
    border_enabled: bool = True  # False: no border node, bridge or server ([border] enabled = false)

    @classmethod
    def load(cls, path: Path | str, default_firmware: str = "lwm2m-client") -> Topology:
        """`default_firmware`: what a [[node]] without firmware runs (rig fota: the FOTA factory image)."""
        if not isinstance(path, str | Path):
            raise ConfigError(f"topology path {path!r}: give a file name (str or Path)")
        path = Path(path)  # a str was AttributeError: 'str' object has no attribute 'read_text'
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read topology {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"topology {path} is not UTF-8 text (byte {exc.start})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"topology {path} is not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path), base=path.absolute().parent, default_firmware=default_firmware)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "topology", base: Path | None = None,
                  default_firmware: str = "lwm2m-client") -> Topology:
        """`base`: the directory of the topology file, which its relative paths resolve against (None:
        a dict, whose relative paths stay relative to the current directory)."""
        _only(data, {"node", "network", "server", "border", "firmware_dir"}, source)
        fw_dir = _firmware_dir(data, source, base)
        network = _network(data.get("network", {}), f"{source}: [network]")
        server = _server(data.get("server", {}), f"{source}: [server]", base)
        border = data.get("border", {})
        _only(border, {"firmware", "enabled"}, f"{source}: [border]")
        border_enabled = _typed(border, "enabled", bool, f"{source}: [border]", True)
        if not border_enabled and "firmware" in border:
            raise ConfigError(f"{source}: [border] enabled = false runs no border node: drop its firmware key")
        if not border_enabled and set(data.get("server", {})):
            raise ConfigError(f"{source}: [border] enabled = false runs no LwM2M server: drop the [server] table")
        nodes_data = data.get("node", [{"name": "node1"}])
        if not isinstance(nodes_data, list) or not nodes_data:
            raise ConfigError(f"{source}: [[node]] must list at least one node")
        nodes = [_node(n, i + 1, f"{source}: node #{i + 1}", default_firmware) for i, n in enumerate(nodes_data)]
        names = [n.name for n in nodes]
        if len(set(names)) != len(names):
            raise ConfigError(f"{source}: node names must be unique, got {names}")
        # A node without eui64 gets default_eui64(its number): an explicit one may collide with it.
        owners: dict[bytes, str] = {}
        for i, n in enumerate(nodes):
            eui = n.eui64 or default_eui64(i + 1)
            if eui == BORDER_EUI64:
                raise ConfigError(f"{source}: node {n.name!r} has the border node's EUI-64, {eui.hex(':')}")
            if eui in owners:
                raise ConfigError(f"{source}: nodes {owners[eui]!r} and {n.name!r} share an EUI-64, "
                                  f"{eui.hex(':')}" + ("" if n.eui64 else " (the default of a node without eui64)"))
            owners[eui] = n.name
        for n in nodes:
            n.firmware = _resolve_firmware(n.firmware, f"{source}: node {n.name!r}", base, fw_dir)
        border_firmware = "slip-radio"
        if border_enabled:  # (no border: its firmware need not exist)
            border_firmware = _resolve_firmware(_typed(border, "firmware", str, f"{source}: [border]", "slip-radio"),
                                                f"{source}: [border]", base, fw_dir)
        return cls(nodes, network, server, border_firmware, fw_dir, border_enabled)


def _firmware_dir(data: dict[str, Any], source: str, base: Path | None) -> Path | None:
    text = _typed(data, "firmware_dir", str, source, None) if "firmware_dir" in data else None
    return None if text is None else _directory(text, f"{source}: firmware_dir", base)


def _directory(text: str, what: str, base: Path | None) -> Path:
    """A directory a topology names: relative to the topology file (or the current directory)."""
    path = Path(text).expanduser()
    path = Path(os.path.normpath(path if path.is_absolute() else (base or Path.cwd()) / path))
    if not path.is_dir():
        against = "" if Path(text).is_absolute() else (
            f" (relative to the topology file's directory, {base})" if base else " (relative to the current directory)")
        raise ConfigError(f"{what} {text!r}: {path} is not a directory{against}")
    return path


def model_path(text: str, what: str, base: Path | None) -> Path:
    """Object models: a directory with *.xml in it, or one XML file (relative to the topology file)."""
    given = Path(text).expanduser()
    path = Path(os.path.normpath(given if given.is_absolute() else (base or Path.cwd()) / given))
    against = "" if given.is_absolute() else (
        f" (relative to the topology file's directory, {base})" if base else " (relative to the current directory)")
    if path.is_dir():
        if not any(path.glob("*.xml")):
            raise ConfigError(f"{what} {text!r}: {path} holds no *.xml object model{against}")
    elif not path.is_file():
        raise ConfigError(f"{what} {text!r}: {path} is neither a directory of *.xml nor an XML file{against}")
    return path


def _resolve_firmware(ref: str, where: str, base: Path | None, fw_dir: Path | None) -> str:
    """What a topology file pins to a place (a path, or an app in its firmware_dir) becomes an absolute
    path, checked now so the message can name the file's rule; bare app names otherwise resolve when
    the rig starts (rig.topology.firmware_path: RIG_FIRMWARE_DIR or the checkout's build tree)."""
    if is_app_name(ref):
        if fw_dir is None:
            return ref
        path = fw_dir / f"{ref}.elf"
        if not path.is_file():
            raise ConfigError(f"{where}: firmware {ref!r} not found at {path} (app names in this topology "
                              f"resolve in its firmware_dir, {fw_dir}; or give a path to the .elf)")
        return str(path)
    if base is None:
        return ref
    given = Path(ref).expanduser()
    path = Path(os.path.normpath(given if given.is_absolute() else base / given))
    if not path.is_file():
        rule = "" if given.is_absolute() else (
            f" (relative paths in a topology file resolve against its directory, {base})")
        raise ConfigError(f"{where}: firmware {ref!r} not found at {path}{rule}")
    return str(path)


def _only(table: object, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _typed(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any) -> Any:
    value = table.get(key, default)
    if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else ()):
        raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: {key} has the wrong type: {value!r}")
    return value


def _network(table: dict[str, Any], where: str) -> NetworkConfig:
    _only(table, {"prefix", "loss", "airtime", "seed", "stagger"}, where)
    prefix = _typed(table, "prefix", str, where, "fd00::/64")
    try:
        net = network_prefix(prefix)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    loss = float(_typed(table, "loss", (int, float), where, 0.0))
    if not 0.0 <= loss <= 1.0:
        raise ConfigError(f"{where}: loss must be between 0 and 1, got {loss}")
    stagger = (check_stagger(_typed(table, "stagger", (int, float), where, 0.0), f"{where}: stagger")
               if "stagger" in table else None)
    return NetworkConfig(
        str(net), loss, _typed(table, "airtime", bool, where, False), _typed(table, "seed", int, where, 1), stagger
    )


def check_stagger(value: float, what: str) -> float:
    """Seconds between two nodes' power-on: finite, 0..MAX_STAGGER."""
    if not (math.isfinite(value) and 0.0 <= value <= MAX_STAGGER):
        raise ConfigError(f"{what} must be 0..{MAX_STAGGER:g} virtual seconds between two nodes' power-on, got {value}")
    return float(value)


def parse_stagger(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    return check_stagger(value, f"--stagger {text!r}")


def stagger_of(option: str | None, topology: Topology, default: float = CLI_STAGGER) -> float:
    """--stagger, else the topology's [network] stagger, else `default`: the command lines stagger by
    default (a person starting 50 nodes wants them registered, not colliding), a test only on request."""
    if option is not None:
        return parse_stagger(option)
    return topology.network.stagger if topology.network.stagger is not None else default


def _server(table: dict[str, Any], where: str, base: Path | None) -> ServerConfig:
    _only(table, {"port", "bootstrap", "lifetime", "models"}, where)
    port = _typed(table, "port", int, where, 0)
    if not 0 <= port <= 65535:
        raise ConfigError(f"{where}: port {port} out of range")
    lifetime = _typed(table, "lifetime", int, where, None) if "lifetime" in table else None
    # the client's Lifetime resource holds an unsigned 32-bit count
    if lifetime is not None and not 0 < lifetime <= 0xFFFFFFFF:
        raise ConfigError(f"{where}: lifetime must be positive and at most 4294967295 s, got {lifetime}")
    models = table.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise ConfigError(f"{where}: models must be a list of directory or file names, got {models!r}")
    dirs = tuple(model_path(text, f"{where}: models", base) for text in models)
    return ServerConfig(port, _typed(table, "bootstrap", bool, where, False), lifetime, dirs)


def _node(table: dict[str, Any], index: int, where: str, default_firmware: str) -> NodeConfig:
    _only(table, {"name", "firmware", "eui64", "position", "fault_exceptions", "peripherals"}, where)
    name = _typed(table, "name", str, where, f"node{index}")
    if not _NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} must be a letter then letters, digits, - or _")
    eui = table.get("eui64")
    position = table.get("position", [0.0, 0.0, 0.0])
    if (
        not isinstance(position, list)
        or len(position) != 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in position)
    ):
        raise ConfigError(f"{where}: position must be three numbers [x, y, z], each finite")
    return NodeConfig(
        name,
        _typed(table, "firmware", str, where, default_firmware),
        parse_eui64(eui) if isinstance(eui, str) else (None if eui is None else _bad_eui(where, eui)),
        (float(position[0]), float(position[1]), float(position[2])),
        _typed(table, "fault_exceptions", bool, where, False),
        _peripherals(table.get("peripherals", []), where),
    )


def _peripherals(value: object, where: str) -> tuple[str, ...]:
    """Model names (resolved when the node is made: a test may register its model after loading)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: peripherals must be a list of model names (or 'module:Class'), got {value!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: peripherals names a model twice: {value!r}")
    return tuple(value)


def _bad_eui(where: str, value: object) -> bytes:
    raise ConfigError(f"{where}: eui64 must be a string like '00:12:4b:00:00:00:00:01', got {value!r}")
