"""Comparing with a baseline the way the ELF was made: git baselines built with the ELF's make
variables, attribution sources that must match, linker fill left out of the growth gate, group and
symbol deltas; footprint-all with a baseline (one build for every image) and its exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rig.cli import main
from rig.footprint._testelf import COMPONENTS_TOML, RIG_ROOT, build_elf, firmware_repo, git
from rig.footprint.baseline import recorded_make_vars

REPO = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def rows(report: dict, key: str = "rows") -> dict[str, dict]:
    return {r["name"]: r for r in report["baseline"][key]}


# --- git baselines built with the ELF's make variables -------------------------------------------------------------

def test_the_firmware_makefile_records_the_command_line_variables_of_a_link(tmp_path: Path) -> None:
    """What a git baseline replays: firmware-c/Makefile writes obj/<image>/makevars at link time."""
    build = tmp_path / "b"
    subprocess.run(["make", "-C", str(REPO / "firmware-c"), "-s", "-j2", f"BUILD={build}",
                    f"{build}/cc2538/hello.elf", "FIRMWARE_VERSION=9.8.7", "EMPTY="],
                   check=True, capture_output=True)
    elf = build / "cc2538/hello.elf"
    assert (build / "cc2538/obj/hello/makevars").read_text() == "EMPTY=\nFIRMWARE_VERSION=9.8.7\n"
    assert recorded_make_vars(elf) == ("EMPTY=", "FIRMWARE_VERSION=9.8.7")  # BUILD is the plan's own


GEN = """\
import pathlib, shutil, sys
sys.path.insert(0, {rig!r})
from rig.footprint._testelf import build_elf
build, name, extra = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
size = int(pathlib.Path("size.txt").read_text()) + extra
elf, mapfile = build_elf(build / "scratch" / name, name=name, a_size=size)
(build / "cc2538" / "obj" / name).mkdir(parents=True, exist_ok=True)
shutil.copy(elf, build / "cc2538" / elf.name)
shutil.copy(mapfile, build / "cc2538" / mapfile.name)
with open(pathlib.Path(sys.argv[4]), "a") as log:
    log.write(name + "\\n")
"""
# like firmware-c/Makefile: EXTRA (like LWM2M_CLIENT_EXTRA_SRCS) grows the image, the command-line
# variables are recorded at link time; every make invocation is logged (one line per parse)
MAKEFILE = """\
BUILD ?= build
EXTRA ?= 0
LOG := {log}
$(shell echo make >> $(LOG))
command_line_vars = $(filter-out BUILD,$(foreach v,$(sort $(.VARIABLES)),\\
  $(if $(filter command line,$(origin $(v))),$(v))))
VARS = $(BUILD)/cc2538/obj/$*/makevars
all: $(BUILD)/cc2538/fw.elf $(BUILD)/cc2538/two.elf
$(BUILD)/cc2538/fw.elf $(BUILD)/cc2538/two.elf: $(BUILD)/cc2538/%.elf: size.txt gen.py
\tpython3 gen.py $(BUILD) $* $(EXTRA) $(LOG).images
\t$(shell mkdir -p $(dir $(VARS)))$(file >$(VARS))$(foreach v,$(command_line_vars),$(file >>$(VARS),$(v)=$(value $(v))))
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """firmware-c/ builds fw.elf and two.elf (a[size.txt + EXTRA]); HEAD and the tree: size 1000."""
    return firmware_repo(tmp_path, {"gen.py": GEN.format(rig=str(RIG_ROOT)),
                                    "Makefile": MAKEFILE.format(log=tmp_path / "make.log"), "size.txt": "1000\n"})


def make(repo: Path, *args: str) -> None:
    subprocess.run(["make", "-C", str(repo / "firmware-c"), "-s", *args], check=True, capture_output=True)


def test_a_git_baseline_is_built_with_the_make_variables_of_the_elf(repo: Path, capsys) -> None:
    """`make LWM2M_CLIENT_EXTRA_SRCS=... ; rig footprint --baseline HEAD`: the same commit "grew" by
    the added object (+182 B), the baseline being built without the variables."""
    make(repo, "build/cc2538/fw.elf", "EXTRA=182")
    elf = repo / "firmware-c/build/cc2538/fw.elf"
    comps = str(repo.parent / "c.toml")
    rc, out, err = run(capsys, "footprint", str(elf), "--components", comps, "--baseline", "HEAD",
                       "--max-growth", "0", "--format", "json")
    assert rc == 0, err
    assert rows(json.loads(out))["A"]["flash_delta"] == 0
    assert "building fw.elf with the make variables it was built with: EXTRA=182" in err
    # without a record (an ELF built before the Makefile kept one) the baseline is built without them
    (repo / "firmware-c/build/cc2538/obj/fw/makevars").unlink()
    (repo / "firmware-c/build/cc2538/obj/fw/cflags").write_text("-Os\n")
    rc, out, err = run(capsys, "footprint", str(elf), "--components", comps, "--baseline", "HEAD",
                       "--format", "json")
    assert rc == 0 and rows(json.loads(out))["A"]["flash_delta"] == 182
    assert "makevars not found" in err and "built without command-line variables" in err


