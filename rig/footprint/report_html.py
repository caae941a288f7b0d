"""A self-contained HTML report: inline CSS and an inline SVG bar chart, no external assets."""

from __future__ import annotations

from html import escape
from typing import Any

from rig.footprint.report_md import (
    _anchor,
    _budget,
    _delta,
    _group_rows,
    _groups,
    _rows,
    _shown,
    _status,
    baseline_line,
    headline_delta,
    regions_line,
    stack_line,
    summary_line,
    symbol_changes,
)

_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
    "#fabfd2",
    "#8cd17d",
    "#b6992d",
    "#499894",
)

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:bold}
.bad{color:#b00;font-weight:bold}.ok{color:#070}details{margin:.3em 0}code{font-size:90%}
"""


def _chart(report: dict[str, Any]) -> str:
    """Two stacked bars (flash, RAM): one coloured segment per component, with a legend."""
    comps = _shown(report)
    width, bar_h, left = 760, 28, 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + left + 20}" '
        f'height="{80 + 18 * ((len(comps) + 2) // 3)}" role="img" aria-label="footprint chart">'
    ]
    for row, metric in enumerate(("flash", "ram")):
        total = max(1, report["totals"][metric])
        y = 10 + row * (bar_h + 8)
        parts.append(f'<text x="0" y="{y + 19}" font-size="13">{metric}</text>')
        x = float(left)
        for i, c in enumerate(comps):
            w = c[metric] * width / total
            if w <= 0:
                continue
            title = escape(f"{c['name']}: {c[metric]:,} B ({c[metric] * 100 / total:.1f}%)")
            parts.append(
                f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" '
                f'fill="{_PALETTE[i % len(_PALETTE)]}"><title>{title}</title></rect>'
            )
            x += w
    for i, c in enumerate(comps):
        lx, ly = left + (i % 3) * 260, 90 + (i // 3) * 18
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{_PALETTE[i % len(_PALETTE)]}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12">{escape(c["name"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: dict[str, Any]) -> str:
    rows = _rows(report)
    has_budget = bool(report.get("budget"))
    image = escape(report["image"])
    h = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Footprint: {image}</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Footprint: {image}</h1><p>{escape(summary_line(report))}; attributed from "
        f"{escape(report['source'])}; sha256 <code>{report['sha256'][:16]}</code></p>",
    ]
    gate = report.get("gate") or {}
    for v in gate.get("violations", []):
        h.append(f"<p class='bad'>{escape(v)}</p>")
    for v in gate.get("goal_misses", []):
        h.append(f"<p>Goal not met yet: {escape(v)}</p>")
    if report.get("baseline"):
        h.append(f"<p>{escape(headline_delta(report))}. {escape(baseline_line(report).replace('`', ''))}</p>")
    if regions_line(report):
        h.append(f"<p>{escape(regions_line(report))}</p>")
    h.append(_chart(report))
    head = (
        ["component", "flash B", "RAM B"]
        + (["Δ flash", "Δ RAM"] if rows else [])
        + (["flash budget", "RAM budget"] if has_budget else [])
        + ["seed paper", "Contiki-NG"]
    )
    h.append("<table><tr>" + "".join(f"<th>{escape(x)}</th>" for x in head) + "</tr>")
    t = report["totals"]
    entries = [
        *_shown(report),
        {
            "name": "total",
            "flash": t["flash"],
            "ram": t["ram"],
            "paper": report["anchors"]["paper_total"],
            "contiki_ng": report["anchors"]["contiki_ng_total"],
        },
    ]
    for c in entries:
        cls = " class='total'" if c["name"] == "total" else ""
        cells = [
            f"<td>{escape(c['name'])}</td>",
            f"<td class='n'>{c['flash']:,}</td>",
            f"<td class='n'>{c['ram']:,}</td>",
        ]
        if rows:
            cells += [f"<td class='n'>{escape(_delta(rows.get(c['name']), m))}</td>" for m in ("flash", "ram")]
        if has_budget:
            cells += [f"<td class='n'>{escape(_budget(report, c['name'], m))}</td>" for m in ("flash", "ram")]
        cells += [
            f"<td>{escape(_anchor(c.get('paper')))}</td>",
            f"<td>{escape(_anchor(c.get('contiki_ng')))}</td>",
        ]
        h.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    h.append("</table>")
    if _groups(report):
        grows = _group_rows(report)
        head = (["group", "flash B", "RAM B"] + (["Δ flash", "Δ RAM"] if rows else [])
                + (["flash budget", "RAM budget"] if has_budget else []) + ["seed paper", "Contiki-NG"])
        h.append("<table><tr>" + "".join(f"<th>{escape(x)}</th>" for x in head) + "</tr>")
        for g in _groups(report):
            cells = [
                f"<td title='{escape(', '.join(g['components']))}'>{escape(g['name'])}</td>",
                f"<td class='n'>{g['flash']:,}</td>",
                f"<td class='n'>{g['ram']:,}</td>",
            ]
            if rows:
                cells += [f"<td class='n'>{escape(_delta(grows.get(g['name']), m))}</td>" for m in ("flash", "ram")]
            if has_budget:
                cells += [f"<td class='n'>{escape(_budget(report, g['name'], m))}</td>" for m in ("flash", "ram")]
            cells += [f"<td>{escape(_anchor(g['paper']))}</td>", f"<td>{escape(_anchor(g['contiki_ng']))}</td>"]
            h.append("<tr>" + "".join(cells) + "</tr>")
        h.append("</table>")
    changes = symbol_changes(report)
    if changes:
        h.append(f"<h2>Largest symbol changes (top {len(changes)})</h2><table><tr><th>symbol</th><th>component</th>"
                 "<th>file</th><th>flash B</th><th>Δ flash</th><th>RAM B</th><th>Δ RAM</th></tr>")
        for c in changes:
            h.append(
                f"<tr><td><code>{escape(c['name'])}</code>{escape(_status(c))}</td><td>{escape(c['component'])}</td>"
                f"<td><code>{escape(c['file'])}</code></td><td class='n'>{c['flash']:,}</td>"
                f"<td class='n'>{c['flash_delta']:+,}</td><td class='n'>{c['ram']:,}</td>"
                f"<td class='n'>{c['ram_delta']:+,}</td></tr>"
            )
        h.append("</table>")
    if report.get("stack"):
        h.append(f"<p>{escape(stack_line(report['stack']))}</p>")
    h.append("<h2>Drill-down</h2>")
    for c in _shown(report):
        h.append(
            f"<details><summary>{escape(c['name'])}: {c['flash']:,} B flash, {c['ram']:,} B RAM"
            "</summary><table><tr><th>file / symbol</th><th>flash B</th><th>RAM B</th></tr>"
        )
        for f in c["files"]:
            h.append(
                f"<tr><td><code>{escape(f['path'])}</code></td><td class='n'>{f['flash']:,}</td>"
                f"<td class='n'>{f['ram']:,}</td></tr>"
            )
            for s in f["symbols"]:
                h.append(
                    f"<tr><td>&nbsp;&nbsp;&nbsp;<code>{escape(s['name'])}</code></td>"
                    f"<td class='n'>{s['flash']:,}</td><td class='n'>{s['ram']:,}</td></tr>"
                )
        h.append("</table></details>")
    h.append(
        "<h2>Sections</h2><table><tr><th>section</th><th>address</th><th>load address</th>"
        "<th>size</th><th>kind</th></tr>"
    )
    for s in report["sections"]:
        h.append(
            f"<tr><td>{escape(s['name'])}</td><td><code>0x{s['address']:08x}</code></td>"
            f"<td><code>0x{s['load_address']:08x}</code></td><td class='n'>{s['size']:,}</td>"
            f"<td>{s['kind']}</td></tr>"
        )
    h.append("</table></body></html>\n")
    return "\n".join(h)
