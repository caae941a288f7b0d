"""Finding, starting and reliably stopping a Renode process.

- Renode is found via an explicit path, the RENODE environment variable, or `renode` on PATH.
- It runs headless with its monitor on a TCP port: `renode --disable-xwt --plain --port PORT`
  (not --console: with --console Renode reads stdin and exits at its EOF).
- It always gets a PRIVATE TMPDIR: at start-up Renode deletes every `$TMPDIR/renode-*` directory no live
  Renode owns, which would break other users' instances sharing /tmp.
- It runs in its own session/process group, so stopping kills everything it started; an atexit hook
  stops any instance still alive when Python exits.
- Renode binds its monitor and socket terminals on all interfaces (IPAddress.Any); the rig only ever
  connects through 127.0.0.1, but on a shared network the ports are reachable: firewall them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rig.errors import EmulationError

ENV_VAR = "RENODE"
NOT_FOUND = "Renode not found: set --renode PATH or RENODE, or put renode on PATH"
INSTALL_HINT = (
    "mkdir -p ~/renode && curl -L https://builds.renode.io/renode-latest.linux-portable-dotnet.tar.gz"
    " | tar xz -C ~/renode --strip-components=1 && export PATH=~/renode:$PATH"
)


def _executable(path: Path) -> Path | None:
    if path.is_dir():  # a portable-release directory
        path = path / "renode"
    if path.is_file() and os.access(path, os.X_OK):
        return path.resolve()
    return None


def find_renode(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Renode's launcher: `explicit` (a file or portable directory) if given, else $RENODE, else PATH.

    An explicit path that is not an executable gives None (no silent fall-back to another Renode).
    """
    if explicit:
        return _executable(Path(explicit).expanduser())
    env = os.environ.get(ENV_VAR)
    if env:
        return _executable(Path(env).expanduser())
    found = shutil.which("renode")
    return Path(found).resolve() if found else None


def not_found_message(explicit: str | os.PathLike[str] | None = None) -> str:
    if explicit:
        return (
            f"Renode not found at {explicit} (not an executable file or portable directory):"
            " set --renode PATH or RENODE, or put renode on PATH"
        )
    env = os.environ.get(ENV_VAR)
    if env:
        return f"Renode not found at RENODE={env} (not an executable file or portable directory)"
    return NOT_FOUND


_VERSION_RE = re.compile(r"v?(\d+\.\d+(?:\.\d+)*)")


def renode_version(path: Path, timeout: float = 60.0) -> str | None:
    """`renode --version` prints e.g. 'Renode v1.16.0.1525' then build details; the first line."""
    with tempfile.TemporaryDirectory(prefix="rig-renode-version-") as tmp:
        try:
            out = subprocess.run(
                [str(path), "--version"],
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "TMPDIR": tmp},  # even --version must not clean a shared /tmp
                start_new_session=True,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    for line in (out.stdout or "").splitlines():
        if _VERSION_RE.search(line):
            return line.strip()
    return None


def free_port() -> int:
    """A TCP port free on this host right now (Renode binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_LIVE: set[RenodeProcess] = set()


@dataclass(eq=False)
class RenodeProcess:
    popen: subprocess.Popen[bytes]
    executable: Path
    port: int
    tmpdir: Path
    log_path: Path
    argv: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        executable: Path,
        *,
        port: int,
        tmpdir: Path,
        log_path: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> RenodeProcess:
        log_path = log_path or tmpdir / "renode.log"
        argv = [str(executable), "--disable-xwt", "--plain", "--port", str(port), *extra_args]
        env = {**os.environ, "TMPDIR": str(tmpdir)}
        with open(log_path, "ab") as log:
            try:
                popen = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=str(tmpdir),
                    start_new_session=True,  # own process group: stop() kills all of it
                )
            except OSError as exc:
                raise EmulationError(f"cannot start Renode ({executable}): {exc}") from exc
        proc = cls(popen, executable, port, tmpdir, log_path, argv)
        _LIVE.add(proc)
        return proc

    @property
    def pid(self) -> int:
        return self.popen.pid

    def exit_status(self) -> int | None:
        return self.popen.poll()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def describe(self) -> str:
        return f"Renode log: {self.log_path}"

    def stop(self, timeout: float = 10.0) -> int | None:
        """Wait up to `timeout` for a clean exit, then SIGTERM, then SIGKILL the whole group."""
        try:
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            self._signal_group(signal.SIGTERM)
            try:
                return self.popen.wait(timeout=max(0.5, min(3.0, timeout)))
            except subprocess.TimeoutExpired:
                pass
            self._signal_group(signal.SIGKILL)
            return self.popen.wait(timeout=10.0)
        finally:
            # Anything Renode started that outlived it is still in its group.
            self._signal_group(signal.SIGKILL)
            _LIVE.discard(self)

    def kill(self) -> None:
        self.stop(timeout=0.0)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)


@atexit.register
def _stop_all() -> None:
    for proc in list(_LIVE):
        with contextlib.suppress(Exception):
            proc.stop(timeout=2.0)


def wait_for_exit(proc: RenodeProcess, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.exit_status() is not None:
            return True
        time.sleep(0.02)
    return proc.exit_status() is not None
