"""The Renode scripts in renode/: the Robot suite parses and uses Renode's keywords correctly; the
.resc scripts define what they use and load each node the way the backend does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rig.emu.renode import commands as cmd

ROOT = Path(__file__).resolve().parent.parent
RENODE_DIR = ROOT / "renode"

# Renode's keywords with the signatures of renode/src/Renode/RobotFrameworkEngine (1.15/1.16).
KEYWORD_STUBS = """\
*** Keywords ***
Setup
    No Operation
Teardown
    No Operation
Test Teardown
    No Operation
Reset Emulation
    No Operation
Start Emulation
    No Operation
Execute Command
    [Arguments]    ${command}    ${machine}=${None}
    No Operation
Create Terminal Tester
    [Arguments]    ${uart}    ${prompt}=${None}    ${timeout}=${None}    ${machine}=${None}
    ...            ${endLineOption}=${None}    ${defaultPauseEmulation}=${False}    ${binaryMode}=${False}
    RETURN    0
Wait For Line On Uart
    [Arguments]    ${content}    ${timeout}=${None}    ${testerId}=${None}    ${treatAsRegex}=${False}
    ...            ${includeUnfinishedLine}=${False}    ${pauseEmulation}=${None}
    No Operation
Wait For Prompt On Uart
    [Arguments]    ${prompt}    ${testerId}=${None}    ${timeout}=${None}    ${treatAsRegex}=${False}
    ...            ${pauseEmulation}=${None}
    No Operation
"""


def test_robot_suite_dry_runs_against_renode_keywords(tmp_path: Path) -> None:
    pytest.importorskip("robot")
    stubs = tmp_path / "renode-keywords.resource"
    stubs.write_text(KEYWORD_STUBS)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "robot",
            "--dryrun",
            "--output",
            "NONE",
            "--log",
            "NONE",
            "--report",
            "NONE",
            "--variable",
            f"RENODEKEYWORDS:{stubs}",
            str(RENODE_DIR / "tests" / "boot-and-register.robot"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 tests, 3 passed, 0 failed" in out.stdout


def _resc(name: str) -> list[str]:
    lines = []
    for raw in (RENODE_DIR / name).read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ":")):
            lines.append(line)
    return lines


@pytest.mark.parametrize("name", ["cc2538-node.resc", "lwm2m-rig.resc"])
def test_resc_scripts_define_what_they_use(name: str) -> None:
    lines = _resc(name)
    assert lines.count('"""') % 2 == 0, "unbalanced macro block"
    defined = {m.group(1) for line in lines if (m := re.match(r"\$(\w+)\s*\?=", line))}
    used = {v for line in lines for v in re.findall(r"\$(\w+)", line)} - {"reset", "ORIGIN"}
    assert used <= defined, f"variables used but not defaulted: {used - defined}"
    # Every UART terminal is raw bytes (telnet negotiation would corrupt SLIP).
    terminals = [line for line in lines if "CreateServerSocketTerminal" in line]
    assert terminals and all(line.endswith(" false") for line in terminals)
    assert all(
        line.startswith(
            (
                "$",
                "emulation",
                "wireless",
                "mach",
                "machine",
                "connector",
                "sysbus",
                "cpu",
                "macro",
                "runMacro",
                '"""',
            )
        )
        for line in lines
    )


def test_rig_topology_loads_each_node_like_the_backend() -> None:
    lines = _resc("lwm2m-rig.resc")
    creates = [i for i, line in enumerate(lines) if line.startswith("mach create")]
    assert [lines[i] for i in creates] == ['mach create "client"', 'mach create "border"']
    for i, elf_var, index in ((creates[0], "$client_elf", 1), (creates[1], "$border_elf", 2)):
        node = lines[i : i + 20]
        assert node[1] == f"machine LoadPlatformDescription {cmd.PLATFORM_REPL}"
        assert node[2].startswith(f"machine PyDevFromFile {cmd.ROLLING_BIT_PYDEV} 0x400D2004 0x4 True")
        body = node[node.index('"""') + 1 : node.index('"""', node.index('"""') + 1)]
        eui = bytes([0x00, 0x12, 0x4B, 0x00, 0x00, 0x00, 0x00, index])
        assert body == [
            *(f"sysbus WriteDoubleWord {cmd.hex32(a)} {cmd.hex32(w)}" for a, w in cmd.eui64_words(eui)),
            f"sysbus LoadELF {elf_var}",
            "cpu VectorTableOffset `sysbus ReadDoubleWord 0x0027FFDC`",  # CCA app entry, as the boot ROM
        ]
    # Each node's reset macro names its own image variable (macros expand variables when run).
    assert "$bin" not in " ".join(lines)
