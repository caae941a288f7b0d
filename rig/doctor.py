"""`rig doctor`: which emulator backends, toolchains and optional tools are available here.

Informational only (always exits 0): for every missing piece it prints the exact command that gets it.
`--json` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

APT = "sudo apt-get install -y"
PIP = f"{sys.executable} -m pip install"


@dataclass
class Check:
    name: str
    group: str  # "backend", "toolchain", "optional"
    available: bool
    version: str | None = None
    path: str | None = None
    detail: str = ""
    install: str | None = None  # how to get it when missing


def _first_line(argv: list[str], timeout: float = 60.0) -> str | None:
    """First non-empty output line of a command, or None if it cannot run."""
    with tempfile.TemporaryDirectory(prefix="rig-doctor-") as tmp:
        try:
            out = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "TMPDIR": tmp},  # Renode cleans $TMPDIR/renode-* at start-up
                start_new_session=True,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    for line in (out.stdout + "\n" + out.stderr).splitlines():
        if line.strip():
            return line.strip()
    return None


def _tool(name: str, group: str, install: str, version_args: tuple[str, ...] = ("--version",)) -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, group, False, install=install, detail="not on PATH")
    return Check(name, group, True, version=_first_line([path, *version_args]), path=path)


def _module(name: str, group: str, install: str, dist: str | None = None) -> Check:
    if importlib.util.find_spec(name) is None:
        return Check(name, group, False, install=install, detail="not importable")
    version = None
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            version = dist_version(dist or name)
        except PackageNotFoundError:
            version = getattr(importlib.import_module(name), "__version__", None)
    except Exception:  # a broken package still counts as present; show what we know
        version = None
    spec = importlib.util.find_spec(name)
    return Check(name, group, True, version=version, path=spec.origin if spec else None)


def check_builtin() -> Check:
    c = _module("unicorn", "backend", f"{PIP} 'unicorn>=2.1,<2.2'")
    c.name = "builtin"
    c.detail = "unicorn " + (c.version or "?") if c.available else "needs the unicorn package"
    return c


def check_renode(explicit: str | None = None) -> Check:
    from rig.emu.renode.process import ENV_VAR, INSTALL_HINT, find_renode, not_found_message, renode_version

    path = find_renode(explicit)
    if path is None:
        return Check(
            "renode",
            "backend",
            False,
            detail=not_found_message(explicit),
            install=f"{INSTALL_HINT}  (or pass --renode PATH, or export {ENV_VAR}=/path/to/renode)",
        )
    how = "--renode" if explicit else (ENV_VAR if os.environ.get(ENV_VAR) else "PATH")
    version = renode_version(path)
    detail = f"found via {how}" + ("" if version else "; `renode --version` gave no version")
    return Check("renode", "backend", True, version=version, path=str(path), detail=detail)


def check_arm_gcc() -> Check:
    c = _tool("arm-none-eabi-gcc", "toolchain", f"{APT} gcc-arm-none-eabi libnewlib-arm-none-eabi")
    if c.available and c.path:
        libc = _first_line([c.path, "-print-file-name=libc.a"])
        if not libc or not os.path.isabs(libc):
            c.detail = "newlib missing"
            c.install = f"{APT} libnewlib-arm-none-eabi"
    return c


def check_clang() -> Check:
    c = _tool("clang", "toolchain", f"{APT} clang")
    c.detail = "for fuzzing (libFuzzer)"
    if c.available and c.path:
        with tempfile.TemporaryDirectory(prefix="rig-doctor-") as tmp:
            src = Path(tmp) / "f.c"
            src.write_text(
                "int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)"
                " { (void)d; (void)n; return 0; }\n"
            )
            try:
                ok = (
                    subprocess.run(
                        [c.path, "-fsanitize=fuzzer", str(src), "-o", str(Path(tmp) / "f")],
                        capture_output=True,
                        timeout=120,
                    ).returncode
                    == 0
                )
            except (OSError, subprocess.TimeoutExpired):
                ok = False
        if not ok:
            c.detail = "clang works but -fsanitize=fuzzer does not link (libFuzzer missing)"
            c.install = f"{APT} clang libclang-rt-dev"
    return c


def run_checks(renode: str | None = None) -> list[Check]:
    from rig.emu.renode.process import INSTALL_HINT

    checks = [
        check_builtin(),
        check_renode(renode),
        check_arm_gcc(),
        _tool("gcc", "toolchain", f"{APT} gcc"),
        check_clang(),
        _tool("tshark", "optional", f"{APT} tshark", ("--version",)),
        _tool("gdb-multiarch", "optional", f"{APT} gdb-multiarch", ("--version",)),
        _tool(
            "renode-test",
            "optional",
            f"ships with the Renode portable package: {INSTALL_HINT}"
            " && python3 -m pip install -r ~/renode/tests/requirements.txt",
            ("--help",),
        ),
        _module(
            "pyrenode3", "optional", f"{PIP} 'pyrenode3[all] @ git+https://github.com/antmicro/pyrenode3.git'"
        ),
        _module("robot", "optional", f"{PIP} robotframework", dist="robotframework"),
    ]
    for c in checks:
        if c.name == "renode-test" and c.available:
            c.version = None  # --help prints usage, not a version
    return checks


def render(checks: list[Check]) -> str:
    titles = {"backend": "Emulator backends", "toolchain": "Toolchains", "optional": "Optional tools"}
    out: list[str] = []
    for group, title in titles.items():
        out.append(f"{title}:")
        for c in (c for c in checks if c.group == group):
            mark = "ok     " if c.available else "MISSING"
            info = " ".join(x for x in (c.version or "", f"({c.path})" if c.path else "", c.detail) if x)
            out.append(f"  [{mark}] {c.name:18} {info}".rstrip())
            if c.install and (not c.available or c.detail):
                out.append(f"            get it: {c.install}")
        out.append("")
    missing = [c.name for c in checks if not c.available]
    out.append(
        "Everything is available."
        if not missing
        else f"Missing (optional for most uses): {', '.join(missing)}"
    )
    return "\n".join(out)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="report which emulator backends, toolchains and tools are available",
        description=__doc__,
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--renode", metavar="PATH", help="check this Renode (file or portable directory)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    checks = run_checks(args.renode)
    if args.json:
        report: dict[str, dict[str, dict[str, object]]] = {}
        for c in checks:
            entry = asdict(c)
            group = entry.pop("group")
            report.setdefault(group, {})[entry.pop("name")] = entry
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(render(checks))
    return 0
