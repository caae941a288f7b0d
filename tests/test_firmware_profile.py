"""Firmware profile from the builtin emulator: per-instruction execution counts -> cycles per
function / line / component, JSON, markdown, callgrind, diff, CLI and pytest option.

All on virtual time. Exact numbers come from hand counts of the disassembly
(arm-none-eabi-objdump -d) of the images the tests run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from firmware_sessions import hello_and_faults_session

from rig.cli import main as rig_main
from rig.coverage import lcov
from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import image_elf
from rig.errors import ConfigError
from rig.profile import callgrind, data
from rig.profile.collect import node_profile, write_profile
from rig.profile.data import FunctionProfile, Profile
from rig.profile.report import render_diff, render_markdown, render_text
from rig.topology import firmware_path

SATURATED = 0xFFFFFFFF


def hello() -> Path:
    return firmware_path("hello")


def function(prof: Profile, name: str) -> FunctionProfile:
    matches = [f for f in prof.functions if f.name == name]
    assert len(matches) == 1, (name, [f.name for f in prof.functions[:20]])
    return matches[0]


def check_identities(prof: Profile, node: BuiltinNode, cycles0: int = 0) -> None:
    assert sum(f.cycles for f in prof.functions) + prof.outside_elf == prof.executed
    assert prof.executed + prof.asleep == prof.cycles == node.cycles - cycles0
    assert sum(n for f in prof.functions for n in f.lines.values()) <= prof.executed
    assert sum(prof.components.values()) == prof.executed


# --- exact counts -----------------------------------------------------------------------------------------

def test_crc_loop_cycles_match_a_hand_count_of_the_disassembly() -> None:
    # crc16_ccitt(data, 1024, crc) in compute-bench.elf (-Os), by objdump:
    #   entry  mov, push, add, movw, mov                                   5
    #   1025x  cmp r3, r1 ; bne                                            2 (1024 times on to the byte)
    #   1024x  movs r4,#8 ; ldrb.w ; eor.w                                 3
    #          8x (sxth, lsls, cmp, uxth, it lt, eorlt, subs, bne)         64
    #          b.n back to the cmp                                         1
    #   exit   cmp ; bne (not taken) ; pop {.., pc}                         3
    # = 5 + 1024 * (2 + 3 + 64 + 1) + 3 = 71688 per call; BENCH_ROUNDS = 1000 calls.
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("b", firmware_path("compute-bench")))
        counts = node.enable_profile()
        node.expect("compute done", timeout=60)
        node.run_for(0.25)  # asleep in the idle loop afterwards
        prof = node_profile(node)
        crc = node.symbol("crc16_ccitt") & ~1
        per_insn = counts.counts()
        check_identities(prof, node)
    fn = function(prof, "crc16_ccitt")
    assert fn.calls == 1000
    assert fn.cycles == 1000 * 71688
    assert per_insn[crc] == 1000  # the first instruction: once per call
    assert per_insn[crc + 0x1C] == 1000 * 1024 * 8  # sxth: the bit loop's first instruction
    assert per_insn[crc + 0x0C] == 1000 * 1025  # the byte loop's cmp
    bench = function(prof, "bench_run") if any(f.name == "bench_run" for f in prof.functions) else None
    assert bench is None or bench.cycles < fn.cycles  # inlined into the process thread at -Os anyway
    assert prof.functions[0] is fn
    assert prof.asleep > 0.2 * 32_000_000
    # proportional: the bit loop's 8 instructions run 8x per byte -> its lines carry most cycles
    per_line = sorted(fn.lines.values(), reverse=True)
    assert per_line[0] >= 1000 * 1024 * 8 * 4


@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_counts_saturate_instead_of_wrapping(python_hook: bool) -> None:
    with BuiltinEmulation(python_hook=python_hook) as emu:
        node = emu.add_node(NodeSpec("n", hello()))
        prof = node.enable_profile()
        node.expect("lwm2m-rig hello", timeout=5)
        put = (node.symbol("fmt_put") & ~1) - 0x200000
        counter = node.cpu.counter
        counter.flush_counts()  # the Python hook defers its counts
        live = prof._live
        live[put >> 1] = SATURATED - 3
        node.uart.write(b"time\n")
        node.expect("time ticks", timeout=5)
        counter.flush_counts()
        assert live[put >> 1] == SATURATED


@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_reprogrammed_flash_counts_outside_the_elf(python_hook: bool) -> None:
    # 'f': the firmware writes "movs r0, #imm ; bx lr" at 0x270000 and calls it, twice: 4 instructions
    with BuiltinEmulation(python_hook=python_hook) as emu:
        node = emu.add_node(NodeSpec("n", image_elf("faults")))
        node.enable_profile()
        node.expect("faults ready", timeout=5)
        node.uart.write(b"f")
        node.expect("no fault", timeout=5)
        prof = node_profile(node)
        check_identities(prof, node)
    assert prof.outside_elf == 4
    assert function(prof, "run_flash_code").calls == 2


# --- timing identity ------------------------------------------------------------------------------------

@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_profiling_does_not_change_timing(python_hook: bool) -> None:
    def trace(profile: bool, hook: bool) -> tuple[list[tuple[float, str]], dict[int, int]]:
        with BuiltinEmulation(python_hook=hook) as emu:
            node = emu.add_node(NodeSpec("n0", hello()))
            prof = node.enable_profile() if profile else None
            node.expect("lwm2m-rig hello", timeout=5)
            node.uart.write(b"time\nstack\n")
            node.expect("stack used", timeout=5)
            node.run_for(2.5)
            return [(line.time, line.text) for line in node.uart.lines], (prof.counts() if prof else {})

    plain, _ = trace(False, python_hook)
    assert any("time ticks" in text for _, text in plain)
    profiled, counts = trace(True, python_hook)
    assert profiled == plain
    if python_hook:  # the Python hook counts exactly what the C hook counts
        assert counts == trace(True, False)[1]


def test_totals_add_up_to_node_cycles_across_resets() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", hello()))
        node.run_for(0.5)
        # under pytest --firmware-profile the session profiles every node from its creation
        from_start = node.profile is not None
        cycles0 = 0 if from_start else node.cycles
        node.enable_profile()  # late: counts from here on
        node.run_for(1.0)
        node.reset()
        node.run_for(0.5)
        node.power_cycle(0.1)
        node.run_for(1.0)
        prof = node_profile(node)
        check_identities(prof, node, cycles0)
    # the warm reset and the power cycle (and the boot, when profiled from the start)
    assert function(prof, "reset_handler").calls == 2 + from_start
    assert prof.asleep > prof.executed  # hello idles


# --- outputs --------------------------------------------------------------------------------------------

def run_hello(commands: bytes = b"") -> Profile:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n", hello()))
        node.enable_profile()
        node.expect("lwm2m-rig hello", timeout=5)
        if commands:
            node.uart.write(commands)
        node.run_for(1.0)
        return node_profile(node)


def test_json_round_trip_merge_and_tables(tmp_path: Path) -> None:
    prof = run_hello(b"time\n")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(prof.to_json()))
    back = data.read(path)
    assert back.to_json() == prof.to_json()
    assert run_hello(b"time\n").to_json() == prof.to_json()  # deterministic: same run, same profile
    back.merge(data.read(path))
    assert back.nodes == 2 and back.executed == 2 * prof.executed
    assert function(back, "fmt_put").calls == 2 * function(prof, "fmt_put").calls
    text = render_text(prof, top=3)
    lines = text.splitlines()
    assert lines[0].startswith("hello: ") and lines[5] == ""  # headline, header, 3 functions
    assert lines[6].split() == ["component", "cycles", "%", "active"] and "kernel" in text
    assert len(lines) == 7 + len(prof.components)
    md = render_markdown(prof)
    assert "### Firmware profile: hello" in md and "| `fmt_put` |" in md and "| kernel |" in md


def test_callgrind_file_parses_and_matches_the_profile(tmp_path: Path) -> None:
    prof = run_hello(b"time\n")
    text = callgrind.dumps(prof)
    assert text.startswith("# callgrind format\nversion: 1\n") and "\nevents: Ir\n" in text
    parsed = callgrind.parse(text)
    assert int(parsed.header["summary"]) == prof.executed - prof.outside_elf
    assert sum(parsed.costs.values()) == int(parsed.header["summary"])
    for f in prof.functions:
        assert parsed.costs[(f.file or callgrind.UNKNOWN_FILE, f.name)] == f.cycles
    with pytest.raises(ConfigError, match=r":3: malformed line 'oops'"):
        callgrind.parse("events: Ir\nfl=a.c\noops\n")
    annotate = shutil.which("callgrind_annotate")  # valgrind's own reader, where installed
    if annotate is not None:
        out = tmp_path / "callgrind.out.hello"
        write_profile(out, prof)  # a callgrind.out.* name: that format alone
        # (run outside the tree: callgrind_annotate shortens paths below its working directory)
        result = subprocess.run([annotate, str(out)], capture_output=True, text=True, check=True, cwd=tmp_path)
        assert f"{prof.executed - prof.outside_elf:,} (100.0%)  PROGRAM TOTALS" in result.stdout
        for f in prof.functions[:3]:  # (inlined lines show under their own file: costs not compared)
            assert f"{f.file}:{f.name}" in result.stdout


def test_diff_table_function_by_function() -> None:
    before = run_hello()
    after = run_hello(b"time\nstack\n")
    md = render_diff(before, after)
    assert md.startswith("### Firmware profile diff: hello\n")
    assert "| active cycles |" in md and "| asleep cycles |" in md
    assert "(new) |" in md  # the commands' code ran only after
    rows = [r for r in md.splitlines() if r.startswith("| `")]
    assert 0 < len(rows) <= 10
    changes = [abs(int(r.split("|")[4].split()[0])) for r in rows]
    assert changes == sorted(changes, reverse=True)
    assert "0 functions changed." in render_diff(before, before)
    text = render_diff(before, after, markdown=False)
    assert text.startswith("profile diff: hello\n") and "fmt_put" in text


# --- CLI ------------------------------------------------------------------------------------------------

def test_rig_boot_profile_writes_files_and_report_diffs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "boot"
    assert rig_main(["boot", str(hello()), "--timeout", "1", "--profile", str(out),
                     "--coverage", str(tmp_path / "boot.info")]) == 0
    err = capsys.readouterr().err
    assert "hello: " in err and "asleep" in err and "reset_handler" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boot.info", "boot.json", "boot.md", "callgrind.out.boot"]
    (cov,) = lcov.read(tmp_path / "boot.info")
    fmt = next(fc for path, fc in cov.files.items() if path.endswith("/fmt.c"))
    assert fmt.functions["fmt_put"].hits > 1  # real counts, not 0/1, when profiled
    second = tmp_path / "time.json"
    assert rig_main(["boot", str(hello()), "--timeout", "1", "--input", "time\\n", "--profile", str(second)]) == 0
    capsys.readouterr()
    assert rig_main(["profile", "report", str(tmp_path / "boot.json"), str(second), "--format", "md"]) == 0
    assert "### Firmware profile diff: hello" in capsys.readouterr().out
    assert rig_main(["profile", "report", str(second), "--top", "3"]) == 0
    top3 = capsys.readouterr().out
    assert top3.startswith("hello: ") and top3.splitlines()[5] == ""
    assert "\n  component " in top3 and "\n  kernel " in top3  # cycles per component, as --help says


def test_rig_profile_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notjson = tmp_path / "x.json"
    notjson.write_text("{nope")
    other = tmp_path / "o.json"
    other.write_text('{"format": "something-else"}')
    broken = tmp_path / "b.json"
    broken.write_text(json.dumps({"format": data.FORMAT, "version": 1, "image": "x", "build": None,
                                  "nodes": 1, "cycles": 10, "executed": 5, "outside_elf": 0,
                                  "components": {}, "functions": [{"name": "f"}]}))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    stripped = tmp_path / "stripped.elf"
    subprocess.run(["arm-none-eabi-objcopy", "--strip-debug", str(hello()), str(stripped)], check=True)
    cases = [
        (["profile", "report", str(tmp_path / "missing.json")], "no such file"),
        (["profile", "report", str(notjson)], "not JSON"),
        (["profile", "report", str(deep)], "not JSON"),
        (["profile", "report", str(other)], "not a firmware profile"),
        (["profile", "report", str(broken)], "malformed profile (missing 'file')"),
        (["profile", "report", str(tmp_path)], "is a directory"),
        (["profile", "report", str(other), str(other), str(other)], "give one profile, or two"),
        (["profile", "report", str(other), "--top", "-1"], "--top must be >= 0"),
        (["boot", str(stripped), "--timeout", "0.1", "--profile", str(tmp_path / "p")], "no debug line tables"),
        (["boot", str(hello()), "--emulator", "renode", "--profile", str(tmp_path / "p")],
         "--profile needs the builtin emulator"),
        (["boot", str(hello()), "--profile", str(tmp_path)], "is a directory"),
    ]
    for argv, message in cases:
        assert rig_main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, (argv, err)
    assert not (tmp_path / "p.json").exists()


# --- pytest plugin --------------------------------------------------------------------------------------

def test_pytest_option_writes_a_profile_per_image_with_coverage_too(pytester: pytest.Pytester) -> None:
    hello_and_faults_session(pytester)
    out = pytester.path / "prof"
    cov = pytester.path / "cov"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--firmware-profile={out}", f"--firmware-coverage={cov}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*firmware profile*",
                                 f"hello: * cycles *summed over 3 nodes*asleep* -> {out}/hello.json",
                                 f"faults: * cycles *1 node)*-> {out}/faults.json"])
    assert sorted(p.name for p in out.iterdir()) == [
        "callgrind.out.faults", "callgrind.out.hello", "faults.json", "faults.md", "hello.json", "hello.md",
        "summary.md"]
    prof = data.read(out / "hello.json")
    assert prof.nodes == 3 and function(prof, "reset_handler").calls == 3
    (lc,) = lcov.read(cov / "hello.info")
    fmt = next(fc for path, fc in lc.files.items() if path.endswith("/fmt.c"))
    assert fmt.functions["fmt_put"].hits > 3  # counts summed over the nodes
    assert "### Firmware profile: faults" in (out / "summary.md").read_text()


# --- a debugger's stops inside a block ------------------------------------------------------------------

@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_gdb_breakpoints_and_steps_leave_the_counts_exact(python_hook: bool) -> None:
    import threading

    from rig.emu.builtin.gdbclient import RspClient

    def scenario(debug: bool) -> tuple[dict[int, int], int]:
        with BuiltinEmulation(python_hook=python_hook) as emu:
            node = emu.add_node(NodeSpec("n0", hello()))
            prof = node.enable_profile()
            thread = None
            if debug:
                # a breakpoint inside a block: the hook counted the block whole, the stop gives back
                # the instructions after it (count and profile counts alike)
                put = (node.symbol("uart_write_byte") & ~1) + 4
                port = node.start_gdb_server(0, wait=True, timeout=60)

                def script() -> None:
                    c = RspClient(port, timeout=60)
                    try:
                        c.request(f"Z0,{put:x},2")
                        for _ in range(20):
                            assert c.request("c").startswith("T05")
                            for _ in range(3):
                                assert c.request("s").startswith("T05")
                        c.request(f"z0,{put:x},2")
                        assert c.request("D") == "OK"
                    finally:
                        c.close()

                thread = threading.Thread(target=script, daemon=True)
                thread.start()
            emu.run_for(0.3)
            node.uart.write(b"time\n")
            emu.run_for(1.0)
            if thread is not None:
                thread.join(60)
                assert not thread.is_alive()
            return prof.counts(), node.state.count

    plain = scenario(False)
    debugged = scenario(True)
    assert debugged[1] == plain[1] == sum(plain[0].values())
    assert debugged[0] == plain[0]


def test_a_blob_without_symbols_is_named_by_its_section() -> None:
    # the factory image links the bootloader in as a raw section: its cycles show as "[.bootloader]"
    from rig.fota.testing import fota_images

    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", fota_images() / "fota-demo-factory.elf"))
        node.enable_profile()
        node.run_for(1.0)
        prof = node_profile(node)
        check_identities(prof, node)
    boot = function(prof, "[.bootloader]")
    assert boot.cycles > 0 and boot.file == ""
    assert all(f.name != data.UNKNOWN for f in prof.functions)


def test_percentages_of_an_idle_node_are_not_rounded_away() -> None:
    from rig.profile.report import percent_of

    assert percent_of(6_843_709, 27_079_518_876) == "0.025 %"
    assert percent_of(27_072_675_167, 27_079_518_876) == "99.975 %"
    # a share that rounds to 100 % in floating point, or a part larger than the whole: no endless search
    assert percent_of(2**62 - 1, 2**62) == "100.0 %" and percent_of(3, 2) == "150.0 %"
    assert percent_of(1, 10**12) == "0.00000000010 %"
    assert [percent_of(*pair) for pair in ((0, 7), (7, 7), (1, 2), (0, 0))] == ["0.0 %", "100.0 %", "50.0 %", "n/a"]


def test_text_report_has_cycles_per_component() -> None:
    """`rig profile report X.json` (text) shows the component block --help and the README promise,
    with the same numbers as --format md."""
    from rig.profile.data import FunctionProfile, Profile

    prof = Profile("fw", None, cycles=1000, executed=400, outside_elf=0,
                   functions=[FunctionProfile("main", "/src/main.c", 3, 300, 1),
                              FunctionProfile("coap_parse", "/src/coap.c", 9, 100, 4)],
                   components={"application": 300, "CoAP": 100})
    lines = render_text(prof).splitlines()
    at = lines.index("  component    cycles  % active")
    assert lines[at - 1] == "" and lines[at + 1:] == ["  application     300    75.0 %",
                                                     "  CoAP            100    25.0 %"]
    assert "| application | 300 | 75.0 % |" in render_markdown(prof)
    prof.components = {}  # a profile without components.toml: no empty block
    assert "component" not in render_text(prof)
