"""A pytest session for the firmware coverage and profile plugins' tests (run through pytester)."""

from __future__ import annotations

import pytest

from rig.emu.builtin.testing import image_elf
from rig.topology import firmware_path


def hello_and_faults_session(pytester: pytest.Pytester) -> None:
    """Two tests: hello on one node; hello on two nodes and the faults image on a third."""
    hello = firmware_path("hello")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        f"""
        from rig.emu.api import NodeSpec
        from rig.emu.builtin.emulation import BuiltinEmulation

        def test_hello():
            with BuiltinEmulation() as emu:
                emu.add_node(NodeSpec("n", {str(hello)!r})).expect("lwm2m-rig hello", timeout=5)

        def test_hello_twice_and_faults():
            with BuiltinEmulation() as emu:
                for name in ("a", "b"):
                    emu.add_node(NodeSpec(name, {str(hello)!r}))
                emu.add_node(NodeSpec("f", {str(image_elf("faults"))!r})).expect("faults ready", timeout=5)
        """
    )
