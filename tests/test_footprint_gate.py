"""Baselines (saved report or git revision), growth threshold and budgets: deltas and the exit gate."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rig.cli import main
from rig.footprint._testelf import COMPONENTS_TOML, build_elf
from rig.footprint.budget import check_growth, parse_percent, parse_size


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    old_root, new_root = tmp_path_factory.mktemp("old"), tmp_path_factory.mktemp("new")
    old_elf, _ = build_elf(old_root, a_size=1000)
    new_elf, _ = build_elf(new_root, a_size=1500)  # component A grows by exactly 500 B of rodata
    comps = old_root / "components.toml"
    comps.write_text(COMPONENTS_TOML)
    saved = old_root / "baseline.json"
    assert (
        main(
            [
                "footprint",
                str(old_elf),
                "--components",
                str(comps),
                "--format",
                "json",
                "--output",
                str(saved),
            ]
        )
        == 0
    )
    return {"old": old_elf, "new": new_elf, "comps": comps, "saved": saved}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def rows(report: dict) -> dict[str, dict]:
    return {r["name"]: r for r in report["baseline"]["rows"]}


def test_deltas_against_a_saved_report(images, capsys) -> None:
    rc, out, _ = run(
        capsys,
        "footprint",
        str(images["new"]),
        "--components",
        str(images["comps"]),
        "--baseline",
        str(images["saved"]),
        "--format",
        "json",
    )
    assert rc == 0
    r = rows(json.loads(out))
    old_a = json.loads(images["saved"].read_text())["components"][0]
    assert r["A"]["flash_delta"] == 500 and r["A"]["ram_delta"] == 0
    assert r["A"]["flash_pct"] == round(500 * 100 / old_a["flash"], 2)
    assert r["B"]["flash_delta"] == 0
    assert r["total"]["flash_delta"] == 500


def test_growth_over_threshold_fails_naming_the_component(images, capsys) -> None:
    rc, out, err = run(
        capsys,
        "footprint",
        str(images["new"]),
        "--components",
        str(images["comps"]),
        "--baseline",
        str(images["saved"]),
        "--max-growth",
        "5%",
        "--format",
        "md",
    )
    assert rc == 1
    assert "A flash grew" in err and "over the 5% allowed" in err
    assert "B " not in err.replace("B by", "").replace(" B ", " ")  # B did not grow
    assert "Footprint gate failed" in out and "(+" in out


def test_growth_within_threshold_passes(images, capsys) -> None:
    rc, _, err = run(
        capsys,
        "footprint",
        str(images["new"]),
        "--components",
        str(images["comps"]),
        "--baseline",
        str(images["saved"]),
        "--max-growth",
        "60",
    )
    assert rc == 0, err


def test_growth_floor_ignores_small_changes(images, capsys) -> None:
    rc, _, err = run(
        capsys,
        "footprint",
        str(images["new"]),
        "--components",
        str(images["comps"]),
        "--baseline",
        str(images["saved"]),
        "--max-growth",
        "5%",
        "--growth-floor",
        "600",
    )
    assert rc == 0, err


def write_budget(path: Path, body: str) -> Path:
    path.write_text("version = 1\n[fw]\n" + body)
    return path


def test_budget_exceeded_fails_naming_the_component(images, tmp_path: Path, capsys) -> None:
    budget = write_budget(
        tmp_path / "b.toml",
        'total = { flash = "64 KiB", ram = "4 KiB" }\nA = { flash = 1200 }\nB = { ram = 100 }\n',
    )
    rc, out, err = run(
        capsys,
        "footprint",
        str(images["new"]),
        "--components",
        str(images["comps"]),
        "--budget",
        str(budget),
        "--format",
        "json",
    )
    assert rc == 1
    gate = json.loads(out)["gate"]
    assert not gate["ok"]
    assert any(v.startswith("fw: A flash") and "exceeds budget 1,200 B" in v for v in gate["violations"])
    assert any(v.startswith("fw: B ram 200 B exceeds budget 100 B") for v in gate["violations"])
    assert "total" not in err
    assert "FAIL: fw: A flash" in err


def test_budget_met_passes_and_groups_count(images, tmp_path: Path, capsys) -> None:
    budget = write_budget(
        tmp_path / "b.toml",
        'total = { flash = "64 KiB", ram = "4 KiB" }\n"A+B" = { flash = "2 KiB", ram = 300 }\n',
    )
    rc, out, err = run(
        capsys,
        "footprint",
        str(images["old"]),
        "--components",
        str(images["comps"]),
        "--budget",
        str(budget),
        "--format",
        "md",
    )
    assert rc == 0, err
    assert "✅ within budget" in out
    budget = write_budget(tmp_path / "b.toml", '"A+B" = { flash = 1000 }\n')
    rc, _, err = run(
        capsys, "footprint", str(images["old"]), "--components", str(images["comps"]), "--budget", str(budget)
    )
    assert rc == 1 and "fw: A+B flash" in err


def test_budget_total_ram_includes_the_stack(images, tmp_path: Path, capsys) -> None:
    # 4 B data + 200 B bss + 512 B stack = 716 B
    budget = write_budget(tmp_path / "b.toml", "total = { ram = 715 }\n")
    rc, _, err = run(
        capsys, "footprint", str(images["old"]), "--components", str(images["comps"]), "--budget", str(budget)
    )
    assert rc == 1 and "fw: total ram 716 B exceeds budget 715 B by 1 B" in err
    write_budget(budget, "total = { ram = 716 }\n")
    assert (
        run(
            capsys,
            "footprint",
            str(images["old"]),
            "--components",
            str(images["comps"]),
            "--budget",
            str(budget),
        )[0]
        == 0
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_baseline_from_a_git_revision_built_in_a_worktree(tmp_path: Path, capsys) -> None:
    """A throw-away repository whose firmware-c/Makefile builds fw.elf; HEAD has a[1000], the working
    tree a[1500]: the baseline is rebuilt from HEAD in a temporary worktree, then removed."""
    repo = tmp_path / "repo"
    fw = repo / "firmware-c"
    fw.mkdir(parents=True)
    from rig.footprint import _testelf

    (fw / "gen.py").write_text(
        f"import sys, pathlib\nsys.path.insert(0, {str(Path(_testelf.__file__).resolve().parents[2])!r})\n"
        "from rig.footprint._testelf import build_elf\n"
        "size = int(pathlib.Path('size.txt').read_text())\nbuild_elf(pathlib.Path('.'), a_size=size)\n"
    )
    (fw / "Makefile").write_text("all: build/cc2538/fw.elf\nbuild/cc2538/fw.elf: size.txt gen.py\n\tpython3 gen.py\n")
    (fw / ".gitignore").write_text("build/\nsrc/\n*.ld\n")
    (fw / "size.txt").write_text("1000\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    (fw / "size.txt").write_text("1500\n")
    subprocess.run(["make", "-C", str(fw), "-s"], check=True, capture_output=True)
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    rc, out, err = run(
        capsys,
        "footprint",
        str(fw / "build/cc2538/fw.elf"),
        "--components",
        str(comps),
        "--baseline",
        "HEAD",
        "--format",
        "json",
    )
    assert rc == 0, err
    rep = json.loads(out)
    assert rows(rep)["A"]["flash_delta"] == 500
    assert rep["baseline"]["label"].startswith("HEAD (")
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone
    rc, _, err = run(
        capsys,
        "footprint",
        str(fw / "build/cc2538/fw.elf"),
        "--components",
        str(comps),
        "--baseline",
        "no-such-rev",
    )
    assert rc == 2 and "neither a report file nor a git revision" in err


def test_goals_are_reported_and_gate_only_when_asked(images, tmp_path: Path, capsys) -> None:
    budget = write_budget(tmp_path / "b.toml", 'A = { flash = "4 KiB", goal = { flash = 1000 } }\n')
    argv = ["footprint", str(images["new"]), "--components", str(images["comps"]), "--budget", str(budget)]
    rc, out, err = run(capsys, *argv, "--format", "md")
    assert rc == 0, err
    assert "Goals not met yet" in out and "fw: A flash" in out and "exceeds goal 1,000 B" in out
    assert "4,096 ✅ · goal 1,000 ❌" in out
    rc, _, err = run(capsys, *argv, "--goals")
    assert rc == 1 and "FAIL: fw: A flash" in err and "exceeds goal 1,000 B" in err


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1 MiB", 1 << 20),
        ("1.5 KiB", 1536),
        ("2 kB", 2000),
        ("3kB", 3000),
        ("12 B", 12),
        ("12", 12),
        (7, 7),
    ],
)
def test_size_units(text: str | int, size: int) -> None:
    assert parse_size(text, "x") == size


@pytest.mark.parametrize(("text", "pct"), [("5%", 5.0), (" 2.5 % ", 2.5), (3, 3.0), (0.5, 0.5)])
def test_percent_forms(text: str | float, pct: float) -> None:
    assert parse_percent(text, "x") == pct


GROWTH = {
    "image": "fw",
    "baseline": {
        "rows": [
            {"name": "A", "flash_base": 1000, "flash": 1100, "ram_base": 100, "ram": 100},  # flash +100 B, +10%
            {"name": "B", "flash_base": 0, "flash": 64, "ram_base": 0, "ram": 0},  # new component
            {"name": "C", "flash_base": 100, "flash": 90, "ram_base": 100, "ram": 150},  # RAM +50%, flash shrinks
        ]
    },
}


def test_growth_gate_edges() -> None:
    def gated(max_growth: float, floor: int = 0) -> list[tuple[str, str]]:
        return [(v.target, v.metric) for v in check_growth(GROWTH, max_growth, floor)]

    assert gated(10.0) == [("B", "flash"), ("C", "ram")]  # exactly the limit passes; new code always gates
    assert gated(9.5) == [("A", "flash"), ("B", "flash"), ("C", "ram")]  # percent of the old size: 10%
    assert gated(0.0, floor=100) == []  # a change of exactly the floor is ignored
    assert gated(0.0, floor=99) == [("A", "flash")]
    assert "grew 0 -> 64 B (+64 B, new)" in check_growth(GROWTH, 10.0)[0].message


# --- git baselines of images built elsewhere than firmware-c/build, and of new images ---------------------------

GEN = """\
import pathlib, shutil, sys
sys.path.insert(0, {rig!r})
from rig.footprint._testelf import build_elf
build, name = pathlib.Path(sys.argv[1]), sys.argv[2]
elf, mapfile = build_elf(build / "scratch", name=name, a_size=int(pathlib.Path("size.txt").read_text()))
(build / "cc2538").mkdir(parents=True, exist_ok=True)
shutil.copy(elf, build / "cc2538" / elf.name)
shutil.copy(mapfile, build / "cc2538" / mapfile.name)
"""
# like firmware-c/Makefile: BUILD ?= build, images at $(BUILD)/cc2538/<image>.elf, one rule per known image
MAKEFILE = """\
BUILD ?= build
IMAGES := {images}
$(IMAGES:%=$(BUILD)/cc2538/%.elf): $(BUILD)/cc2538/%.elf: size.txt gen.py
\tpython3 gen.py $(BUILD) $*
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A throw-away repository: firmware-c/ builds fw.elf; commit 1 cannot build (size.txt is not a
    number), commit 2 (HEAD) has a[1000], the working tree a[1500] and a second image, new.elf."""
    from rig.footprint import _testelf

    repo = tmp_path / "repo"
    fw = repo / "firmware-c"
    fw.mkdir(parents=True)
    (fw / "gen.py").write_text(GEN.format(rig=str(Path(_testelf.__file__).resolve().parents[2])))
    (fw / "Makefile").write_text(MAKEFILE.format(images="fw"))
    (fw / ".gitignore").write_text("build/\n")
    (fw / "size.txt").write_text("oops\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken")
    (fw / "size.txt").write_text("1000\n")
    git(repo, "commit", "-q", "-am", "v1")
    (fw / "size.txt").write_text("1500\n")
    (fw / "Makefile").write_text(MAKEFILE.format(images="fw new"))
    (tmp_path / "c.toml").write_text(COMPONENTS_TOML)
    return repo


def make(repo: Path, *args: str) -> None:
    subprocess.run(["make", "-C", str(repo / "firmware-c"), "-s", *args], check=True, capture_output=True)


def test_git_baseline_of_an_image_built_with_another_build_directory(repo: Path, capsys) -> None:
    """`make BUILD=build/v2` (what hello/app.mk suggests): was "No rule to make target
    'build/v2/cc2538/hello.elf'" (the target was derived from the path, without BUILD=)."""
    make(repo, "BUILD=build/v2", "build/v2/cc2538/fw.elf")
    elf = repo / "firmware-c/build/v2/cc2538/fw.elf"
    comps = repo.parent / "c.toml"
    rc, out, err = run(capsys, "footprint", str(elf), "--components", str(comps), "--baseline", "HEAD",
                       "--format", "json")
    assert rc == 0, err
    assert rows(json.loads(out))["A"]["flash_delta"] == 500
    assert git(repo, "worktree", "list").count("\n") == 1
    assert not (repo / "firmware-c/build/cc2538").exists()  # nothing built in the default place either


