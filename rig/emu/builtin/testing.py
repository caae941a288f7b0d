"""Firmware images for tests and benchmarks: build them with make when missing (never skip)."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIRMWARE_DIR = REPO / "firmware-c"
TEST_FIRMWARE_DIR = REPO / "tests" / "firmware"


def _make(directory: Path, target: str = "all") -> None:
    lock_path = directory / "build" / ".rig-make.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test sessions: one make at a time per tree
        result = subprocess.run(["make", "-j2", "-C", str(directory), target],
                                capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"make -C {directory} {target} failed:\n{result.stdout[-3000:]}"
                           f"{result.stderr[-3000:]}")


def app_elf(app: str) -> Path:
    """firmware-c/build/cc2538/<app>.elf, (re)built with make (only that image) if needed."""
    path = FIRMWARE_DIR / "build" / "cc2538" / f"{app}.elf"
    _make(FIRMWARE_DIR, f"build/cc2538/{app}.elf")
    if not path.exists():
        raise RuntimeError(f"firmware app {app!r} missing after make: {path}")
    return path


def image_elf(name: str) -> Path:
    """tests/firmware/build/<name>.elf (the emulator core's own tiny images)."""
    path = TEST_FIRMWARE_DIR / "build" / f"{name}.elf"
    _make(TEST_FIRMWARE_DIR)
    if not path.exists():
        raise RuntimeError(f"test image {name!r} missing after make: {path}")
    return path
