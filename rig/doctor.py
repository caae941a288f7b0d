"""`rig doctor`: what `make test` and the pytest fixtures need, and which optional tools are here.

Needed: the builtin emulator (unicorn), arm-none-eabi-gcc with newlib, gcc, clang with libFuzzer (the
fuzz smoke test), Robot Framework (make test's Robot suites) and the built slip-radio and lwm2m-client
ELFs the rig boots (--topology FILE: the firmware that topology boots instead; a topology with
[border] enabled = false runs its own ELFs alone and needs neither). Optional: Renode and the tools
some tests or workflows use when present (tshark, gdb-multiarch, renode-test, pyrenode3). For every
missing piece it prints the command that gets it.
Exits 0; with --strict, 1 when something needed is missing. `--json` prints the same as one JSON object.
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
from typing import Any

APT = "sudo apt-get install -y"
PIP = f"{sys.executable} -m pip install"


@dataclass
class Check:
    name: str
    group: str  # "backend", "toolchain", "firmware", "tool"
    available: bool
    version: str | None = None
    path: str | None = None
    detail: str = ""
    install: str | None = None  # how to get it when missing
    needed: bool = False  # by make test / the pytest fixtures (else optional)
    usable: bool | None = None  # None: as available; False: present but incomplete (gcc without newlib)

    @property
    def ok(self) -> bool:
        return self.available and self.usable is not False


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
            c.usable = False
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
            c.usable = False
            c.detail = "clang works but -fsanitize=fuzzer does not link (libFuzzer missing)"
            c.install = f"{APT} clang libclang-rt-dev"
    return c


def check_elf(app: str) -> Check:
    """A built app the rig fixtures boot, where app names resolve (rig.topology.firmware_path)."""
    from rig.errors import ConfigError
    from rig.topology import FIRMWARE_DIR_ENV, REPO, firmware_dir

    name = f"{app}.elf"
    how = (f"make -C {REPO / 'firmware-c'} build/cc2538/{name}" if (REPO / "firmware-c" / "Makefile").is_file()
           else "build it with `make -C firmware-c` in an lwm2m-rig checkout")
    how += f"; or export {FIRMWARE_DIR_ENV}=DIR holding {name}"
    try:
        directory = firmware_dir()
    except ConfigError as exc:
        return Check(name, "firmware", False, detail=str(exc), install=how)
    path = directory / name
    source = f"from {FIRMWARE_DIR_ENV}" if os.environ.get(FIRMWARE_DIR_ENV) else "the default firmware directory"
    if not path.is_file():
        return Check(name, "firmware", False, detail=f"not at {path} ({source})", install=how)
    return Check(name, "firmware", True, path=str(path), detail=source)


def topology_checks(path: Path) -> list[Check]:
    """The firmware a topology boots: its border node's (unless [border] enabled = false) and its
    nodes' ELFs, instead of the default slip-radio and lwm2m-client."""
    from rig.errors import ConfigError
    from rig.topology import Topology, is_app_name

    try:
        topo = Topology.load(path)
    except ConfigError as exc:
        return [Check(f"topology {path.name}", "firmware", False, detail=str(exc), install=f"fix {path}")]
    wanted = [topo.border_firmware] if topo.border_enabled else []
    wanted += [n.firmware for n in topo.nodes]
    checks: list[Check] = []
    for ref in dict.fromkeys(wanted):  # each once, in order
        if is_app_name(ref):
            checks.append(check_elf(ref))
        else:  # Topology.load checked that it exists
            checks.append(Check(Path(ref).name, "firmware", True, path=ref, detail=f"from {path.name}"))
    return checks


def run_checks(renode: str | None = None, topology: Path | None = None) -> list[Check]:
    from rig.emu.renode.process import INSTALL_HINT

    needed = [
        check_builtin(),
        check_arm_gcc(),
        _tool("gcc", "toolchain", f"{APT} gcc"),
        check_clang(),
        _module("robot", "tool", f"{PIP} robotframework", dist="robotframework"),
        *(topology_checks(topology) if topology is not None
          else [check_elf("slip-radio"), check_elf("lwm2m-client")]),
    ]
    for c in needed:
        c.needed = True
    if needed[4].available:
        needed[4].detail = "for make test's Robot suites"
    optional = [
        check_renode(renode),
        _tool("tshark", "tool", f"{APT} tshark", ("--version",)),
        _tool("gdb-multiarch", "tool", f"{APT} gdb-multiarch", ("--version",)),
        _tool(
            "renode-test",
            "tool",
            f"ships with the Renode portable package: {INSTALL_HINT}"
            " && python3 -m pip install -r ~/renode/tests/requirements.txt",
            ("--help",),
        ),
        _module(
            "pyrenode3", "tool", f"{PIP} 'pyrenode3[all] @ git+https://github.com/antmicro/pyrenode3.git'"
        ),
    ]
    for c in optional:
        if c.name == "renode-test" and c.available:
            c.version = None  # --help prints usage, not a version
    return needed + optional


def render(checks: list[Check]) -> str:
    titles = {True: "Needed (make test, the pytest fixtures):", False: "Optional:"}
    out: list[str] = []
    for needed, title in titles.items():
        out.append(title)
        for c in (c for c in checks if c.needed == needed):
            mark = "ok     " if c.ok else "MISSING"
            info = " ".join(x for x in (c.version or "", f"({c.path})" if c.path else "", c.detail) if x)
            out.append(f"  [{mark}] {c.name:18} {info}".rstrip())
            if c.install and not c.ok:
                out.append(f"            get it: {c.install}")
        out.append("")
    missing_needed = [c.name for c in checks if c.needed and not c.ok]
    missing_optional = [c.name for c in checks if not c.needed and not c.ok]
    if missing_needed:
        out.append(f"Missing, needed: {', '.join(missing_needed)} (rig doctor --strict exits 1)")
    if missing_optional:
        out.append(f"Missing, optional: {', '.join(missing_optional)}")
    if not missing_needed and not missing_optional:
        out.append("Everything is available.")
    elif not missing_needed:
        out.append("Everything make test and the pytest fixtures need is available.")
    return "\n".join(out)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="report what make test and the pytest fixtures need, and which optional tools are here",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when something needed (make test, the pytest fixtures) is missing")
    parser.add_argument("--renode", metavar="PATH", help="check this Renode (file or portable directory)")
    parser.add_argument("--topology", type=Path, metavar="FILE.toml",
                        help="check the firmware this topology boots instead of slip-radio and lwm2m-client "
                             "(with [border] enabled = false, no slip-radio)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    checks = run_checks(args.renode, args.topology)
    if args.json:
        report: dict[str, Any] = {}
        for c in checks:
            entry = asdict(c)
            entry["ok"] = c.ok
            del entry["usable"], entry["needed"]
            kind = "needed" if c.needed else "optional"
            report.setdefault(kind, {})[entry.pop("name")] = entry
        report["missing_needed"] = [c.name for c in checks if c.needed and not c.ok]
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(render(checks))
    return 1 if args.strict and any(c.needed and not c.ok for c in checks) else 0
