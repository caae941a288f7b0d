"""hello.elf on a real Renode (marker `renode`): skipped, with one reason, when Renode is absent.

Renode is found via `--renode PATH` (pytest option, when the rig's plugin provides it), the RENODE
environment variable, or `renode` on PATH.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.emu.api import NodeSpec
from rig.emu.renode.commands import read_ieee_address
from rig.emu.renode.process import NOT_FOUND, find_renode

pytestmark = pytest.mark.renode

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "firmware-c" / "build" / "cc2538" / "hello.elf"


@pytest.fixture(scope="module")
def renode_path(request: pytest.FixtureRequest) -> Path:
    explicit = request.config.getoption("--renode", default=None)
    path = find_renode(explicit)
    if path is None:
        pytest.skip(NOT_FOUND)
    if not HELLO.is_file():
        pytest.skip(f"{HELLO.relative_to(ROOT)} is not built (make -C firmware-c all)")
    return path


def test_hello_boots_on_renode(renode_path: Path) -> None:
    from rig.emu.renode.emulation import RenodeEmulation

    with RenodeEmulation(renode_path, transport="socket") as emu:
        node = emu.add_node(NodeSpec("hello", HELLO))
        match = node.expect(r"(?i)hello", timeout=5.0)
        assert match is not None
        first = next(line for line in node.uart.lines if match.string == line.text)
        assert 0.0 < first.time <= emu.now <= 5.0 + emu.sync_interval
        # The info page holds the EUI-64 the way Contiki-NG's ieee-addr driver reads it.
        assert read_ieee_address(node.read_memory(0x00280028, 8)) == node.eui64
        before = emu.now
        emu.advance(0.1)
        assert emu.now == pytest.approx(before + 0.1, abs=emu.sync_interval)
        node.reset()
        node.expect(r"(?i)hello", timeout=5.0)  # the reset macro reloaded the image
