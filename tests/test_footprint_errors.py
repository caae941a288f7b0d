"""Bad input: a clear one-line error naming what was wrong, exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from rig.cli import main
from rig.footprint._testelf import COMPONENTS_TOML, build_elf

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fw")
    elf, mapfile = build_elf(root)
    _, other_map = build_elf(tmp_path_factory.mktemp("other"), a_size=1300)
    _, moved_map = build_elf(tmp_path_factory.mktemp("moved"), reverse_link_order=True)
    comps = root / "components.toml"
    comps.write_text(COMPONENTS_TOML)
    stripped = root / "stripped.elf"
    subprocess.run(["arm-none-eabi-strip", "-o", str(stripped), str(elf)], check=True)
    host = root / "host.elf"
    subprocess.run(["gcc", "-x", "c", "-", "-o", str(host)], input="int main(void){return 0;}", text=True, check=True)
    text = root / "notes.txt"
    text.write_text("not firmware\n")
    truncated = root / "truncated.elf"
    truncated.write_bytes(elf.read_bytes()[:200])
    return {
        "elf": elf,
        "map": mapfile,
        "other_map": other_map,
        "moved_map": moved_map,
        "comps": comps,
        "stripped": stripped,
        "host": host,
        "text": text,
        "truncated": truncated,
        "root": root,
    }


@dataclass
class Result:
    returncode: int
    stderr: str


@pytest.fixture
def rig(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """The rig CLI in-process: an unexpected exception would fail the test with its traceback."""

    def run(*argv: str) -> Result:
        rc = main(list(argv))
        return Result(rc, capsys.readouterr().err)

    return run


def test_the_real_command_prints_no_traceback(fw) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rig", "footprint", str(fw["stripped"]), "--components", str(fw["comps"])],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert_one_line_error(proc, "stripped ELF")


def assert_one_line_error(proc: Result | subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rig footprint: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_stripped_elf(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["stripped"]), "--components", str(fw["comps"])),
        "stripped ELF",
        "stripped.elf",
    )


def test_non_arm_elf(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["host"]), "--components", str(fw["comps"])), "not an ARM ELF", "EM_X86_64"
    )


def test_not_an_elf(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["text"]), "--components", str(fw["comps"])), "notes.txt: not an ELF file"
    )


def test_truncated_elf(fw, rig) -> None:
    assert_one_line_error(rig("footprint", str(fw["truncated"]), "--components", str(fw["comps"])), "truncated.elf")


def test_missing_elf(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["root"] / "nope.elf"), "--components", str(fw["comps"])),
        "nope.elf: no such file",
    )


def test_missing_map(fw, rig) -> None:
    assert_one_line_error(
        rig(
            "footprint",
            str(fw["elf"]),
            "--components",
            str(fw["comps"]),
            "--map",
            str(fw["root"] / "nope.map"),
        ),
        "nope.map: map file not found",
    )


def test_mismatched_map(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--map", str(fw["other_map"])),
        "does not match",
        ".text",
    )


def test_map_of_another_link_with_the_same_section_sizes(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--map", str(fw["moved_map"])),
        "does not match",
        "symbol",
    )


def test_map_that_is_not_a_map(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--map", str(fw["text"])),
        "not a GNU ld map file",
    )


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("bad.toml", "[[component]\nname = 'x'", "malformed components file"),
        ("empty.toml", "version = 1\n", "no [[component]] entries"),
        ("nopaths.toml", "[[component]]\nname = 'x'\n", "component 'x' has no paths"),
        ("badpaths.toml", "[[component]]\nname = 'x'\npaths = [1]\n", "must be a list of strings"),
        ("reserved.json", json.dumps({"component": [{"name": "other", "paths": []}]}), "'other' is reserved"),
        (
            "group.toml",
            "[[component]]\nname='x'\npaths=[]\n[[group]]\nname='g'\ncomponents=['y']\n",
            "unknown component 'y'",
        ),
        ("version.toml", "version = 7\n[[component]]\nname='x'\npaths=[]\n", "version 7"),
    ],
)
def test_malformed_components_file(fw, rig, tmp_path: Path, name: str, body: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(body)
    assert_one_line_error(rig("footprint", str(fw["elf"]), "--components", str(path)), name, needle)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[fw\nA = 1", "malformed budget file"),
        ("[fw]\nA = { flash = 'lots' }\n", "not a size: 'lots'"),
        ("[fw]\nA = { rom = 10 }\n", "must be a table with flash and/or ram"),
        # the unknown key named (was only "must be a table with flash and/or ram"), with the likely one
        ("[fw]\nkernel = { flash = 3000, rom = 5 }\n", "fw.kernel must be a table with flash and/or ram (and an "
         "optional goal); unknown key 'rom'"),
        ("[fw]\nA = { flsh = 10, rm = 1 }\n",
         "unknown keys 'flsh' (did you mean 'flash'?), 'rm' (did you mean 'ram'?)"),
        ("[fw]\nA = { goal = { flash = 1, ramm = 2 } }\n", "A.goal must be a table with flash and/or ram; "
         "unknown key 'ramm' (did you mean 'ram'?)"),
        ("[fw]\nmax_growth = 'fast'\n", "not a percentage"),
        ("[fw]\nNoSuchComponent = { flash = 10 }\n", "unknown component 'NoSuchComponent'"),
        # the known names listed, the closest suggested (was only "unknown component 'a'")
        ("[fw]\na = { flash = 10 }\n", "unknown component 'a'; did you mean 'A'? (known: 'A', 'A+B', 'B', "),
        ("[fw]\n\"A+C\" = { flash = 10 }\n", "'A+C'; did you mean 'A+B'?"),
        ("fw = 3\n", "[fw] must be a table"),
        ("[fw]\nA = { flash = 10, goal = 5 }\n", "A.goal must be a table"),
        ("[fw]\nA = { goal = { flash = '1 parsec' } }\n", "A.goal.flash: not a size"),
        ("version = 2\n[fw]\nA = { flash = 10 }\n", "unsupported budget file version 2"),
        ("[fw]\nA = { flash = -1 }\n", "A.flash: not a size: -1"),
        ("[fw]\nA = { flash = true }\n", "A.flash: not a size: True"),
        ("[fw]\nmax_growth = -5\n", "not a percentage: -5"),
        ("[fw]\nmax_growth = '5%x'\n", "not a percentage: '5%x'"),
        ("[fw]\nA = { flash = 10, goal = { flsh = 5 } }\n", "A.goal must be a table with flash and/or ram"),
    ],
)
def test_malformed_budget_file(fw, rig, tmp_path: Path, body: str, needle: str) -> None:
    path = tmp_path / "budget.toml"
    path.write_text(body)
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--budget", str(path)), needle
    )


def test_bad_baseline_report(fw, rig, tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps({"schema": "something-else"}))
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--baseline", str(path)),
        "not a footprint report",
    )
    path.write_text("{not json")
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--baseline", str(path)),
        "not a JSON footprint report",
    )


def test_max_growth_without_baseline(fw, rig) -> None:
    assert_one_line_error(
        rig("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--max-growth", "5%"),
        "--max-growth needs --baseline",
    )


def test_no_map_and_no_dwarf(fw, rig, tmp_path: Path) -> None:
    nodebug = tmp_path / "nodebug.elf"
    subprocess.run(["arm-none-eabi-strip", "--strip-debug", "-o", str(nodebug), str(fw["elf"])], check=True)
    assert_one_line_error(rig("footprint", str(nodebug), "--components", str(fw["comps"])), "no map file and no DWARF")


def test_footprint_all_without_images(rig, tmp_path: Path) -> None:
    proc = rig("footprint-all", "--output-dir", str(tmp_path / "out"), "--build-dir", str(tmp_path))
    assert proc.returncode == 2 and "no firmware images" in proc.stderr and "Traceback" not in proc.stderr


def test_footprint_all_output_dir_that_is_a_file(rig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("")
    proc = rig("footprint-all", "--output-dir", str(out), "--build-dir", str(tmp_path))
    assert proc.returncode == 2 and f"--output-dir {out} is a file, not a directory" in proc.stderr


def test_a_budget_without_a_section_for_the_image_is_refused(fw, rig, tmp_path: Path) -> None:
    """A typo in the section name ([fww]) silently turned the gate off: only a note, exit 0."""
    path = tmp_path / "budget.toml"
    path.write_text('version = 1\n[fww]\ntotal = { flash = "1 KiB" }\n[hello]\ntotal = { flash = 1 }\n')
    argv = ("footprint", str(fw["elf"]), "--components", str(fw["comps"]), "--budget", str(path))
    assert_one_line_error(
        rig(*argv), f"{path} has no budget section [fw] (sections: [fww], [hello]; closest: [fww])", "--budget-optional"
    )
    assert_one_line_error(rig(*argv, "--image", "hellp"), "no budget section [hellp]", "closest: [hello]")
    measured = rig(*argv, "--budget-optional")  # an image meant to have no budget: said so, not gated
    assert measured.returncode == 0 and "note: " in measured.stderr and "measured, not gated" in measured.stderr
    gated = rig(*argv, "--image", "hello")  # --image names the section
    assert gated.returncode == 1 and "FAIL: hello: total flash" in gated.stderr


def test_footprint_all_refuses_a_section_that_is_a_typo_of_an_image(fw, rig, tmp_path: Path) -> None:
    """`make footprint` reports every image, budget section or not; but [fww] next to an unbudgeted
    fw is a typo that turned fw's gate off."""
    build = fw["root"] / "build" / "cc2538"
    path = tmp_path / "budget.toml"
    argv = ("footprint-all", "--output-dir", str(tmp_path / "out"), "--build-dir", str(build),
            "--components", str(fw["comps"]), "--budget", str(path), "--check")
    path.write_text('[fww]\ntotal = { flash = "1 KiB" }\n')
    typo = rig(*argv)
    assert typo.returncode == 2 and typo.stderr.count("\n") == 1 and "Traceback" not in typo.stderr
    assert "rig footprint-all: error: " in typo.stderr and "section [fww] names no image" in typo.stderr
    assert "did you mean [fw]?" in typo.stderr
    path.write_text('[hello]\ntotal = { flash = "1 KiB" }\n')  # an image not built here: a note
    proc = rig(*argv)
    assert proc.returncode == 0 and "note: " in proc.stderr and "section [hello] names no image" in proc.stderr
    assert "| no budget |" in (tmp_path / "out" / "index.md").read_text()
    path.write_text('[fw]\ntotal = { flash = 1 }\n')
    assert rig(*argv).returncode == 1
