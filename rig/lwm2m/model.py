"""LwM2M object model read from OMA object-definition XML files (the registry's DDF format)."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rig.errors import ConfigError

MODELS_DIR = Path(__file__).parent / "models"


class ResourceType(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    UNSIGNED = "unsigned"
    FLOAT = "float"
    BOOLEAN = "boolean"
    OPAQUE = "opaque"
    TIME = "time"
    OBJLNK = "objlnk"
    CORELNK = "corelnk"
    NONE = "none"  # executable resources carry no value


_TYPE_NAMES = {
    "string": ResourceType.STRING,
    "integer": ResourceType.INTEGER,
    "unsigned integer": ResourceType.UNSIGNED,
    "float": ResourceType.FLOAT,
    "boolean": ResourceType.BOOLEAN,
    "opaque": ResourceType.OPAQUE,
    "time": ResourceType.TIME,
    "objlnk": ResourceType.OBJLNK,
    "corelnk": ResourceType.CORELNK,
    "": ResourceType.NONE,
    "none": ResourceType.NONE,
}


class ObjLnk(NamedTuple):
    """An Object Link value: (object ID, instance ID); 65535:65535 is the null link."""

    obj: int
    inst: int

    def __str__(self) -> str:
        return f"{self.obj}:{self.inst}"


@dataclass(frozen=True)
class ResourceModel:
    rid: int
    name: str
    type: ResourceType
    operations: str  # "", "R", "W", "RW", "E"
    multiple: bool
    mandatory: bool


@dataclass
class ObjectModel:
    oid: int
    name: str
    urn: str
    multiple: bool
    mandatory: bool
    resources: dict[int, ResourceModel] = field(default_factory=dict)


def _text(elem: ET.Element, tag: str) -> str:
    child = elem.find(tag)
    return (child.text or "").strip() if child is not None else ""


def parse_object_xml(data: bytes | str, source: str = "<xml>") -> list[ObjectModel]:
    """Parse one DDF document (it may hold several <Object> elements)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"{source}: not valid XML ({exc})") from None
    objects = []
    for obj in root.iter("Object"):
        try:
            oid = int(_text(obj, "ObjectID"))
        except ValueError:
            raise ConfigError(f"{source}: <ObjectID> missing or not an integer") from None
        model = ObjectModel(
            oid=oid,
            name=_text(obj, "Name"),
            urn=_text(obj, "ObjectURN"),
            multiple=_text(obj, "MultipleInstances").lower() == "multiple",
            mandatory=_text(obj, "Mandatory").lower() == "mandatory",
        )
        resources = obj.find("Resources")
        for item in resources.iter("Item") if resources is not None else ():
            try:
                rid = int(item.get("ID", ""))
            except ValueError:
                raise ConfigError(f"{source}: object {oid}: <Item> without an integer ID") from None
            type_name = _text(item, "Type").lower()
            if type_name not in _TYPE_NAMES:
                raise ConfigError(f"{source}: object {oid} resource {rid}: unknown type {type_name!r}")
            model.resources[rid] = ResourceModel(
                rid=rid,
                name=_text(item, "Name"),
                type=_TYPE_NAMES[type_name],
                operations=_text(item, "Operations").upper(),
                multiple=_text(item, "MultipleInstances").lower() == "multiple",
                mandatory=_text(item, "Mandatory").lower() == "mandatory",
            )
        objects.append(model)
    if not objects:
        raise ConfigError(f"{source}: no <Object> definition found")
    return objects


class ObjectRegistry:
    """The set of known object models; values are typed with it."""

    def __init__(self, directories: list[Path] | None = None, include_builtin: bool = True) -> None:
        """`directories`: directories of *.xml or single XML files, loaded in order (a later model of an
        object replaces an earlier one, the built-in ones included)."""
        self.objects: dict[int, ObjectModel] = {}
        if include_builtin:
            self.load_directory(MODELS_DIR)
        for path in directories or []:
            if Path(path).is_dir() or not Path(path).exists():
                self.load_directory(Path(path))
            else:
                self.load_file(Path(path))

    def load_directory(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ConfigError(f"object model directory {directory} does not exist")
        for path in sorted(directory.glob("*.xml")):
            self.load_file(path)

    def load_file(self, path: Path) -> None:
        if not path.is_file():  # a directory, or a FIFO that would block the server's start forever
            raise ConfigError(f"object model {path}: not a regular file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"object model {path}: {exc.strerror or exc}") from None
        for model in parse_object_xml(data, str(path)):
            self.objects[model.oid] = model

    def resource(self, oid: int, rid: int) -> ResourceModel | None:
        obj = self.objects.get(oid)
        return obj.resources.get(rid) if obj else None

    def type_of(self, path: tuple[int, ...]) -> ResourceType | None:
        """The type of the resource a path (of length >= 3) points into, None if unknown."""
        if len(path) < 3:
            return None
        res = self.resource(path[0], path[2])
        return res.type if res else None


_default: ObjectRegistry | None = None


def default_registry() -> ObjectRegistry:
    global _default
    if _default is None:
        _default = ObjectRegistry()
    return _default
