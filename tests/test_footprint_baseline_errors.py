"""A git baseline that cannot be built says which file it could not build and for which ELF, not
make's last line ("Waiting for unfinished jobs", "[Makefile:9: ...] Error 1")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rig.cli import main
from rig.footprint._testelf import RIG_ROOT, firmware_repo, git

# firmware-c/ in the style of the real Makefile: objects under <BUILD>/cc2538/obj/<image>/ from
# SRCS by a pattern rule, the command-line variables recorded at link time; a source holding
# "BROKEN" fails to compile with a compiler-style error
GEN = """\
import pathlib, shutil, sys
sys.path.insert(0, {rig!r})
from rig.footprint._testelf import build_elf
build = pathlib.Path(sys.argv[1])
elf, mapfile = build_elf(build / "scratch", name="fw", a_size=1000)
shutil.copy(elf, build / "cc2538" / "fw.elf")
shutil.copy(mapfile, build / "cc2538" / "fw.map")
"""
CC = """\
import pathlib, sys
src, obj = sys.argv[1], pathlib.Path(sys.argv[2])
if "BROKEN" in pathlib.Path(src).read_text():
    sys.exit(print(f"{src}:3:5: error: unknown type name 'BROKEN'", file=sys.stderr) or 1)
obj.write_text("")
"""
MAKEFILE = """\
BUILD ?= build
SRCS ?= main.c
command_line_vars = $(filter-out BUILD,$(foreach v,$(sort $(.VARIABLES)),\\
  $(if $(filter command line,$(origin $(v))),$(v))))
VARS = $(BUILD)/cc2538/obj/fw/makevars
$(BUILD)/cc2538/fw.elf: $(patsubst %.c,$(BUILD)/cc2538/obj/fw/%.o,$(SRCS))
\tpython3 gen.py $(BUILD)
\t$(file >$(VARS))$(foreach v,$(command_line_vars),$(file >>$(VARS),$(v)=$(value $(v))))
$(BUILD)/cc2538/obj/fw/%.o: %.c
\t@mkdir -p $(@D)
\tpython3 cc.py $< $@
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return firmware_repo(tmp_path, {"gen.py": GEN.format(rig=str(RIG_ROOT)), "cc.py": CC, "Makefile": MAKEFILE,
                                    "main.c": "int main;\n"})


def footprint_error(repo: Path, capsys: pytest.CaptureFixture[str], *make_args: str) -> str:
    subprocess.run(["make", "-s", "-C", str(repo / "firmware-c"), *make_args, "build/cc2538/fw.elf"],
                   check=True, capture_output=True)
    elf = repo / "firmware-c" / "build" / "cc2538" / "fw.elf"
    rc = main(["footprint", str(elf), "--components", str(repo.parent / "c.toml"), "--baseline", "HEAD"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"cannot build fw.elf as {elf} was built, at HEAD" in err
    return err


def test_a_source_the_revision_lacks_is_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "firmware-c" / "mine.c").write_text("int mine;\n")  # the user's own file, not committed
    err = footprint_error(repo, capsys, "SRCS=main.c mine.c")
    assert "mine.c does not exist there" in err and "not committed yet?" in err


def test_a_source_that_does_not_compile_there_is_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "firmware-c" / "main.c").write_text("BROKEN x;\n")
    git(repo, "commit", "-q", "-am", "broken")
    (repo / "firmware-c" / "main.c").write_text("int main;\n")  # fixed in the tree only
    err = footprint_error(repo, capsys)
    assert "main.c does not compile there: main.c:3:5: error: unknown type name 'BROKEN'" in err