def test_footprint_all_builds_a_git_baseline_once_for_every_image(repo: Path, tmp_path: Path, capsys) -> None:
    make(repo, "all")
    (repo / "firmware-c/size.txt").write_text("1300\n")  # both images grow by 300 B, uncommitted
    make(repo, "all")
    log = tmp_path / "make.log"
    log.write_text("")
    (tmp_path / "make.log.images").write_text("")
    argv = ["footprint-all", "--output-dir", str(tmp_path / "out"), "--build-dir", str(repo / "firmware-c/build"),
            "--components", str(tmp_path / "c.toml"), "--budget", str(tmp_path / "none.toml"),
            "--baseline", "HEAD", "--max-growth", "10"]
    (tmp_path / "none.toml").write_text("version = 1\n")
    rc, out, err = run(capsys, *argv)
    assert rc == 0, err  # over the growth limit, but no --check
    assert "fw: A flash grew 1,064 -> 1,364 B (+300 B, +28.2%)" in out and "two: A flash grew" in out
    assert "4 violation(s) above; exit status 0 without --check" in err
    assert log.read_text().count("make") == 1  # one make (one parse) built the baseline of both
    assert sorted((tmp_path / "make.log.images").read_text().split()) == ["fw", "two"]
    rc, _, _ = run(capsys, *argv, "--check")
    assert rc == 1
    index = (tmp_path / "out/index.md").read_text()
    assert "| image | flash B | RAM B | Δ flash | Δ RAM | gate | goals |" in index
    assert "| +300 | +0 | 2 over |" in index
    assert git(repo, "worktree", "list").count("\n") == 1


def test_footprint_all_compares_with_a_directory_of_saved_reports(tmp_path: Path, capsys) -> None:
    """The --output-dir of an earlier footprint-all is a baseline; the build root works as --build-dir."""
    root = tmp_path / "fw"
    build_elf(root, name="fw")
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    base = ["--components", str(comps), "--budget", str(tmp_path / "b.toml")]
    (tmp_path / "b.toml").write_text("[fw]\ntotal = { flash = \"8 KiB\" }\n")
    # the build root (was: "no firmware images (*.elf)"): its cc2538/ is used
    assert run(capsys, "footprint-all", "--output-dir", str(tmp_path / "old"), "--build-dir", str(root / "build"),
               *base)[0] == 0
    build_elf(root, name="fw", a_size=1100)
    rc, _, err = run(capsys, "footprint-all", "--output-dir", str(tmp_path / "new"), "--build-dir",
                       str(root / "build"), *base, "--baseline", str(tmp_path / "old"), "--max-growth", "50")
    assert rc == 0, err
    rep = json.loads((tmp_path / "new/fw.json").read_text())
    assert rows(rep)["A"]["flash_delta"] == 100 and rep["baseline"]["label"].endswith("old/fw.json")
    assert "flash +100 B" in (tmp_path / "new/fw.md").read_text().splitlines()[0]


