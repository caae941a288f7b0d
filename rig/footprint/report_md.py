"""Markdown (pull-request comment, collapsible drill-down) and plain-text table renderings."""

from __future__ import annotations

from typing import Any

MAX_SYMBOLS = 12  # per file in the drill-down; keeps a PR comment well under size limits


def _n(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _delta(row: dict[str, Any] | None, metric: str) -> str:
    if row is None:
        return ""
    d, pct = row[f"{metric}_delta"], row[f"{metric}_pct"]
    if d == 0:
        return "0"
    p = "new" if pct is None else f"{pct:+.1f}%"
    return f"{d:+,} ({p})"


def _anchor(a: dict[str, Any] | None) -> str:
    return "" if not a else f"{a['flash']:,} / {a['ram']:,} ({a['row']})"


def _budget(report: dict[str, Any], name: str, metric: str) -> str:
    """ "14,336 ✅ · goal 6,144 ❌": the budget (gates) and the goal (reported) for one cell."""
    b = (report.get("budget") or {}).get(name)
    if not b:
        return ""
    used = _value(report, name, metric) or 0
    cells = []
    for key, label in ((metric, ""), (f"goal_{metric}", "goal ")):
        cap = b.get(key)
        if cap is not None:
            cells.append(f"{label}{cap:,} {'❌' if used > cap else '✅'}")
    return " · ".join(cells)


def _value(report: dict[str, Any], name: str, metric: str) -> int | None:
    if name == "total":
        return int(report["totals"][metric])
    for e in (*report["components"], *report["groups"]):
        if e["name"] == name:
            return int(e[metric])
    return 0


def _rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = report.get("baseline")
    return {r["name"]: r for r in base["rows"]} if base else {}


def _group_rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = report.get("baseline")
    return {r["name"]: r for r in base.get("groups") or []} if base else {}


def baseline_line(report: dict[str, Any]) -> str:
    """ "Compared with baseline `X` (identical ELF)." """
    base = report["baseline"]
    same = " (identical ELF: the same sha256)" if base.get("identical") else ""
    return f"Compared with baseline `{base['label']}`{same}."


def headline_delta(report: dict[str, Any]) -> str:
    """ "flash +188 B (+0.7%), RAM +20 B (+0.3%) vs the baseline", or "" without one."""
    total = _rows(report).get("total")
    if total is None:
        return ""
    parts = []
    for metric, label in (("flash", "flash"), ("ram", "RAM")):
        d, pct = total[f"{metric}_delta"], total[f"{metric}_pct"]
        parts.append(f"{label} {d:+,} B" + (f" ({pct:+.1f}%)" if pct is not None and d else ""))
    return ", ".join(parts) + " vs the baseline"


def symbol_changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    base = report.get("baseline") or {}
    return (base.get("symbols") or [])[: report.get("symbols_shown", 10)]


def _shown(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Components worth a row: non-empty now, or changed against the baseline."""
    rows = _rows(report)
    return [
        c
        for c in report["components"]
        if c["flash"]
        or c["ram"]
        or (c["name"] in rows and (rows[c["name"]]["flash_base"] or rows[c["name"]]["ram_base"]))
    ]


def _groups(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Groups with any bytes (an image without LwM2M shows no LwM2M group)."""
    return [g for g in report["groups"] if g["flash"] or g["ram"]]


def summary_line(report: dict[str, Any]) -> str:
    t = report["totals"]
    return (
        f"flash {t['flash']:,} B (text {t['text']:,}, rodata {t['rodata']:,}, data {t['data']:,}) · "
        f"RAM {t['ram']:,} B (data {t['data']:,}, bss {t['bss']:,}, stack {t['stack']:,}, "
        f"heap {t['heap']:,})"
    )


def regions_line(report: dict[str, Any]) -> str:
    parts = [
        f"{r['name']} {r['used']:,} of {r['length']:,} B ({r['used'] * 100 / r['length']:.1f}%)"
        for r in report.get("regions") or []
        if r["length"]
    ]
    return "Memory regions: " + ", ".join(parts) if parts else ""


def render_markdown(report: dict[str, Any]) -> str:
    rows = _rows(report)
    has_base = bool(rows)
    has_budget = bool(report.get("budget"))
    headline = headline_delta(report)
    out = [
        f"### Footprint: `{report['image']}`" + (f" — {headline}" if headline else ""),
        "",
        summary_line(report) + f" — attributed from {report['source']}",
    ]
    if regions_line(report):
        out += ["", regions_line(report)]
    gate = report.get("gate") or {}
    if gate.get("violations"):
        out += ["", "**❌ Footprint gate failed:**", *[f"- {v}" for v in gate["violations"]]]
    elif has_budget or has_base:
        new_image = has_base and bool(report["baseline"].get("absent"))  # no growth to limit
        out += ["", "✅ within budget" + (" and growth limit" if has_base and not new_image else "")]
    if gate.get("goal_misses"):
        out += ["", "Goals not met yet (reported, not gating):", *[f"- {v}" for v in gate["goal_misses"]]]
    if has_base:
        out += ["", baseline_line(report)]
    head = ["component", "flash B", "RAM B"]
    if has_base:
        head += ["Δ flash", "Δ RAM"]
    if has_budget:
        head += ["flash budget", "RAM budget"]
    head += ["seed paper (flash / RAM)", "Contiki-NG (flash / RAM)"]
    out += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def line(name: str, flash: int, ram: int, paper: Any, cng: Any, bold: bool = False) -> str:
        cells = [f"**{name}**" if bold else name, _n(flash), _n(ram)]
        if has_base:
            cells += [_delta(rows.get(name), "flash"), _delta(rows.get(name), "ram")]
        if has_budget:
            cells += [_budget(report, name, "flash"), _budget(report, name, "ram")]
        cells += [_anchor(paper), _anchor(cng)]
        return "| " + " | ".join(cells) + " |"

    for c in _shown(report):
        out.append(line(c["name"], c["flash"], c["ram"], c["paper"], c["contiki_ng"]))
    for name in (
        n
        for n in rows
        if n != "total"
        and n not in {c["name"] for c in report["components"]}
        and (rows[n]["flash_base"] or rows[n]["ram_base"])
    ):
        out.append(line(name, 0, 0, None, None))  # a component the baseline had and we no longer do
    t = report["totals"]
    out.append(
        line(
            "total",
            t["flash"],
            t["ram"],
            report["anchors"]["paper_total"],
            report["anchors"]["contiki_ng_total"],
            bold=True,
        )
    )
    if _groups(report):
        grows = _group_rows(report)
        out += [
            "",
            "| group | flash B | RAM B |"
            + (" Δ flash | Δ RAM |" if has_base else "")
            + (" flash budget | RAM budget |" if has_budget else "")
            + " seed paper | Contiki-NG |",
            "|---|---|---|" + ("---|---|" if has_base else "") + ("---|---|" if has_budget else "") + "---|---|",
        ]
        for g in _groups(report):
            cells = [g["name"], _n(g["flash"]), _n(g["ram"])]
            if has_base:
                cells += [_delta(grows.get(g["name"]), "flash"), _delta(grows.get(g["name"]), "ram")]
            if has_budget:
                cells += [_budget(report, g["name"], "flash"), _budget(report, g["name"], "ram")]
            cells += [_anchor(g["paper"]), _anchor(g["contiki_ng"])]
            out.append("| " + " | ".join(cells) + " |")
        # the members once, below the table (they made every group row several lines long)
        out += ["", "<details><summary>Group members</summary>", ""]
        out += [f"- {g['name']}: {', '.join(g['components'])}" for g in _groups(report)]
        out += ["", "</details>"]
    changes = symbol_changes(report)
    if changes:
        out += ["", f"Largest symbol changes (top {len(changes)}):", "",
                "| symbol | component | flash B | Δ flash | RAM B | Δ RAM |", "|---|---|---|---|---|---|"]
        for c in changes:
            out.append(f"| `{c['name']}`{_status(c)} | {c['component']} | {c['flash']:,} | {c['flash_delta']:+,} | "
                       f"{c['ram']:,} | {c['ram_delta']:+,} |")
    st = report.get("stack")
    if st:
        out += ["", stack_line(st)]
    out += ["", "<details><summary>Drill-down: files and symbols per component</summary>", ""]
    for c in _shown(report):
        out += [
            f"<details><summary>{c['name']}: {c['flash']:,} B flash, {c['ram']:,} B RAM</summary>",
            "",
            "| file / symbol | flash B | RAM B |",
            "|---|---|---|",
        ]
        for f in c["files"]:
            out.append(f"| `{f['path']}` | {f['flash']:,} | {f['ram']:,} |")
            syms = f["symbols"]
            for s in syms[:MAX_SYMBOLS]:
                out.append(f"| &nbsp;&nbsp;`{s['name']}` | {s['flash']:,} | {s['ram']:,} |")
            if len(syms) > MAX_SYMBOLS:
                rest = syms[MAX_SYMBOLS:]
                out.append(
                    f"| &nbsp;&nbsp;… {len(rest)} more | {sum(s['flash'] for s in rest):,} | "
                    f"{sum(s['ram'] for s in rest):,} |"
                )
        out += ["", "</details>", ""]
    out += ["</details>", ""]
    return "\n".join(out)


def _status(change: dict[str, Any]) -> str:
    return f" ({change['status']})" if change["status"] != "changed" else ""


def stack_line(st: dict[str, Any]) -> str:
    used, reserved = st.get("max_used"), st.get("reserved")
    pct = f" ({used * 100 / reserved:.0f}%)" if used is not None and reserved else ""
    where = f", deepest in {st['test']}" if st.get("test") else ""
    how = f" running {st['measured_as']}" if st.get("measured_as") else ""
    return (f"Stack used (max, measured over the test suite{how}): {_n(used)} B of {_n(reserved)} B "
            f"reserved{pct}{where}")


def _budget_text(report: dict[str, Any], name: str, metric: str) -> str:
    """ "40,960 ok 12,288 left" / "7,800 OVER by 12" (the budget's headroom), "" without a budget."""
    b = (report.get("budget") or {}).get(name)
    cap = b.get(metric) if b else None
    if cap is None:
        return ""
    used = _value(report, name, metric) or 0
    return f"{cap:,} " + (f"left {cap - used:,}" if used <= cap else f"OVER {used - cap:,}")


def render_table(report: dict[str, Any]) -> str:
    rows, grows = _rows(report), _group_rows(report)
    has_budget = bool(report.get("budget"))
    w = max([len(c["name"]) for c in report["components"]] + [len(g["name"]) + 2 for g in _groups(report)] + [9])
    head = f"{'component':<{w}}  {'flash':>8}  {'RAM':>7}"
    if rows:
        head += f"  {'Δflash':>16}  {'ΔRAM':>16}"
    if has_budget:
        head += f"  {'flash budget':>22}  {'RAM budget':>20}"
    headline = headline_delta(report)
    out = [f"{report['image']}: {summary_line(report)}"]
    if headline:
        out.append(f"{report['image']}: {headline}")
    if report.get("baseline"):
        out.append(baseline_line(report).replace("`", ""))
    if regions_line(report):
        out.append(regions_line(report))
    out += [head, "-" * len(head)]

    def line(label: str, name: str, flash: int, ram: int, delta: dict[str, Any] | None) -> str:
        s = f"{label:<{w}}  {flash:>8,}  {ram:>7,}"
        if rows:
            s += f"  {_delta(delta, 'flash'):>16}  {_delta(delta, 'ram'):>16}"
        if has_budget:
            s += f"  {_budget_text(report, name, 'flash'):>22}  {_budget_text(report, name, 'ram'):>20}"
        return s.rstrip()

    for c in [*_shown(report), {"name": "total", **report["totals"]}]:
        if c["name"] == "total":
            out.append("-" * len(head))
        out.append(line(c["name"], c["name"], c["flash"], c["ram"], rows.get(c["name"])))
    for g in _groups(report):
        out.append(line(f"[{g['name']}]", g["name"], g["flash"], g["ram"], grows.get(g["name"])))
    changes = symbol_changes(report)
    if changes:
        out.append(f"largest symbol changes (top {len(changes)}):")
        sw = max(len(c["name"]) + len(_status(c)) for c in changes)
        for c in changes:
            out.append(f"  {c['name'] + _status(c):<{sw}}  flash {c['flash_delta']:>+8,}  RAM {c['ram_delta']:>+7,}"
                       f"  ({c['component']}, {c['file']})")
    if report.get("stack"):
        out.append(stack_line(report["stack"]))
    for v in (report.get("gate") or {}).get("goal_misses", []):
        out.append(f"goal not met: {v}")  # budget violations go to stderr with the exit status
    return "\n".join(out) + "\n"
