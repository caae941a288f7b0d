"""lcov tracefiles (genhtml, Codecov, VS Code Coverage Gutters read them): writer and reader.

One test name (`TN:`) per firmware build: the image name and the ELF's sha256 prefix, e.g.
`TN:lwm2m_client_sha256_1f2e3d4c5b6a7988`, so merging tracefiles can tell two builds apart.
Hit counts are 0/1 (whether the code ran), or execution counts when the nodes were also profiled.
"""

from __future__ import annotations

import re
from pathlib import Path

from rig.coverage.data import Coverage, FileCov, FunctionCov
from rig.errors import ConfigError
from rig.inputfile import read_regular_file, write_output_file

BUILD_CHARS = 16
_TN = re.compile(r"^(.*)_sha256_([0-9a-f]{8,64})$")
_IGNORED = ("BRDA", "BRF", "BRH", "VER", "FNL", "FNA")  # branch data and lcov 2 extras: not ours


def test_name(cov: Coverage) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", cov.name) or "firmware"
    return f"{name}_sha256_{cov.build[:BUILD_CHARS]}" if cov.build else name


def dumps(coverages: list[Coverage]) -> str:
    out: list[str] = []
    for cov in coverages:
        tn = test_name(cov)
        for path in sorted(cov.files):
            fc = cov.files[path]
            out.append(f"TN:{tn}")
            out.append(f"SF:{path}")
            funcs = sorted(fc.functions.items(), key=lambda kv: (kv[1].line, kv[0]))
            out.extend(f"FN:{f.line},{name}" for name, f in funcs)
            out.extend(f"FNDA:{f.hits},{name}" for name, f in funcs)
            out.append(f"FNF:{len(funcs)}")
            out.append(f"FNH:{fc.functions_hit}")
            out.extend(f"DA:{line},{hits}" for line, hits in sorted(fc.lines.items()))
            out.append(f"LF:{len(fc.lines)}")
            out.append(f"LH:{fc.lines_hit}")
            out.append("end_of_record")
    return "".join(line + "\n" for line in out)


def write(path: Path, coverages: list[Coverage]) -> None:
    write_output_file(Path(path), dumps(coverages), "the tracefile")


def _number(text: str, where: str, line: str) -> int:
    if not text.isdigit():
        raise ConfigError(f"{where}: malformed line {line[:80]!r} ({text[:20]!r} is not a count)")
    return int(text)


def loads(text: str, source: str = "<tracefile>") -> list[Coverage]:
    """Coverages in a tracefile, one per test name (records of one name are merged)."""
    by_name: dict[str, Coverage] = {}
    tn = ""
    current: FileCov | None = None
    fn_lines: dict[str, int] = {}
    records = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{source}:{number}"
        if not line:
            continue
        key, sep, value = line.partition(":")
        if line == "end_of_record":
            if current is None:
                raise ConfigError(f"{where}: end_of_record without a SF: record")
            current = None
            records += 1
            continue
        if not sep:
            raise ConfigError(f"{where}: malformed line {line[:80]!r} (expected KEY:VALUE)")
        if key == "TN":
            tn = value
            continue
        if key == "SF":
            if current is not None:
                raise ConfigError(f"{where}: SF: inside a record (missing end_of_record)")
            if not value:
                raise ConfigError(f"{where}: SF: without a path")
            cov = by_name.get(tn)
            if cov is None:
                m = _TN.match(tn)
                cov = by_name[tn] = Coverage(m.group(1) if m else (tn or "tracefile"), m.group(2) if m else None)
            current = cov.files.setdefault(value, FileCov())
            fn_lines = {name: f.line for name, f in current.functions.items()}
            continue
        if key in _IGNORED or key in ("FNF", "FNH", "LF", "LH"):
            if current is None:
                raise ConfigError(f"{where}: {key}: outside a SF: record")
            continue  # totals are recomputed from the entries
        if current is None:
            raise ConfigError(f"{where}: {key}: outside a SF: record" if key in ("DA", "FN", "FNDA")
                              else f"{where}: malformed line {line[:80]!r} (unknown record type {key!r})")
        parts = value.split(",")
        if key == "DA":
            if len(parts) not in (2, 3):
                raise ConfigError(f"{where}: malformed line {line[:80]!r} (DA needs LINE,HITS)")
            ln, hits = _number(parts[0], where, line), _number(parts[1], where, line)
            current.lines[ln] = max(current.lines.get(ln, 0), hits)
        elif key == "FN":
            if len(parts) not in (2, 3) or not parts[-1]:
                raise ConfigError(f"{where}: malformed line {line[:80]!r} (FN needs LINE,NAME)")
            name = parts[-1]
            fn_lines[name] = _number(parts[0], where, line)
            current.functions.setdefault(name, FunctionCov(fn_lines[name], 0))
        elif key == "FNDA":
            if len(parts) != 2 or not parts[1]:
                raise ConfigError(f"{where}: malformed line {line[:80]!r} (FNDA needs HITS,NAME)")
            hits, name = _number(parts[0], where, line), parts[1]
            if name not in fn_lines:
                raise ConfigError(f"{where}: FNDA for {name!r} without its FN: line")
            fn = current.functions[name]
            fn.hits = max(fn.hits, hits)
        else:
            raise ConfigError(f"{where}: malformed line {line[:80]!r} (unknown record type {key!r})")
    if current is not None:
        raise ConfigError(f"{source}: ends inside a record (missing end_of_record)")
    if records == 0:
        raise ConfigError(f"{source}: no coverage records (not an lcov tracefile?)")
    return list(by_name.values())


def read(path: Path) -> list[Coverage]:
    raw = read_regular_file(Path(path), "an lcov tracefile")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (an lcov tracefile is text)") from None
    return loads(text, str(path))
