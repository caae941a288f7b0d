"""The report as data: a versioned JSON schema every other format (md, html, table) renders from.

Schema "lwm2m-rig-footprint" version 1: image, elf, sha256, source, totals{flash, ram, text, rodata,
data, bss, stack, heap}, sections[], regions[], components[{name, flash, ram, kinds, paper, contiki_ng,
files[{path, flash, ram, symbols[{name, flash, ram}]}]}], groups[], anchors{}, stack,
baseline{label, image, sha256, identical, source, absent, rows[], groups[], symbols[]}, budget,
gate{ok, violations, goal_misses}. Added compatibly: `absent` says why a git baseline is empty (the
image did not exist at that revision); `identical` (the same ELF), `groups` (group deltas), `symbols`
(the largest symbol changes: name, file, component, flash/ram, *_base, *_delta, status), and
`flash_fill_delta`/`ram_fill_delta` in the rows of "other" and "total" (linker fill, not gated);
`symbols_shown`: how many of the symbol changes the md/table/html renderings list (--symbols).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.footprint.anchors import CONTIKI_NG, PAPER, anchor
from rig.footprint.attribution import FILL, Footprint, Usage
from rig.footprint.components import OTHER
from rig.inputfile import refuse_special_file

SCHEMA = "lwm2m-rig-footprint"
VERSION = 1
SYMBOL_CHANGES = 50  # symbol changes kept in the JSON (the largest first)


def _usage(u: Usage) -> dict[str, Any]:
    return {"flash": u.flash, "ram": u.ram, "kinds": dict(u.kinds)}


def _by_size(item: tuple[str, Usage]) -> tuple[int, str]:
    return (-(item[1].flash + item[1].ram), item[0])


def build_report(fp: Footprint) -> dict[str, Any]:
    cfg = fp.config
    components = []
    for cu in fp.ordered():
        paper, cng = cfg.anchors(cu.name)
        files = []
        for key, fu in sorted(((k, f.usage) for k, f in cu.files.items()), key=_by_size):
            syms = cu.files[key].symbols
            files.append(
                {
                    "path": key,
                    "flash": fu.flash,
                    "ram": fu.ram,
                    "symbols": [
                        {"name": n, "flash": s.flash, "ram": s.ram} for n, s in sorted(syms.items(), key=_by_size)
                    ],
                }
            )
        components.append(
            {
                "name": cu.name,
                **_usage(cu.usage),
                "paper": anchor(PAPER, paper),
                "contiki_ng": anchor(CONTIKI_NG, cng),
                "files": files,
            }
        )
    groups = [
        {
            "name": g.name,
            "components": list(g.components),
            **_usage(fp.group_usage(g.components)),
            "paper": anchor(PAPER, g.paper),
            "contiki_ng": anchor(CONTIKI_NG, g.contiki_ng),
        }
        for g in cfg.groups
    ]
    totals = {"flash": fp.total.flash, "ram": fp.total.ram, **fp.total.kinds}
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "image": fp.elf.name,
        "elf": str(fp.elf.path),
        "sha256": fp.elf.sha256,
        "source": fp.source,
        "totals": totals,
        "sections": [
            {
                "name": s.name,
                "address": s.address,
                "load_address": s.load_address,
                "size": s.size,
                "kind": s.kind,
                "flash": s.flash_bytes,
                "ram": s.ram_bytes,
            }
            for s in fp.elf.sections
        ],
        "regions": fp.regions,
        "components": components,
        "groups": groups,
        "anchors": {
            "paper_total": anchor(PAPER, cfg.paper_total),
            "contiki_ng_total": anchor(CONTIKI_NG, cfg.contiki_ng_total),
        },
        "stack": None,
        "baseline": None,
        "budget": None,
        "gate": {"ok": True, "violations": [], "goal_misses": []},
    }


def _pct(delta: int, old: int) -> float | None:
    return round(delta * 100.0 / old, 2) if old else None


def _fill(entry: dict[str, Any] | None, metric: str) -> int:
    """Linker fill and alignment padding in a component (only "other" has any)."""
    return sum(f[metric] for f in (entry or {}).get("files", []) if f.get("path") == FILL)


def _delta_row(name: str, now: dict[str, Any], was: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name}
    for metric in ("flash", "ram"):
        delta = now[metric] - was[metric]
        row[metric] = now[metric]
        row[f"{metric}_base"] = was[metric]
        row[f"{metric}_delta"] = delta
        row[f"{metric}_pct"] = _pct(delta, was[metric])
    return row


def _symbols(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(file, symbol) -> {component, flash, ram}; linker fill is not a symbol."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for c in report.get("components", []):
        for f in c.get("files", []):
            if f.get("path") == FILL:
                continue
            for s in f.get("symbols", []):
                have = out.setdefault((f["path"], s["name"]), {"component": c["name"], "flash": 0, "ram": 0})
                have["flash"] += s["flash"]
                have["ram"] += s["ram"]
    return out


def symbol_changes(report: dict[str, Any], base: dict[str, Any], limit: int = SYMBOL_CHANGES) -> list[dict[str, Any]]:
    """The symbols that changed most (bytes, flash and RAM together), new and removed ones included."""
    now, was = _symbols(report), _symbols(base)
    zero = {"component": "", "flash": 0, "ram": 0}
    out = []
    for key in now.keys() | was.keys():
        a, b = was.get(key, zero), now.get(key, zero)
        if a["flash"] == b["flash"] and a["ram"] == b["ram"]:
            continue
        out.append({
            "name": key[1],
            "file": key[0],
            "component": b["component"] or a["component"],
            "flash": b["flash"], "flash_base": a["flash"], "flash_delta": b["flash"] - a["flash"],
            "ram": b["ram"], "ram_base": a["ram"], "ram_delta": b["ram"] - a["ram"],
            "status": "new" if key not in was else ("removed" if key not in now else "changed"),
        })
    out.sort(key=lambda r: (-(abs(r["flash_delta"]) + abs(r["ram_delta"])), r["file"], r["name"]))
    return out[:limit]


def add_baseline(report: dict[str, Any], base: dict[str, Any], label: str) -> None:
    """Per-component, per-group and total deltas (bytes and percent) against a baseline report, the
    linker fill's share of them (not growth: the gate leaves it out), and the largest symbol changes."""
    old = {c["name"]: c for c in base["components"]}
    cur = {c["name"]: c for c in report["components"]}
    names = [*cur, *(n for n in old if n not in cur)]
    zero = {"flash": 0, "ram": 0}
    rows = []
    for name in [*names, "total"]:
        now = report["totals"] if name == "total" else cur.get(name, zero)
        was = base["totals"] if name == "total" else old.get(name, zero)
        row = _delta_row(name, now, was)
        if name in (OTHER, "total"):
            for metric in ("flash", "ram"):
                row[f"{metric}_fill_delta"] = _fill(cur.get(OTHER), metric) - _fill(old.get(OTHER), metric)
        rows.append(row)
    old_groups = {g["name"]: g for g in base.get("groups") or []}
    groups = []
    for g in report["groups"]:
        was = old_groups.get(g["name"])
        if was is None:  # a group the baseline's components file did not have: sum its members there
            was = {m: sum(old.get(c, zero)[m] for c in g["components"]) for m in ("flash", "ram")}
        groups.append(_delta_row(g["name"], g, was))
    identical = bool(base.get("sha256")) and base.get("sha256") == report.get("sha256")
    report["baseline"] = {
        "label": label,
        "image": base.get("image"),
        "sha256": base.get("sha256"),
        "identical": identical,  # the same ELF, byte for byte
        "source": base.get("source"),
        "absent": base.get("absent"),  # why the baseline is empty (the image did not exist), or None
        "rows": rows,
        "groups": groups,
        "symbols": symbol_changes(report, base),
    }


def load_report(path: Path) -> dict[str, Any]:
    refuse_special_file(Path(path), "a JSON footprint report")
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: report file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a JSON footprint report ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: not a footprint report (schema is not {SCHEMA!r})")
    if data.get("version") != VERSION:
        raise ConfigError(f"{path}: footprint report version {data.get('version')!r} unsupported (expected {VERSION})")
    try:
        for c in data["components"]:
            int(c["flash"]), int(c["ram"]), str(c["name"])
        int(data["totals"]["flash"]), int(data["totals"]["ram"])
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"{path}: footprint report is missing totals or components") from None
    return data


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"