def test_git_baseline_of_an_out_of_tree_build_uses_the_current_directorys_repository(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`make BUILD=/tmp/x`: was "... is not in a git repository"."""
    out_dir = tmp_path / "x"
    make(repo, f"BUILD={out_dir}", f"{out_dir}/cc2538/fw.elf")
    elf = out_dir / "cc2538/fw.elf"
    before = elf.read_bytes()
    comps = str(repo.parent / "c.toml")
    for cwd in (repo, repo / "firmware-c"):  # from the top (firmware-c/Makefile) or the firmware directory
        monkeypatch.chdir(cwd)
        rc, out, err = run(capsys, "footprint", str(elf), "--components", comps, "--baseline", "HEAD",
                           "--format", "json")
        assert rc == 0, err
        assert rows(json.loads(out))["A"]["flash_delta"] == 500
    assert elf.read_bytes() == before  # the baseline was built elsewhere, not over the user's build
    assert git(repo, "worktree", "list").count("\n") == 1
    monkeypatch.chdir(tmp_path)
    rc, _, err = run(capsys, "footprint", str(elf), "--components", comps, "--baseline", "HEAD")
    assert rc == 2 and "not in a git repository" in err and "current directory" in err


def test_git_baseline_without_the_image_is_empty_and_every_component_new(repo: Path, capsys) -> None:
    """A PR adding an image: was exit 2 "No rule to make target"; now every component is new, the
    growth gate has nothing to compare with, and the image's budget still gates."""
    make(repo, "build/cc2538/new.elf")
    elf = repo / "firmware-c/build/cc2538/new.elf"
    comps = str(repo.parent / "c.toml")
    argv = ["footprint", str(elf), "--components", comps, "--baseline", "HEAD", "--max-growth", "2"]
    rc, out, err = run(capsys, *argv, "--format", "json")
    assert rc == 0, err
    assert "note: baseline HEAD: new.elf did not exist there" in err and "every component is new" in err
    rep = json.loads(out)
    assert rep["baseline"]["absent"] and "empty" in rep["baseline"]["label"]
    r = rows(rep)
    assert r["A"]["flash_base"] == 0 and r["A"]["flash"] > 1500 and r["total"]["flash_base"] == 0
    budget = repo.parent / "b.toml"
    budget.write_text("[new]\ntotal = { flash = 100 }\n")
    rc, _, err = run(capsys, *argv, "--budget", str(budget))
    assert rc == 1 and "FAIL: new: total flash" in err
    budget.write_text("[new]\ntotal = { flash = 9000 }\n")
    rc, out, err = run(capsys, *argv, "--budget", str(budget), "--format", "md")
    assert rc == 0, err
    assert "✅ within budget\n" in out and "empty: new.elf did not exist there" in out and "(new) |" in out
    # an ELF no Makefile knows, here or there (copied, renamed), is an error, not a new image
    renamed = repo / "firmware-c/build/cc2538/renamed.elf"
    renamed.write_bytes(elf.read_bytes())
    rc, _, err = run(capsys, "footprint", str(renamed), "--components", comps, "--baseline", "HEAD")
    assert rc == 2 and "cannot tell how to rebuild" in err and "no rule for build/cc2538/renamed.elf" in err
    # a revision that has the rule but fails to build is still an error, not an empty baseline
    make(repo, "build/cc2538/fw.elf")
    rc, _, err = run(capsys, "footprint", str(repo / "firmware-c/build/cc2538/fw.elf"), "--components", comps,
                     "--baseline", "HEAD~1")
    assert rc == 2 and "cannot build fw.elf as " in err and "was built, at HEAD~1" in err
    assert git(repo, "worktree", "list").count("\n") == 1


def test_a_baseline_report_of_another_image_is_refused(images, tmp_path: Path, capsys) -> None:
    """lwm2m-client-bs.elf against lwm2m-client.json: was compared silently ("grew", or -79.8 %)."""
    other = tmp_path / "lwm2m-client.json"
    other.write_text(images["saved"].read_text().replace('"image": "fw"', '"image": "lwm2m-client"'))
    argv = ["footprint", str(images["new"]), "--components", str(images["comps"]), "--baseline", str(other)]
    rc, _, err = run(capsys, *argv, "--max-growth", "2")
    assert rc == 2
    assert "is a report of lwm2m-client, not of fw" in err and "--image lwm2m-client" in err
    assert "grew" not in err
    rc, out, err = run(capsys, *argv, "--image", "lwm2m-client", "--format", "json")  # said on purpose
    assert rc == 0, err
    assert rows(json.loads(out))["A"]["flash_delta"] == 500
