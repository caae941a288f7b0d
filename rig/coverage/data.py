"""Coverage of one firmware build as source lines and functions, and the union of several runs.

Hit counts are 0/1 from the coverage bitmap (whether an instruction ran); with the execution
counts of a profile (node.enable_profile()) they are real: a line's hits are the executions of its
most executed instruction, a function's those of its first instruction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rig.coverage.linemap import LineMap
from rig.errors import ConfigError


@dataclass
class FunctionCov:
    line: int
    hits: int


@dataclass
class FileCov:
    lines: dict[int, int] = field(default_factory=dict)  # line -> hits
    functions: dict[str, FunctionCov] = field(default_factory=dict)

    @property
    def lines_hit(self) -> int:
        return sum(1 for h in self.lines.values() if h)

    @property
    def functions_hit(self) -> int:
        return sum(1 for f in self.functions.values() if f.hits)


@dataclass
class Coverage:
    """Per source file (absolute path) lines and functions of one build (`build`: an id such as the
    ELF's sha256 prefix; None when unknown, e.g. a tracefile from another tool)."""

    name: str  # the image, e.g. "lwm2m-client"
    build: str | None = None
    files: dict[str, FileCov] = field(default_factory=dict)

    @property
    def totals(self) -> tuple[int, int, int, int]:
        """(lines hit, lines, functions hit, functions)"""
        lh = lf = fh = ff = 0
        for f in self.files.values():
            lh += f.lines_hit
            lf += len(f.lines)
            fh += f.functions_hit
            ff += len(f.functions)
        return lh, lf, fh, ff

    def merge(self, other: Coverage) -> None:
        """Union with another run of the same build (a line or function is hit if either run hit
        it); two different builds of one image are refused."""
        if self.name == other.name and self.build and other.build and self.build != other.build:
            raise ConfigError(f"refusing to merge coverage of two different builds of {self.name} "
                              f"({self.build[:16]} and {other.build[:16]}): rebuild-and-rerun, or "
                              "report them separately")
        if self.build is None:
            self.build = other.build
        for path, theirs in other.files.items():
            mine = self.files.setdefault(path, FileCov())
            for line, hits in theirs.lines.items():
                mine.lines[line] = max(mine.lines.get(line, 0), hits)
            for fname, fn in theirs.functions.items():
                have = mine.functions.get(fname)
                if have is None:
                    mine.functions[fname] = FunctionCov(fn.line, fn.hits)
                else:
                    have.hits = max(have.hits, fn.hits)

    def summary_line(self) -> str:
        lh, lf, fh, ff = self.totals
        return (f"{self.name}: {percent(lh, lf)} lines ({lh}/{lf}), "
                f"{percent(fh, ff)} functions ({fh}/{ff})")


def percent(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:.1f} %" if total else "n/a"


def executed(bitmap: bytes | memoryview, base: int, start: int, end: int) -> bool:
    """Did any instruction in [start, end) run? One bit per halfword from `base`."""
    h0 = (start - base) >> 1
    h1 = (end - base + 1) >> 1
    if h0 < 0 or (h1 + 7) >> 3 > len(bitmap):
        return False
    return any(bitmap[h >> 3] >> (h & 7) & 1 for h in range(h0, h1))


def _most(counts: dict[int, int], start: int, end: int) -> int:
    return max((counts.get(a, 0) for a in range(start, end, 2)), default=0)


def from_bitmap(lm: LineMap, bitmap: bytes | memoryview, base: int, name: str,
                counts: dict[int, int] | None = None) -> Coverage:
    """Source view of an executed-address bitmap: a line is instrumentable if a line-table row
    maps to it, hit if any instruction of any of its rows ran; a function is hit if its first
    instruction ran. With `counts` (address -> executions) hits are execution counts."""
    files: dict[str, FileCov] = {}
    per_index: list[FileCov | None] = [None] * len(lm.files)

    def file_cov(i: int) -> FileCov:
        fc = per_index[i]
        if fc is None:
            fc = per_index[i] = files.setdefault(lm.files[i], FileCov())
        return fc

    for start, end, file_index, line in lm.ranges:
        fc = file_cov(file_index)
        if counts is not None:
            hits = max(_most(counts, start, end), 1 if executed(bitmap, base, start, end) else 0)
            fc.lines[line] = max(fc.lines.get(line, 0), hits)
            continue
        if fc.lines.get(line):
            continue
        fc.lines[line] = 1 if executed(bitmap, base, start, end) else 0
    for fn in lm.functions:
        fc = file_cov(fn.file)
        hit = 1 if executed(bitmap, base, fn.address, fn.address + 2) else 0
        if counts is not None:
            hit = max(hit, counts.get(fn.address, 0))
        have = fc.functions.get(fn.name)
        if have is None:
            fc.functions[fn.name] = FunctionCov(fn.line, hit)
        else:  # one static inline function emitted by several units: hit if any copy ran
            have.hits = max(have.hits, hit)
    return Coverage(name, lm.sha256, files)
