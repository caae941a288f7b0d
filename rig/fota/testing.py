"""Firmware-update images for tests and benchmarks, built with make when missing."""

from __future__ import annotations

from pathlib import Path

from rig.emu.builtin.testing import FIRMWARE_DIR, _make

FOTA_DIR = FIRMWARE_DIR / "build" / "fota"


def fota_images() -> Path:
    """firmware-c/build/fota: factory ELFs and packages (`make -C firmware-c fota-images`)."""
    _make(FIRMWARE_DIR, "fota-images")
    return FOTA_DIR


def native_prog(name: str) -> Path:
    path = FIRMWARE_DIR / "build" / "native" / name
    _make(FIRMWARE_DIR, f"build/native/{name}")
    return path
