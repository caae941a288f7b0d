"""Report formats: PR-ready Markdown, versioned JSON, self-contained HTML; footprint-all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rig.cli import main
from rig.footprint._testelf import COMPONENTS_TOML, build_elf


@pytest.fixture(scope="module")
def fw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fw")
    elf, _ = build_elf(root, name="fw")
    build_elf(root, name="tiny", a_size=10)
    comps = root / "components.toml"
    comps.write_text(COMPONENTS_TOML)
    base = root / "base.json"
    assert (
        main(
            [
                "footprint",
                str(root / "build/cc2538/tiny.elf"),
                "--components",
                str(comps),
                "--format",
                "json",
                "--output",
                str(base),
            ]
        )
        == 0
    )
    return {"root": root, "elf": elf, "comps": comps, "base": base}


def render(fw: dict[str, Path], fmt: str, capsys, *extra: str) -> str:
    assert main(["footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--format", fmt, *extra]) in (
        0,
        1,
    )
    return capsys.readouterr().out


def test_markdown_for_a_pull_request(fw, capsys) -> None:
    md = render(fw, "md", capsys, "--baseline", str(fw["base"]), "--image", "tiny")  # another image: said so
    assert md.startswith("### Footprint: `fw`")
    assert "| component | flash B | RAM B | Δ flash | Δ RAM |" in md
    assert re.search(r"\| A \| 1,0\d\d \| 4 \| \+990 \(\+\d+\.\d%\) \| 0 \|", md), md
    assert "2,228 / 30 (TLV format)" in md  # seed-paper row beside ours
    assert "<details><summary>A: " in md and "`a` | 1,000 | 0 |" in md
    assert md.count("<details>") == md.count("</details>")
    assert "| **total** |" in md


def test_json_is_versioned_and_consistent(fw, capsys) -> None:
    rep = json.loads(render(fw, "json", capsys))
    assert (rep["schema"], rep["version"], rep["image"]) == ("lwm2m-rig-footprint", 1, "fw")
    assert set(rep["totals"]) == {"flash", "ram", "text", "rodata", "data", "bss", "stack", "heap"}
    assert sum(s["flash"] for s in rep["sections"]) == rep["totals"]["flash"]
    assert sum(s["ram"] for s in rep["sections"]) == rep["totals"]["ram"]
    assert len(rep["sha256"]) == 64


def test_html_is_self_contained_with_a_chart(fw, capsys, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert (
        main(
            [
                "footprint",
                str(fw["elf"]),
                "--components",
                str(fw["comps"]),
                "--format",
                "html",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<svg" in html and "<rect" in html
    without_svg_ns = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_svg_ns and "https://" not in without_svg_ns
    assert "<script" not in html and "<link" not in html
    assert "<details><summary>A:" in html


def test_plain_table_is_the_default(fw, capsys) -> None:
    text = render(fw, "table", capsys)
    assert text.splitlines()[0].startswith("fw: flash ")
    assert re.search(r"^total\s+[\d,]+\s+[\d,]+$", text, re.M)


def test_footprint_all_writes_every_format_for_every_image(fw, tmp_path: Path, capsys) -> None:
    budget = tmp_path / "budget.toml"
    budget.write_text('version = 1\n[tiny]\ntotal = { flash = 100 }\n[fw]\ntotal = { flash = "64 KiB" }\n')
    out = tmp_path / "out"
    argv = [
        "footprint-all",
        "--output-dir",
        str(out),
        "--build-dir",
        str(fw["root"] / "build/cc2538"),
        "--components",
        str(fw["comps"]),
        "--budget",
        str(budget),
    ]
    assert main(argv) == 0  # reports are written; only --check gates
    assert main([*argv, "--check"]) == 1
    printed = capsys.readouterr().out
    assert "over budget: tiny: total flash" in printed
    for image in ("fw", "tiny"):
        for ext in ("md", "json", "html"):
            assert (out / f"{image}.{ext}").stat().st_size > 0
    assert json.loads((out / "tiny.json").read_text())["gate"]["ok"] is False
    index = (out / "index.md").read_text()
    assert "[fw](fw.md)" in index and "1 over" in index


def test_footprint_all_says_when_the_stack_report_is_missing(fw, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "stak.json"  # a typo: was silently ignored
    argv = ["footprint-all", "--output-dir", str(tmp_path / "out"), "--build-dir", str(fw["root"] / "build/cc2538"),
            "--components", str(fw["comps"]), "--stack", str(missing)]
    assert main(argv) == 0  # `make footprint` before any `make test` still writes the reports
    assert f"no stack report at {missing}" in capsys.readouterr().err
