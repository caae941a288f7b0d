"""Budgets (per image, per component/group/total) and the growth gate against a baseline.

version = 1
[lwm2m-client]                       # one table per ELF name
max_growth = "5%"                    # optional; --max-growth overrides
total = { flash = "40 KiB", ram = "10 KiB" }   # sizes: bytes, or "N B", "N KiB", "N MiB", "N kB" (1000)
"CoAP" = { flash = "5 KiB", ram = "1 KiB" }   # a component or group name
"LwM2M" = { flash = "14 KiB", goal = { flash = "6 KiB" } }   # goal: reported; gates with --goals
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.footprint.components import _load_table

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*$")
# B, KiB, MiB (binary), kB (SI, 1000 B): nothing else, so "28 K" can't mean 28,672 to one reader and
# 28,000 to another
UNITS = {None: 1, "B": 1, "KiB": 1024, "MiB": 1 << 20, "kB": 1000}
_AMBIGUOUS = {"k", "K", "KB", "Kb", "kb", "kiB", "kib", "KIB", "M", "MB", "Mb", "mb", "mib", "MIB", "m"}
TOTAL = "total"
LIMIT_KEYS = ("flash", "ram", "goal")
GOAL_KEYS = ("flash", "ram")


@dataclass(frozen=True)
class Limit:
    target: str  # component, group, or "total"
    flash: int | None
    ram: int | None
    goal_flash: int | None = None  # where we want to get; exceeding it is reported, not a failure
    goal_ram: int | None = None


@dataclass(frozen=True)
class ImageBudget:
    image: str
    limits: tuple[Limit, ...]
    max_growth: float | None  # percent


@dataclass(frozen=True)
class Violation:
    target: str
    metric: str  # "flash" | "ram"
    message: str


def parse_size(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: not a size: {value!r}")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m and m.group(2) in UNITS:
            return int(float(m.group(1)) * UNITS[m.group(2)])
        if m and m.group(2) in _AMBIGUOUS:
            raise ConfigError(
                f'{where}: unit {m.group(2)!r} in {value!r} is ambiguous: write "{m.group(1)} KiB" '
                f'(x 1024) or "{m.group(1)} kB" (x 1000); MiB for megabytes'
            )
    raise ConfigError(f'{where}: not a size: {value!r} (bytes, or a number with B, KiB, MiB or kB: e.g. "5 KiB")')


def parse_percent(value: Any, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$", value)
        if m:
            return float(m.group(1))
    raise ConfigError(f'{where}: not a percentage: {value!r} (e.g. "5%")')


def load_budgets(path: Path) -> dict[str, ImageBudget]:
    raw = _load_table(path, "budget")
    version = raw.pop("version", 1)
    if version != 1:
        raise ConfigError(f"{path}: unsupported budget file version {version!r} (expected 1)")
    out: dict[str, ImageBudget] = {}
    for image, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{image}] must be a table of budgets")
        growth = None
        limits: list[Limit] = []
        for target, spec in table.items():
            where = f"{path}: {image}.{target}"
            if target == "max_growth":
                growth = parse_percent(spec, where)
                continue
            if not isinstance(spec, dict) or not spec or set(spec) - set(LIMIT_KEYS):
                unknown = _unknown_keys(spec, LIMIT_KEYS)
                raise ConfigError(f"{where} must be a table with flash and/or ram (and an optional goal){unknown}")
            goal = spec.get("goal", {})
            if not isinstance(goal, dict) or set(goal) - set(GOAL_KEYS):
                raise ConfigError(f"{where}.goal must be a table with flash and/or ram{_unknown_keys(goal, GOAL_KEYS)}")
            limits.append(
                Limit(
                    target,
                    _size(spec, "flash", where),
                    _size(spec, "ram", where),
                    _size(goal, "flash", f"{where}.goal"),
                    _size(goal, "ram", f"{where}.goal"),
                )
            )
        out[image] = ImageBudget(image, tuple(limits), growth)
    return out


def closest(name: str, names: list[str] | set[str] | tuple[str, ...], cutoff: float = 0.6) -> str | None:
    """The name `name` was probably meant to be: the same but for case, else the most similar."""
    for n in sorted(names):
        if n.lower() == name.lower():
            return n
    match = difflib.get_close_matches(name, sorted(names), n=1, cutoff=cutoff)
    return match[0] if match else None


def _unknown_keys(spec: Any, allowed: tuple[str, ...]) -> str:
    """`: unknown key 'rom'` (with the closest allowed key), or "" when no key is unknown."""
    if not isinstance(spec, dict):
        return ""
    parts = []
    for key in sorted(k for k in spec if k not in allowed):
        near = closest(str(key), allowed)
        parts.append(f"{key!r}" + (f" (did you mean {near!r}?)" if near else ""))
    return f"; unknown key{'s' if len(parts) > 1 else ''} {', '.join(parts)}" if parts else ""


def unknown_target(image: str, target: str, known: set[str]) -> str:
    """The message for a budget naming no component or group."""
    near = closest(target, known)
    hint = f"; did you mean {near!r}?" if near else ""
    names = ", ".join(repr(n) for n in sorted(known, key=str.lower))
    return f"budget for {image} names unknown component {target!r}{hint} (known: {names})"


def _size(table: dict[str, Any], key: str, where: str) -> int | None:
    return parse_size(table[key], f"{where}.{key}") if key in table else None


def _usage_of(report: dict[str, Any], target: str) -> dict[str, int] | None:
    if target == TOTAL:
        return report["totals"]
    for entry in (*report["components"], *report["groups"]):
        if entry["name"] == target:
            return entry
    return None


def check_budget(report: dict[str, Any], budget: ImageBudget, known: set[str], goals: bool = False) -> list[Violation]:
    """Budgets exceeded; with `goals`, the goals exceeded instead (reported, or a strict gate)."""
    out: list[Violation] = []
    for limit in budget.limits:
        usage = _usage_of(report, limit.target)
        if usage is None:
            if limit.target not in known:
                raise ConfigError(unknown_target(budget.image, limit.target, known | {TOTAL}))
            usage = {"flash": 0, "ram": 0}
        what = "goal" if goals else "budget"
        caps = {"flash": limit.goal_flash, "ram": limit.goal_ram} if goals else {"flash": limit.flash, "ram": limit.ram}
        for metric, cap in caps.items():
            if cap is not None and usage[metric] > cap:
                out.append(
                    Violation(
                        limit.target,
                        metric,
                        f"{budget.image}: {limit.target} {metric} {usage[metric]:,} B exceeds {what} "
                        f"{cap:,} B by {usage[metric] - cap:,} B",
                    )
                )
    return out


def check_growth(report: dict[str, Any], max_growth: float, floor: int = 0) -> list[Violation]:
    """Every component (and the total) growing more than `max_growth` percent over the baseline.
    Linker fill and alignment padding (the rows' *_fill_delta) is not growth: 2 B of it moved by an
    unrelated change used to fail --max-growth 1."""
    base = report.get("baseline")
    if not base or base.get("absent"):  # a new image: nothing to grow from (its budget still applies)
        return []
    out: list[Violation] = []
    for row in base["rows"]:
        for metric in ("flash", "ram"):
            old, new = row[f"{metric}_base"], row[metric]
            fill = row.get(f"{metric}_fill_delta", 0)
            delta = new - old - fill
            if delta <= floor or delta <= 0:
                continue
            pct = (delta * 100.0 / old) if old else float("inf")
            if pct > max_growth:
                shown = "new" if not old else f"+{pct:.1f}%"
                besides = f", besides {fill:+,} B of linker fill" if fill else ""
                out.append(
                    Violation(
                        row["name"],
                        metric,
                        f"{report['image']}: {row['name']} {metric} grew {old:,} -> {new:,} B "
                        f"(+{delta:,} B{besides}, {shown}) over the {max_growth:g}% allowed",
                    )
                )
    return out
