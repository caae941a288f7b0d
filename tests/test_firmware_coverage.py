"""Firmware coverage from the builtin emulator: bitmap -> DWARF lines -> lcov, merge, CLI, plugin.

All on virtual time. The tests/firmware images are built from this tree's sources (exact line
numbers are looked up in them); hello.elf is the smallest real firmware.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from firmware_sessions import hello_and_faults_session

from rig.cli import main as rig_main
from rig.coverage import lcov
from rig.coverage.collect import Collector
from rig.coverage.data import Coverage, FileCov, FunctionCov, from_bitmap
from rig.coverage.linemap import line_map
from rig.coverage.summary import load_config, render_markdown, render_text, summarize
from rig.emu.api import NodeSpec
from rig.emu.builtin.coverage import BASE
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import TEST_FIRMWARE_DIR, image_elf
from rig.errors import ConfigError, FirmwareError
from rig.topology import firmware_path

REPO = Path(__file__).resolve().parents[1]
FAULTS_C = TEST_FIRMWARE_DIR / "faults.c"


def line_of(source: Path, text: str) -> int:
    """1-based number of the only line of `source` containing `text`."""
    hits = [i for i, line in enumerate(source.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def hello() -> Path:
    return firmware_path("hello")


def run_node(elf: Path, until: str, data: bytes = b"", then: float = 0.0,
             python_hook: bool = False) -> tuple[BuiltinEmulation, BuiltinNode]:
    emu = BuiltinEmulation(python_hook=python_hook)
    node = emu.add_node(NodeSpec("n0", elf))
    node.enable_coverage()
    node.expect(until, timeout=5)
    if data:
        node.uart.write(data)
    if then:
        node.run_for(then)
    return emu, node


def coverage_of(node: BuiltinNode) -> Coverage:
    assert node.coverage is not None
    return from_bitmap(line_map(node.firmware.path), node.coverage.bitmap(), BASE, node.firmware.path.stem)


def file_cov(cov: Coverage, name: str) -> FileCov:
    matches = [fc for path, fc in cov.files.items() if Path(path).name == name]
    assert len(matches) == 1, (name, sorted(cov.files))
    return matches[0]


# --- mapping to source --------------------------------------------------------------------------------

def test_functions_and_lines_that_ran_are_hit_and_the_others_not() -> None:
    emu, node = run_node(image_elf("faults"), "faults ready", b"b", then=0.01)
    assert node.fault is not None and "BKPT" in node.fault.kind.upper()
    fc = file_cov(coverage_of(node), "faults.c")
    emu.close()
    assert fc.functions["main"].hits == 1
    assert fc.functions["bkpt_insn"].hits == 1
    for never in ("read_unmapped", "write_flash_directly", "undefined_insn", "stack_overflow", "call_rom"):
        assert fc.functions[never].hits == 0, never
    banner = line_of(FAULTS_C, 'puts_("faults ready\\n");')
    bkpt = line_of(FAULTS_C, "void bkpt_insn(void)")
    undefined = line_of(FAULTS_C, "void undefined_insn(void)")
    flash_code = line_of(FAULTS_C, 'puts_("flash code: ")')
    assert fc.lines[banner] == 1
    assert fc.lines[bkpt] == 1
    assert fc.lines[undefined] == 0  # instrumentable (it has code), never run
    assert fc.lines[flash_code] == 0
    assert fc.functions["bkpt_insn"].line == bkpt
    # comment lines have no code: not instrumentable
    assert line_of(FAULTS_C, "/* flash programming through the controller") not in fc.lines


def test_line_map_row_ranges_are_exact() -> None:
    elf = image_elf("faults")
    lm = line_map(elf)
    ranges = sorted(lm.ranges)
    assert ranges and all(start < end for start, end, _, _ in ranges)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))  # no overlap
    # every row address objdump decodes starts one of our ranges (or is a zero-length row / end)
    dump = subprocess.run(["arm-none-eabi-objdump", "--dwarf=decodedline", str(elf)],
                          capture_output=True, text=True, check=True).stdout
    starts = {start for start, _, _, _ in ranges}
    ends = {end for _, end, _, _ in ranges}
    rows = set()
    for text in dump.splitlines():
        parts = text.split()
        if len(parts) >= 3 and parts[0].endswith(".c") and parts[2].startswith("0x"):
            rows.add(int(parts[2], 16))
    assert rows and rows <= starts | ends
    # the symbol's first instruction is on its function's line
    address = next(f.address for f in lm.functions if f.name == "bkpt_insn")
    row = next(r for r in ranges if r[0] <= address < r[1])
    assert (Path(lm.files[row[2]]).name, row[3]) == ("faults.c", line_of(FAULTS_C, "void bkpt_insn(void)"))


def test_line_map_is_cached_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rig.coverage import linemap

    monkeypatch.setenv("LWM2M_RIG_CACHE", str(tmp_path))
    elf = tmp_path / "faults.elf"
    shutil.copy(image_elf("faults"), elf)
    linemap._memory.clear()
    first = line_map(elf)
    assert list((tmp_path / "coverage").glob(f"linemap-{first.sha256}.json"))
    linemap._memory.clear()
    assert line_map(elf) == first  # read back from the disk cache


def test_elf_without_line_tables_is_refused(tmp_path: Path) -> None:
    stripped = tmp_path / "stripped.elf"
    subprocess.run(["arm-none-eabi-objcopy", "--strip-debug", str(image_elf("faults")), str(stripped)], check=True)
    with pytest.raises(FirmwareError, match="no debug line tables"):
        line_map(stripped)


# --- recording ----------------------------------------------------------------------------------------

def test_coverage_survives_warm_reset_and_power_cycle() -> None:
    emu, node = run_node(hello(), "lwm2m-rig hello")
    assert node.coverage is not None
    before = int.from_bytes(node.coverage.bitmap(), "little")
    node.reset()
    node.power_cycle(0.1)
    node.expect("lwm2m-rig hello", timeout=5)
    after = int.from_bytes(node.coverage.bitmap(), "little")
    emu.close()
    assert before and after & before == before


def test_reprogrammed_flash_is_not_mapped_through_the_elf() -> None:
    # 'f': the firmware programs two instructions into flash at 0x270000 and runs them
    emu, node = run_node(image_elf("faults"), "faults ready", b"f")
    node.expect("no fault", timeout=5)
    assert node.coverage is not None
    live = node.cpu.counter._cov_view
    h = (0x270000 - BASE) >> 1
    assert live[h >> 3] >> (h & 7) & 1  # it ran...
    bits = node.coverage.bitmap()
    assert not bits[h >> 3] >> (h & 7) & 1  # ...but is not the ELF's code
    fc = file_cov(coverage_of(node), "faults.c")
    emu.close()
    assert fc.functions["run_flash_code"].hits == 1 or fc.lines[line_of(FAULTS_C, "flash_erase(CODE_PAGE);")] == 1


@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_coverage_does_not_change_timing(python_hook: bool) -> None:
    def trace(coverage: bool) -> list[tuple[float, str]]:
        with BuiltinEmulation(python_hook=python_hook) as emu:
            node = emu.add_node(NodeSpec("n0", hello()))
            if coverage:
                node.enable_coverage()
            node.expect("lwm2m-rig hello", timeout=5)
            node.uart.write(b"time\nstack\n")
            node.expect("stack used", timeout=5)
            node.run_for(2.5)
            return [(line.time, line.text) for line in node.uart.lines]

    plain = trace(False)
    assert any("time ticks" in text for _, text in plain)
    assert trace(True) == plain


# --- merge --------------------------------------------------------------------------------------------

def test_merge_of_two_runs_is_the_union() -> None:
    emu_a, a = run_node(hello(), "lwm2m-rig hello", then=1.5)  # no input: no command parsed
    emu_b, b = run_node(hello(), "lwm2m-rig hello", b"time\n")
    b.expect("time ticks", timeout=5)
    cov_a, cov_b = coverage_of(a), coverage_of(b)
    emu_a.close()
    emu_b.close()
    assert file_cov(cov_a, "hello.c").functions["hello_is"].hits == 0
    assert file_cov(cov_b, "hello.c").functions["hello_is"].hits == 1
    merged = Coverage(cov_a.name, cov_a.build)
    merged.merge(cov_a)
    merged.merge(cov_b)
    assert set(merged.files) == set(cov_a.files) | set(cov_b.files)
    for path, fc in merged.files.items():
        for line, hits in fc.lines.items():
            ran = cov_a.files[path].lines.get(line, 0) or cov_b.files[path].lines.get(line, 0)
            assert hits == (1 if ran else 0)
    lh_a, _, _, _ = cov_a.totals
    lh_b, _, _, _ = cov_b.totals
    assert merged.totals[0] >= max(lh_a, lh_b)
    assert file_cov(merged, "hello.c").functions["hello_is"].hits == 1


def test_collector_unites_nodes_of_one_build_and_refuses_to_mix_builds(tmp_path: Path) -> None:
    elf = tmp_path / "fw.elf"
    shutil.copy(hello(), elf)
    collector = Collector()
    collector.start()
    try:
        with BuiltinEmulation() as emu:
            for name in ("a", "b"):
                emu.add_node(NodeSpec(name, elf))
            emu.nodes["a"].expect("lwm2m-rig hello", timeout=5)
        shutil.copy(image_elf("faults"), elf)  # rebuilt at the same path
        with BuiltinEmulation() as emu:
            emu.add_node(NodeSpec("c", elf)).expect("faults ready", timeout=5)
    finally:
        collector.stop()
    images = sorted(collector.images.values(), key=lambda i: i.nodes)
    assert [i.nodes for i in images] == [1, 2]
    assert collector.warnings and "two different builds" in collector.warnings[0]
    covs = collector.coverages()
    assert len(covs) == 2 and covs[0][1].build != covs[1][1].build
    with pytest.raises(ConfigError, match="refusing to merge coverage of two different builds"):
        covs[0][1].merge(Coverage(covs[0][1].name, covs[1][1].build))


# --- lcov -----------------------------------------------------------------------------------------------

def test_lcov_tracefile_parses_back_and_round_trips() -> None:
    emu, node = run_node(hello(), "lwm2m-rig hello", b"time\n", then=0.5)
    cov = coverage_of(node)
    emu.close()
    text = lcov.dumps([cov])
    assert text.startswith(f"TN:hello_sha256_{cov.build[:16]}\nSF:/") if cov.build else False
    back = lcov.loads(text)
    assert len(back) == 1
    assert back[0].name == "hello" and back[0].build == cov.build[:16]  # type: ignore[index]
    assert back[0].files == cov.files
    assert lcov.dumps(back) == text
    record = text.split("end_of_record\n")[0].splitlines()
    keys = [line.split(":")[0] for line in record]
    assert keys[:2] == ["TN", "SF"] and {"FN", "FNDA", "FNF", "FNH", "DA", "LF", "LH"} <= set(keys)


def test_lcov_reader_reads_other_tools_records() -> None:
    text = ("TN:\nSF:/src/a.c\nFN:3,main\nFN:9,15,helper\nFNDA:7,main\nFNDA:0,helper\nFNF:2\nFNH:1\n"
            "BRDA:4,0,0,1\nDA:4,12\nDA:5,0,abcdef\nLF:2\nLH:1\nend_of_record\n")
    (cov,) = lcov.loads(text)
    fc = cov.files["/src/a.c"]
    assert fc.lines == {4: 12, 5: 0}
    assert fc.functions == {"main": FunctionCov(3, 7), "helper": FunctionCov(9, 0)}
    assert cov.build is None


@pytest.mark.parametrize("text, message", [
    ("SF:/a.c\nDA:x,1\nend_of_record\n", r"<t>:2: malformed line 'DA:x,1'"),
    ("SF:/a.c\nDA:1\nend_of_record\n", "DA needs LINE,HITS"),
    ("DA:1,1\n", "DA: outside a SF: record"),
    ("SF:/a.c\nDA:1,1\n", "ends inside a record"),
    ("SF:/a.c\nFNDA:1,f\nend_of_record\n", "FNDA for 'f' without its FN: line"),
    ("SF:/a.c\nWHAT:1\nend_of_record\n", "unknown record type 'WHAT'"),
    ("hello\n", "expected KEY:VALUE"),
    ("", "no coverage records"),
])
def test_lcov_reader_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        lcov.loads(text, "<t>")


# --- summary --------------------------------------------------------------------------------------------

def test_summary_per_component_and_never_run_functions() -> None:
    emu, node = run_node(hello(), "lwm2m-rig hello", then=1.5)
    cov = coverage_of(node)
    emu.close()
    summary = summarize(cov, load_config(None))
    assert {"application", "kernel"} <= set(summary.components)
    app = summary.components["application"]
    assert 0 < app.lines_hit < app.lines and app.functions_hit < app.functions
    assert "hello_is" in {name for _, name, _, _ in app.never_run}
    assert sum(t.lines for t in summary.components.values()) == summary.total.lines == cov.totals[1]
    assert "apps/hello/hello.c" in summary.files
    md = render_markdown([summary])
    assert "| application |" in md and "`hello_is` (hello.c:" in md
    assert "application" in render_text([summary])


# --- CLI --------------------------------------------------------------------------------------------------

def rig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, cwd=REPO)


def test_rig_boot_coverage_writes_a_tracefile_and_report_merges(tmp_path: Path) -> None:
    out = tmp_path / "boot.info"
    result = rig("boot", str(hello()), "--until", "lwm2m-rig hello", "--coverage", str(out))
    assert result.returncode == 0, result.stderr
    summary = [line for line in result.stderr.splitlines() if line.startswith("coverage:")]
    assert len(summary) == 1 and "% lines" in summary[0] and str(out) in summary[0]
    second = tmp_path / "time.info"
    result = rig("boot", str(hello()), "--input", "time\\n", "--until", "time ticks", "--coverage", str(second))
    assert result.returncode == 0, result.stderr
    result = rig("coverage", "report", str(out), str(second), "--format", "md", "--output", str(tmp_path / "m.info"))
    assert result.returncode == 0, result.stderr
    assert "### Firmware coverage: hello" in result.stdout and "| application |" in result.stdout
    (merged,) = lcov.read(tmp_path / "m.info")
    (first,) = lcov.read(out)
    assert merged.totals[0] > first.totals[0]  # the 'time' command's code joined the union


def test_rig_coverage_report_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.info"
    bad.write_text("SF:/a.c\nDA:1,one\nend_of_record\n")
    a = tmp_path / "a.info"
    a.write_text("TN:fw_sha256_00000000aaaaaaaa\nSF:/a.c\nDA:1,1\nend_of_record\n")
    b = tmp_path / "b.info"
    b.write_text("TN:fw_sha256_00000000bbbbbbbb\nSF:/a.c\nDA:1,0\nend_of_record\n")
    cases = [
        (["coverage", "report", str(tmp_path / "missing.info")], "no such file"),
        (["coverage", "report", str(bad)], f"{bad}:2: malformed line 'DA:1,one'"),
        (["coverage", "report", str(tmp_path)], "is a directory"),
        (["coverage", "report", str(a), str(b)], "refusing to merge coverage of two different builds of fw"),
        (["coverage", "report", str(a), "--components", str(tmp_path / "none.toml")], "components file not found"),
        (["coverage", "report", str(a), "--top", "-1"], "--top must be >= 0"),
    ]
    for argv, message in cases:
        assert rig_main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, (argv, err)


def test_rig_boot_coverage_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stripped = tmp_path / "stripped.elf"
    subprocess.run(["arm-none-eabi-objcopy", "--strip-debug", str(hello()), str(stripped)], check=True)
    cases = [
        (["boot", str(stripped), "--timeout", "0.1", "--coverage", str(tmp_path / "x.info")], "no debug line tables"),
        (["boot", str(hello()), "--emulator", "renode", "--coverage", str(tmp_path / "x.info")],
         "--coverage needs the builtin emulator"),
        (["boot", str(hello()), "--coverage", str(tmp_path)], "is a directory, not a tracefile"),
    ]
    for argv, message in cases:
        assert rig_main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, (argv, err)
    assert not (tmp_path / "x.info").exists()


# --- pytest plugin --------------------------------------------------------------------------------------

def test_pytest_option_writes_a_tracefile_per_image_and_a_summary(pytester: pytest.Pytester) -> None:
    hello_and_faults_session(pytester)
    out = pytester.path / "cov"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--firmware-coverage={out}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*firmware coverage*", f"hello: *% lines*(3 nodes) -> {out}/hello.info",
                                 f"faults: *% lines*(1 node) -> {out}/faults.info"])
    assert sorted(p.name for p in out.iterdir()) == ["faults.info", "hello.info", "summary.md"]
    (cov,) = lcov.read(out / "hello.info")
    assert file_cov(cov, "hello.c").functions["process_thread_hello_process"].hits == 1
    assert "### Firmware coverage: faults" in (out / "summary.md").read_text()


def test_pytest_option_warns_that_renode_records_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    out = pytester.path / "cov"
    result = pytester.runpytest("-p", "no:cacheprovider", "--emulator=renode", f"--firmware-coverage={out}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*coverage is recorded by the builtin emulator only*",
                                 "*no builtin node ran firmware*"])


def test_pytest_option_reports_the_other_images_when_one_has_no_line_tables(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    stripped = tmp_path / "stripped.elf"
    subprocess.run(["arm-none-eabi-objcopy", "--strip-debug", str(hello()), str(stripped)], check=True)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        f"""
        from rig.emu.api import NodeSpec
        from rig.emu.builtin.emulation import BuiltinEmulation

        def test_both():
            with BuiltinEmulation() as emu:
                emu.add_node(NodeSpec("s", {str(stripped)!r}))
                emu.add_node(NodeSpec("f", {str(image_elf("faults"))!r})).expect("faults ready", timeout=5)
        """
    )
    out = pytester.path / "cov"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--firmware-coverage={out}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"faults: *% lines*(1 node) -> {out}/faults.info",
                                 f"warning: {stripped}: not reported (*no debug line tables*"])
    assert sorted(p.name for p in out.iterdir()) == ["faults.info", "summary.md"]


@pytest.mark.parametrize("kind", ["coverage", "profile"])
def test_collectors_let_go_of_the_nodes_of_closed_emulations(kind: str) -> None:
    """A whole-suite session must not keep every node (its CPU, memories, translation cache) alive to
    the end: a node is folded into its build once its emulation is closed, and released."""
    import gc
    import weakref

    from rig.profile.collect import Collector as ProfileCollector

    collector = Collector() if kind == "coverage" else ProfileCollector()
    collector.start()
    try:
        with BuiltinEmulation() as emu:
            first = weakref.ref(emu.add_node(NodeSpec("a", hello())))
            emu.nodes["a"].expect("lwm2m-rig hello", timeout=5)
        del emu
        with BuiltinEmulation() as emu:
            emu.add_node(NodeSpec("b", hello()))  # a new node: the closed emulation's are folded
            gc.collect()
            assert first() is None
    finally:
        collector.stop()
    (image,) = collector.images.values()
    assert image.nodes == 2
    if kind == "coverage":
        assert collector.coverages()[0][1].totals[0] > 0


def test_reports_that_cannot_be_written_name_the_file(tmp_path: Path) -> None:
    from rig.profile.collect import write_profile
    from rig.profile.data import Profile

    taken = tmp_path / "taken.json"
    taken.mkdir()  # a directory where the file should go
    with pytest.raises(ConfigError, match=rf"^{taken}: cannot write the tracefile \(Is a directory\)$"):
        lcov.write(taken, [])
    with pytest.raises(ConfigError, match=rf"^{taken}: cannot write \(Is a directory\)$"):
        write_profile(taken, Profile("x", None, 0, 0, 0))
