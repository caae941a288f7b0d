"""Coverage per footprint component and per file, as markdown (PR comments) or plain text.

Components come from the footprint components file (firmware-c/footprint/components.toml) with the
footprint's own matching: a source file's key is the longest tail of its path some component
pattern matches ("/src/firmware-c/os/net/sixlo/sixlo.c" -> "os/net/sixlo/sixlo"), and a line
belongs to the function starting nearest above it, so symbol rules (lwm2m-engine.c split into
registration / observe / object mapping) apply to lines as to functions.
"""

from __future__ import annotations

import bisect
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rig.coverage.data import Coverage, percent
from rig.footprint.cli import DEFAULT_COMPONENTS
from rig.footprint.components import OTHER, ComponentConfig, file_key, load_components

TOP_FUNCTIONS = 5


@dataclass
class Tally:
    lines_hit: int = 0
    lines: int = 0
    functions_hit: int = 0
    functions: int = 0
    never_run: list[tuple[int, str, str, int]] = field(default_factory=list)  # (-size, name, where, line)

    def cells(self) -> tuple[str, str]:
        return (f"{percent(self.lines_hit, self.lines)} ({self.lines_hit}/{self.lines})",
                f"{percent(self.functions_hit, self.functions)} ({self.functions_hit}/{self.functions})")


@dataclass
class Summary:
    name: str
    build: str | None
    total: Tally
    components: dict[str, Tally]
    files: dict[str, Tally]  # display key -> tally


def source_key(path: str, config: ComponentConfig) -> str:
    """The footprint file key of a source path: its longest tail a component path pattern matches."""
    parts = [p for p in PurePosixPath(path).parts if p != "/"]
    patterns = [p for c in config.components for p in c.paths]
    for i in range(len(parts)):
        key = file_key("/".join(parts[i:]))
        if any(fnmatch.fnmatchcase(key, p) for p in patterns):
            return key
    return path


def summarize(cov: Coverage, config: ComponentConfig) -> Summary:
    total = Tally()
    comps: dict[str, Tally] = {name: Tally() for name in config.names}
    files: dict[str, Tally] = {}
    known: dict[tuple[str, str], str] = {}

    def component(key: str, fname: str) -> str:  # fnmatch per line would dominate the run time
        comp = known.get((key, fname))
        if comp is None:
            comp = known[(key, fname)] = config.classify(key, fname)[0]
        return comp

    for path in sorted(cov.files):
        fc = cov.files[path]
        key = source_key(path, config)
        display = _tail(path, key.count("/") + 1) if key != path else _tail(path, 3)
        ft = files.setdefault(display, Tally())
        funcs = sorted((f.line, name) for name, f in fc.functions.items())
        starts = [line for line, _ in funcs]
        sizes: dict[str, int] = {}
        for line, hits in fc.lines.items():
            i = bisect.bisect_right(starts, line) - 1
            fname = funcs[i][1] if i >= 0 else ""
            if fname:
                sizes[fname] = sizes.get(fname, 0) + 1
            comp = component(key, fname)
            for t in (total, ft, comps.setdefault(comp, Tally())):
                t.lines += 1
                t.lines_hit += 1 if hits else 0
        for fname, fn in fc.functions.items():
            comp = component(key, fname)
            for t in (total, ft, comps.setdefault(comp, Tally())):
                t.functions += 1
                t.functions_hit += 1 if fn.hits else 0
            if not fn.hits:
                comps[comp].never_run.append((-sizes.get(fname, 0), fname, PurePosixPath(path).name, fn.line))
    used = {name: t for name, t in comps.items() if t.lines or t.functions}
    if OTHER in used:  # last, as in the footprint reports
        used[OTHER] = used.pop(OTHER)
    return Summary(cov.name, cov.build, total, used, files)


def load_config(path: Path | None) -> ComponentConfig:
    return load_components(path or DEFAULT_COMPONENTS)


def _tail(path: str, n: int) -> str:
    """The last n parts of a path: the source path as the firmware tree names it."""
    parts = [p for p in PurePosixPath(path).parts if p != "/"]
    return "/".join(parts[-n:])


def _never_run(t: Tally, top: int) -> str:
    items = sorted(t.never_run)[:top]
    text = ", ".join(f"`{name}` ({where}:{line}, {_lines(-neg)})" for neg, name, where, line in items)
    more = len(t.never_run) - len(items)
    return text + (f" and {more} more" if more > 0 else "")


def render_markdown(summaries: list[Summary], top: int = TOP_FUNCTIONS, per_file: bool = True) -> str:
    out: list[str] = []
    for s in summaries:
        lines, funcs = s.total.cells()
        build = f" (build `{s.build[:16]}`)" if s.build else ""
        out += [f"### Firmware coverage: {s.name}{build}", "",
                f"**{lines} lines, {funcs} functions** (hit counts are 0/1: run or not)", "",
                "| component | lines | functions |", "|---|---:|---:|"]
        out += [f"| {name} | {' | '.join(t.cells())} |" for name, t in s.components.items()]
        missing = [(name, t) for name, t in s.components.items() if t.never_run]
        if missing:
            out += ["", f"Never-run functions (top {top} per component, largest first):", ""]
            out += [f"- **{name}**: {_never_run(t, top)}" for name, t in missing]
        if per_file:
            out += ["", "<details><summary>Per file</summary>", "",
                    "| file | lines | functions |", "|---|---:|---:|"]
            out += [f"| `{key}` | {' | '.join(t.cells())} |" for key, t in sorted(s.files.items())]
            out += ["", "</details>"]
        out.append("")
    return "\n".join(out)


def render_text(summaries: list[Summary], top: int = TOP_FUNCTIONS, per_file: bool = False) -> str:
    out: list[str] = []
    for s in summaries:
        lines, funcs = s.total.cells()
        out.append(f"{s.name}{f' [{s.build[:16]}]' if s.build else ''}: {lines} lines, {funcs} functions")
        tables = [("component", [(name, *t.cells()) for name, t in s.components.items()])]
        if per_file:
            tables.append(("file", [(key, *t.cells()) for key, t in sorted(s.files.items())]))
        every = [r for _, rows in tables for r in rows]
        width = max([len(r[0]) for r in every] + [9])
        lw = max([len(r[1]) for r in every] + [5])
        for title, rows in tables:
            out.append(f"  {title:<{width}}  {'lines':>{lw}}  functions")
            out += [f"  {a:<{width}}  {b:>{lw}}  {c}" for a, b, c in rows]
        for name, t in s.components.items():
            if t.never_run:
                out.append(f"  never run in {name}: {_never_run(t, top).replace('`', '')}")
        out.append("")
    return "\n".join(out)


def _lines(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"
