"""Reading a whole input file (firmware, package) without blocking on a FIFO or reading /dev/zero forever,
and writing an output file (report, tracefile) with a one-line error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rig.errors import ConfigError, RigError

MAX_INPUT_BYTES = 256 << 20  # far above any firmware ELF or package; a bigger "input" is a mistake


def read_regular_file(path: Path, what: str, limit: int = MAX_INPUT_BYTES,
                      error: type[RigError] = ConfigError) -> bytes:
    """The bytes of `path`, or `error` naming the file and what is wrong with it (one line)."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of blocking; fstat then
        # refuses it (and devices) before anything is read. Regular files ignore the flag.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{path}: is a directory, not {what}")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file (a pipe or device?), not {what}")
        if info.st_size > limit:
            raise error(f"{path}: {info.st_size} bytes, too large for {what} (limit {limit >> 20} MiB)")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read()
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def refuse_special_file(path: Path, what: str, error: type[RigError] = ConfigError) -> None:
    """Before a read_text(): a FIFO or device there would block or never end. Missing files and
    directories are left to the caller's own messages."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise error(f"{path}: not a regular file (a pipe or device?), not {what}")


def write_output_file(path: Path, text: str, what: str = "") -> None:
    """Write `text` to `path`, its directories made; a ConfigError naming the file (and `what` it is,
    e.g. "the tracefile") when that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write {what + ' ' if what else ''}({exc.strerror})") from None