def test_footprint_all_help_names_the_default_budget(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["footprint-all", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "budget.toml when it exists" in text and "--baseline" in text and "build root" in text


def test_make_footprint_fails_over_budget() -> None:
    """`make footprint` exited 0 with images over budget: the target passes --check."""
    recipe = (REPO / "Makefile").read_text().split("\nfootprint:", 1)[1].split("\n\n", 1)[0]
    assert "footprint-all" in recipe and "--check" in recipe


# --- attribution sources: map vs DWARF ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("src")
    elf, _ = build_elf(root / "v1", a_size=1000)
    comps = root / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    saved = root / "base.json"
    assert main(["footprint", str(elf), "--components", str(comps), "--format", "json", "--output", str(saved)]) == 0
    artifact = root / "artifact" / "fw.elf"  # a CI artifact: the ELF without its .map
    artifact.parent.mkdir()
    shutil.copy(elf, artifact)
    return {"elf": elf, "comps": comps, "saved": saved, "artifact": artifact, "root": root}


def test_dwarf_fallback_is_said(images, capsys) -> None:
    rc, _, err = run(capsys, "footprint", str(images["artifact"]), "--components", str(images["comps"]))
    assert rc == 0
    assert "note: no map file" in err and "attributed from DWARF" in err
    rc, _, err = run(capsys, "footprint", str(images["artifact"]), "--components", str(images["comps"]), "--no-map")
    assert rc == 0 and "attributed from DWARF" not in err  # asked for


def test_growth_gate_refuses_a_baseline_attributed_otherwise(images, capsys) -> None:
    """The byte-identical ELF from DWARF against a map-attributed baseline "grew" 943 B of other."""
    argv = ["footprint", str(images["artifact"]), "--components", str(images["comps"]), "--baseline",
            str(images["saved"])]
    rc, _, err = run(capsys, *argv, "--max-growth", "2")
    assert rc == 2
    assert "cannot gate growth" in err and "attributed from dwarf" in err and "from map" in err
    assert "sha256 match" in err and "grew" not in err
    rc, out, err = run(capsys, *argv, "--format", "md")  # not gating: shown, with a note
    assert rc == 0 and "deltas are not meaningful" in err
    assert "(identical ELF: the same sha256)" in out


def test_identical_elf_is_said(images, capsys) -> None:
    rc, out, _ = run(capsys, "footprint", str(images["elf"]), "--components", str(images["comps"]),
                     "--baseline", str(images["saved"]), "--max-growth", "0")
    assert rc == 0 and "identical ELF" in out
    _, js, _ = run(capsys, "footprint", str(images["elf"]), "--components", str(images["comps"]),
                        "--baseline", str(images["saved"]), "--format", "json")
    assert json.loads(js)["baseline"]["identical"] is True


# --- deltas: groups, symbols, linker fill -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("grown")
    old, _ = build_elf(root / "old", a_size=1000)
    new, _ = build_elf(root / "new", a_size=1100)
    comps = root / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    saved = root / "old.json"
    assert main(["footprint", str(old), "--components", str(comps), "--format", "json", "--output", str(saved)]) == 0
    return {"new": new, "comps": comps, "saved": saved}


def test_group_and_symbol_deltas_in_every_format(grown, capsys) -> None:
    argv = ["footprint", str(grown["new"]), "--components", str(grown["comps"]), "--baseline", str(grown["saved"])]
    rep = json.loads(run(capsys, *argv, "--format", "json")[1])
    assert rows(rep, "groups")["A+B"]["flash_delta"] == 100 and rows(rep, "groups")["A+B"]["flash_base"] > 0
    top = rep["baseline"]["symbols"][0]
    assert (top["name"], top["component"], top["flash_delta"], top["status"]) == ("a", "A", 100, "changed")
    md = run(capsys, *argv, "--format", "md")[1]
    assert "| group | flash B | RAM B | Δ flash | Δ RAM |" in md and "| A+B | " in md
    assert "Largest symbol changes (top" in md and "| `a` | A | 1,100 | +100 | 0 | +0 |" in md
    table = run(capsys, *argv)[1]
    assert "[A+B]" in table and "+100 (" in table.split("[A+B]")[1].splitlines()[0]
    assert "largest symbol changes" in table and "a  flash     +100" in table
    html = run(capsys, *argv, "--format", "html")[1]
    assert "Largest symbol changes" in html and "<th>Δ flash</th>" in html.split("<th>group</th>")[1]
    assert "top 1)" in run(capsys, *argv, "--format", "md", "--symbols", "1")[1]


def test_linker_fill_is_not_growth(tmp_path: Path, capsys) -> None:
    """2 B of alignment fill failed --max-growth 1 (default --growth-floor 0)."""
    old, _ = build_elf(tmp_path / "old", text_align=4)
    new, _ = build_elf(tmp_path / "new", text_align=128)  # the same code, more fill before .rodata
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    saved = tmp_path / "old.json"
    assert main(["footprint", str(old), "--components", str(comps), "--format", "json", "--output", str(saved)]) == 0
    capsys.readouterr()
    rc, out, err = run(capsys, "footprint", str(new), "--components", str(comps), "--baseline", str(saved),
                       "--max-growth", "0", "--format", "json")
    assert rc == 0, err
    other = rows(json.loads(out))["other"]
    assert other["flash_delta"] > 0 and other["flash_fill_delta"] == other["flash_delta"]  # it did move


def test_a_file_no_component_matches_is_named(tmp_path: Path, capsys) -> None:
    extra = {"comp_c/z.c": '__attribute__((section(".vectors"), used)) const int z[8] = {1};\n'}
    elf, _ = build_elf(tmp_path, extra_sources=extra)
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    rc, _, err = run(capsys, "footprint", str(elf), "--components", str(comps))
    assert rc == 0 and "1 file(s) match no component, counted as other: comp_c/z" in err


# --- options and output -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "needle"), [
    (["--goals"], "--goals needs --budget"),
    (["--budget-optional"], "--budget-optional needs --budget"),
    (["--growth-floor", "16"], "--growth-floor needs --baseline"),
    (["--max-growth", "2"], "--max-growth needs --baseline"),
])
def test_options_that_need_another_are_refused(grown, capsys, args: list[str], needle: str) -> None:
    rc, _, err = run(capsys, "footprint", str(grown["new"]), "--components", str(grown["comps"]), *args)
    assert rc == 2 and needle in err


