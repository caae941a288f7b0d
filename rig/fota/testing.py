"""Firmware-update images for tests and benchmarks, built with make when missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rig.emu.builtin.testing import FIRMWARE_DIR, _make

if TYPE_CHECKING:
    from rig.rig import Rig

FOTA_DIR = FIRMWARE_DIR / "build" / "fota"
PREFIX = "lwm2m-client-fota"  # <PREFIX>-factory.elf, <PREFIX>-<version>.img


def fota_images() -> Path:
    """firmware-c/build/fota: factory ELFs and packages (`make -C firmware-c fota-images`)."""
    _make(FIRMWARE_DIR, "fota-images")
    return FOTA_DIR


def native_prog(name: str) -> Path:
    path = FIRMWARE_DIR / "build" / "native" / name
    _make(FIRMWARE_DIR, f"build/native/{name}")
    return path


@contextmanager
def factory_rig(images: Path, name: str = "n1", timeout: float = 60.0) -> Iterator[Rig]:
    """A rig whose one node `name` boots the factory image of `images`, once it has registered."""
    from rig.rig import Rig  # the rig imports the whole stack: only when a test asks for one
    from rig.topology import Topology

    topology = Topology.from_dict({"node": [{"name": name, "firmware": str(images / f"{PREFIX}-factory.elf")}]})
    with Rig(topology) as rig:
        rig.wait_for_registration(timeout=timeout)
        yield rig
