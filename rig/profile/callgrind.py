"""Callgrind-format output of a profile (KCachegrind / QCachegrind open `callgrind.out.*`): one
event, Ir (instructions executed = cycles), per function (`fl=`/`fn=`) and per source line, with
`fi=` where a function's lines come from another file (inlined code). No call graph.

`parse` is a small reader of what `dumps` writes (and of the same subset from other tools): the
tests use it to check the file, and it names the first malformed line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rig.errors import ConfigError
from rig.profile.data import Profile

UNKNOWN_FILE = "???"  # valgrind's own name for code without debug information


def dumps(p: Profile) -> str:
    out = ["# callgrind format", "version: 1", "creator: lwm2m-rig", f"cmd: {p.name}",
           "positions: line", "events: Ir", f"summary: {p.executed - p.outside_elf}", ""]
    for f in p.functions:
        home = f.file or UNKNOWN_FILE
        out.append(f"fl={home}")
        out.append(f"fn={f.name}")
        current = home
        attributed = 0
        for (path, line), n in sorted(f.lines.items(), key=lambda kv: (kv[0][0] != home, kv[0])):
            if path != current:
                out.append(f"fi={path}")
                current = path
            out.append(f"{line} {n}")
            attributed += n
        if attributed < f.cycles:  # instructions without a line-table row: line 0, as valgrind does
            if current != home:
                out.append(f"fe={home}")
            out.append(f"0 {f.cycles - attributed}")
        out.append("")
    return "\n".join(out) + "\n"




@dataclass
class Parsed:
    header: dict[str, str] = field(default_factory=dict)
    costs: dict[tuple[str, str], int] = field(default_factory=dict)  # (fl, fn) -> total Ir
    lines: dict[tuple[str, str, str, int], int] = field(default_factory=dict)  # (fl, fn, file, line) -> Ir


_HEADER = re.compile(r"^(version|creator|cmd|pid|positions|events|summary|totals|part|desc|event):\s*(.*)$")
_COST = re.compile(r"^(\d+) (\d+)$")


def parse(text: str, source: str = "<callgrind>") -> Parsed:
    out = Parsed()
    fl = fn = cur = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        m = _HEADER.match(line)
        if m and fn is None:
            out.header[m.group(1)] = m.group(2)
            continue
        key, eq, value = line.partition("=")
        if eq and key in ("fl", "fi", "fe", "fn"):
            if not value:
                raise ConfigError(f"{source}:{number}: {key}= without a name")
            if key == "fl":
                fl = cur = value
                fn = None
            elif key == "fn":
                if fl is None:
                    raise ConfigError(f"{source}:{number}: fn= before any fl=")
                fn = value
                out.costs.setdefault((fl, fn), 0)
            else:
                cur = value
            continue
        m = _COST.match(line)
        if m is None:
            raise ConfigError(f"{source}:{number}: malformed line {line[:80]!r}")
        if fl is None or fn is None or cur is None:
            raise ConfigError(f"{source}:{number}: cost line before fl= and fn=")
        n = int(m.group(2))
        out.costs[(fl, fn)] += n
        k = (fl, fn, cur, int(m.group(1)))
        out.lines[k] = out.lines.get(k, 0) + n
    if out.header.get("events") is None:
        raise ConfigError(f"{source}: no 'events:' line (not a callgrind file?)")
    return out