def test_text_table_shows_budgets_and_headroom(grown, tmp_path: Path, capsys) -> None:
    budget = tmp_path / "b.toml"
    budget.write_text('[fw]\ntotal = { flash = "8 KiB" }\nA = { flash = 1000 }\n')
    rc, out, err = run(capsys, "footprint", str(grown["new"]), "--components", str(grown["comps"]),
                       "--budget", str(budget))
    assert rc == 1 and "flash budget" in out
    a_line = next(line for line in out.splitlines() if line.startswith("A "))
    assert "1,000 OVER" in a_line
    assert "8,192 left" in next(line for line in out.splitlines() if line.startswith("total"))
    assert "exceeds budget 1,000 B by" in err  # thousands separators, as in the tables


@pytest.mark.parametrize(("name", "start"), [("r.JSON", "{"), ("r.markdown", "### Footprint"), ("r.MD", "###"),
                                             ("r.htm", "<!DOCTYPE"), ("r.txt", "fw: flash")])
def test_output_suffixes(grown, tmp_path: Path, capsys, name: str, start: str) -> None:
    out = tmp_path / name
    argv = ["footprint", str(grown["new"]), "--components", str(grown["comps"]), "--output", str(out)]
    assert run(capsys, *argv)[0] == 0
    assert out.read_text().startswith(start)


def test_an_unknown_output_suffix_is_refused(grown, tmp_path: Path, capsys) -> None:
    rc, _, err = run(capsys, "footprint", str(grown["new"]), "--components", str(grown["comps"]), "--output",
                     str(tmp_path / "r.yaml"))
    assert rc == 2 and "cannot tell the format from '.yaml'" in err and "--format" in err
    assert not (tmp_path / "r.yaml").exists()


def test_stack_report_without_a_firmware_table_says_so(grown, tmp_path: Path, capsys) -> None:
    stack = tmp_path / "s.json"
    stack.write_text('{"schema": "lwm2m-rig-stack", "version": 1}')
    rc, _, err = run(capsys, "footprint", str(grown["new"]), "--components", str(grown["comps"]), "--stack",
                     str(stack))
    assert rc == 2 and 'has no "firmware" table' in err and "schema is not" not in err


def test_the_fota_apps_stack_is_found_under_its_factory_image(grown, tmp_path: Path, capsys) -> None:
    """The suite runs lwm2m-client-fota as lwm2m-client-fota-factory.elf (bootloader + app)."""
    stack = tmp_path / "s.json"
    stack.write_text(json.dumps({"schema": "lwm2m-rig-stack", "version": 1, "firmware": {
        "fw-factory": {"max_used": 300, "reserved": 512, "test": "t.py::x", "samples": 2}}}))
    rc, out, err = run(capsys, "footprint", str(grown["new"]), "--components", str(grown["comps"]), "--stack",
                       str(stack), "--format", "md")
    assert rc == 0 and "no stack measurement" not in err
    assert "running fw-factory): 300 B of 512 B reserved" in out


@pytest.mark.parametrize("text", ["28 K", "28k", "28 KB", "2M", "1 MB"])
def test_an_ambiguous_size_unit_is_refused_naming_both_readings(text: str) -> None:
    """"28 KB" was 28,000 B and "28 K" 28,672: the budget file says which it means."""
    from rig.errors import ConfigError
    from rig.footprint.budget import parse_size

    with pytest.raises(ConfigError, match=r"is ambiguous: write .* KiB\" \(x 1024\) or .* kB\" \(x 1000\)"):
        parse_size(text, "b.toml: fw.total.flash")


def test_footprint_all_refuses_one_report_as_the_baseline_of_every_image(grown, tmp_path: Path, capsys) -> None:
    rc, _, err = run(capsys, "footprint-all", "--output-dir", str(tmp_path / "o"), "--build-dir",
                     str(grown["new"].parent), "--components", str(grown["comps"]), "--baseline", str(grown["saved"]))
    assert rc == 2 and "is one report" in err and "directory of <image>.json reports" in err
