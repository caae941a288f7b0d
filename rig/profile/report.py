"""Profile tables: the top functions and cycles per footprint component (text for a terminal,
markdown for a PR comment), and the function-by-function difference of two profiles."""

from __future__ import annotations

from pathlib import Path

from rig.profile.data import FunctionProfile, Profile

TOP = 10
CPU_HZ = 32_000_000


def percent_of(part: int, whole: int) -> str:
    if not whole:
        return "n/a"
    pct = 100.0 * part / whole
    # an idle node is active for a few hundredths of a percent and asleep for 99.97 %: show that,
    # not "0.0 %" and "100.0 %"
    small = min(pct, 100.0 - pct)
    if not 0.0 < small < 0.1 or part in (0, whole):
        return f"{pct:.1f} %"
    decimals = 2  # the first digit that is not 0 (or 9), and one more: 0.025 %, 99.975 %
    while small < 10.0 ** (1 - decimals) and decimals < 12:
        decimals += 1
    return f"{pct:.{decimals}f} %"


def _where(f: FunctionProfile) -> str:
    return f"{Path(f.file).name}:{f.line}" if f.file else "?"


def headline(p: Profile) -> str:
    nodes = "1 node" if p.nodes == 1 else f"summed over {p.nodes} nodes"
    return (f"{p.name}: {p.cycles:,} cycles ({p.cycles / CPU_HZ:.6f} virtual s, {nodes}), "
            f"active {p.executed:,} ({percent_of(p.executed, p.cycles)}), "
            f"asleep {p.asleep:,} ({percent_of(p.asleep, p.cycles)})")


def _rows(p: Profile, top: int) -> list[tuple[str, str, str, str, str]]:
    return [(f.name, _where(f), str(f.cycles), percent_of(f.cycles, p.executed), str(f.calls))
            for f in p.functions[:top]]


def _columns(rows: list[tuple[str, ...]], left: int) -> list[str]:
    """Aligned rows: the first `left` columns flush left, the numbers flush right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) if i < left else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]


def render_text(p: Profile, top: int = TOP) -> str:
    out = [headline(p)]
    out += _columns([("function", "where", "cycles", "% active", "calls"), *_rows(p, top)], 2)
    if p.outside_elf:
        out.append(f"  outside the ELF's code (RAM, reprogrammed flash): {p.outside_elf} cycles")
    if p.components:  # the same block as render_markdown's: README and --help promise it here too
        comps = [(name, str(n), percent_of(n, p.executed)) for name, n in p.components.items()]
        out += ["", *_columns([("component", "cycles", "% active"), *comps], 1)]
    return "\n".join(out) + "\n"


def render_markdown(p: Profile, top: int = TOP) -> str:
    build = f" (build `{p.build[:16]}`)" if p.build else ""
    out = [f"### Firmware profile: {p.name}{build}", "", f"**{headline(p)}**", "",
           f"Top {min(top, len(p.functions))} functions by cycles (1 instruction = 1 cycle at 32 MHz):", "",
           "| function | where | cycles | % active | calls |", "|---|---|---:|---:|---:|"]
    out += [f"| `{a}` | {b} | {c} | {d} | {e} |" for a, b, c, d, e in _rows(p, top)]
    if p.components:
        out += ["", "| component | cycles | % active |", "|---|---:|---:|"]
        out += [f"| {name} | {n} | {percent_of(n, p.executed)} |" for name, n in p.components.items()]
    out.append("")
    return "\n".join(out) + "\n"


def _signed(n: int) -> str:
    return f"{n:+d}"


def _change(a: int, b: int) -> str:
    if a == 0:
        return "new" if b else "="
    return f"{100.0 * (b - a) / a:+.1f} %"


def render_diff(a: Profile, b: Profile, top: int = TOP, markdown: bool = True) -> str:
    """Function by function, largest absolute change first; functions only one side ran show as
    0 on the other."""
    fa = {f.key: f for f in a.functions}
    fb = {f.key: f for f in b.functions}
    rows = []
    for key in set(fa) | set(fb):
        ca = fa[key].cycles if key in fa else 0
        cb = fb[key].cycles if key in fb else 0
        if ca != cb:
            rows.append((-abs(cb - ca), key, ca, cb))
    rows.sort()
    shown = rows[:top]
    title = f"{a.name}" if a.name == b.name else f"{a.name} -> {b.name}"
    totals = [("active cycles", a.executed, b.executed), ("asleep cycles", a.asleep, b.asleep),
              ("total cycles", a.cycles, b.cycles)]
    if markdown:
        out = [f"### Firmware profile diff: {title}", "",
               "| | before | after | change |", "|---|---:|---:|---:|"]
        out += [f"| {n} | {x} | {y} | {_signed(y - x)} ({_change(x, y)}) |" for n, x, y in totals]
        out += ["", f"{len(rows)} function{'s' if len(rows) != 1 else ''} changed"
                + (f"; the {len(shown)} largest changes:" if rows else "."), ""]
        if shown:
            out += ["| function | before | after | change |", "|---|---:|---:|---:|"]
            out += [f"| `{k}` | {x} | {y} | {_signed(y - x)} ({_change(x, y)}) |" for _, k, x, y in shown]
        out.append("")
        return "\n".join(out) + "\n"
    out = [f"profile diff: {title}"]
    out += [f"  {n}: {x} -> {y} ({_signed(y - x)}, {_change(x, y)})" for n, x, y in totals]
    out.append(f"  {len(rows)} function{'s' if len(rows) != 1 else ''} changed")
    if shown:
        width = max(len(k) for _, k, _, _ in shown)
        out += [f"  {k.ljust(width)}  {x:>12} -> {y:>12}  {_signed(y - x):>12}  {_change(x, y)}"
                for _, k, x, y in shown]
    return "\n".join(out) + "\n"
