"""Measured stack: painted-region high-water mark through the emulation API, and the pytest plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rig.cli import main
from rig.errors import EmulationError
from rig.footprint._testelf import COMPONENTS_TOML, build_elf
from rig.footprint.stack import PAINT_WORD, stack_high_water, stack_reserved

REPO = Path(__file__).resolve().parents[1]
FAKE_EMULATION = '''
from __future__ import annotations
from pathlib import Path
from rig.emu.api import Emulation, Node, NodeSpec
from rig.errors import EmulationError

PAINT = (0xA5A5A5A5).to_bytes(4, "little")
START, SIZE = 0x20000000, 1024


class FakeNode(Node):
    """RAM only: the stack region painted at 'boot', symbols for its bounds."""

    def __init__(self, emu, name):
        self.name, self._emu, self.eui64, self.uart = name, emu, bytes(8), None
        self.boot()

    def boot(self):
        self.ram = bytearray(PAINT * (SIZE // 4))

    def use_stack(self, depth):  # the stack grows down from the top
        self.ram[SIZE - depth:] = bytes(depth)

    @property
    def emulation(self): return self._emu
    @property
    def fault(self): return None
    def expect(self, pattern, timeout=10.0): raise NotImplementedError
    def led(self, index): return False
    def gpio(self, port, pin): return False
    def read_memory(self, address, size): return bytes(self.ram[address - START:address - START + size])
    def write_memory(self, address, data): self.ram[address - START:address - START + len(data)] = data
    def symbol(self, name):
        table = {"_stack_start": START, "_stack_end": START + SIZE}
        if name not in table:
            raise EmulationError(f"no symbol {name}")
        return table[name]
    def reset(self): self.boot()
    def power_cycle(self, off_for=0.0): self.boot()


class FakeEmulation(Emulation):
    backend = "fake"

    def __init__(self): self._nodes = {}
    @property
    def now(self): return 0.0
    @property
    def nodes(self): return self._nodes
    @property
    def medium(self): return None
    def add_node(self, spec: NodeSpec):
        node = FakeNode(self, spec.name)
        self._nodes[spec.name] = node
        return node
    def run_until(self, predicate, timeout): return predicate()
    def close(self): self._nodes.clear()
'''

SUITE = """
from pathlib import Path
from fake_emu import FakeEmulation
from rig.emu.api import NodeSpec

def test_shallow():
    with FakeEmulation() as emu:
        emu.add_node(NodeSpec("n", Path("build/app-a.elf"))).use_stack(100)

def test_deep_before_reset():
    emu = FakeEmulation()
    node = emu.add_node(NodeSpec("n", Path("build/app-a.elf")))
    node.use_stack(300)
    node.reset()            # RAM is lost here: the plugin must have sampled before
    node.use_stack(40)
    emu.close()

def test_other_firmware_left_running():
    emu = FakeEmulation()
    emu.add_node(NodeSpec("m", Path("build/app-b.elf"))).use_stack(64)
"""


def test_high_water_through_the_node_api(tmp_path: Path) -> None:
    sys.path.insert(0, str(tmp_path))
    (tmp_path / "fake_emu_direct.py").write_text(FAKE_EMULATION)
    try:
        import fake_emu_direct as fake  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
    from rig.emu.api import NodeSpec

    node = fake.FakeEmulation().add_node(NodeSpec("n", Path("x.elf")))
    assert stack_reserved(node) == 1024
    assert stack_high_water(node) == 0
    node.use_stack(200)
    assert stack_high_water(node) == 200
    # a pushed value that happens to equal the paint word, above the deepest use, changes nothing
    node.use_stack(400)
    node.write_memory(0x20000000 + 1024 - 300, PAINT_WORD.to_bytes(4, "little"))
    assert stack_high_water(node) == 400
    node.use_stack(1024)
    assert stack_high_water(node) == 1024


def test_no_stack_symbols_is_a_clear_error() -> None:
    class Bare:
        name = "bare"

        def symbol(self, name: str) -> int:
            raise EmulationError(f"no symbol {name}")

    with pytest.raises(EmulationError, match="firmware defines no stack bounds"):
        stack_high_water(Bare())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stack_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suite")
    (root / "fake_emu.py").write_text(FAKE_EMULATION)
    (root / "test_suite.py").write_text(SUITE)
    out = root / "out" / "stack.json"
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{root}"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:rig",  # the project's plugin registers this one too; load it alone here
            "-p",
            "rig.footprint.pytest_stack",
            "--stack-report",
            str(out),
            "test_suite.py",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_plugin_records_the_max_per_firmware_across_the_suite(stack_json: Path) -> None:
    doc = json.loads(stack_json.read_text())
    assert doc["schema"] == "lwm2m-rig-stack" and doc["version"] == 1
    a, b = doc["firmware"]["app-a"], doc["firmware"]["app-b"]
    assert a["max_used"] == 300 and a["reserved"] == 1024
    assert a["test"] == "test_suite.py::test_deep_before_reset"
    assert b["max_used"] == 64  # sampled at session end: its emulation was never closed


def test_plugin_option_is_declared() -> None:
    from rig.footprint import pytest_stack

    assert callable(pytest_stack.pytest_addoption) and callable(pytest_stack.pytest_configure)


def test_report_shows_stack_used_against_reserved(tmp_path: Path, capsys) -> None:
    elf, _ = build_elf(tmp_path, name="app-a")
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps(
            {
                "schema": "lwm2m-rig-stack",
                "version": 1,
                "firmware": {"app-a": {"max_used": 300, "reserved": 512, "test": "t::x", "samples": 3}},
            }
        )
    )
    assert main(["footprint", str(elf), "--components", str(comps), "--stack", str(stack), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "Stack used (max, measured over the test suite): 300 B of 512 B reserved (59%), deepest in t::x" in out
    assert main(["footprint", str(elf), "--components", str(comps), "--stack", str(stack), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"]["max_used"] == 300
    stack.write_text("{}")
    assert main(["footprint", str(elf), "--components", str(comps), "--stack", str(stack)]) == 2
    assert "not a stack report" in capsys.readouterr().err


FIRMWARE = REPO / "firmware-c"


def test_high_water_of_real_firmware_on_the_builtin_emulator() -> None:
    """hello.elf's startup paints the stack; after booting, some but not all of it has been used."""
    from rig.emu.api import NodeSpec, create_emulation
    from rig.footprint.stack import stack_painted

    made = subprocess.run(
        ["make", "-C", str(FIRMWARE), "-j2", "build/cc2538/hello.elf"], capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr[-2000:]
    with create_emulation("builtin") as emu:
        node = emu.add_node(NodeSpec("n", FIRMWARE / "build/cc2538/hello.elf"))
        assert not stack_painted(node)  # RAM before the first instruction: nothing to measure yet
        emu.advance(0.5)
        assert stack_painted(node)
        used, reserved = stack_high_water(node), stack_reserved(node)
        assert reserved == 2048
        assert 32 <= used < reserved
