"""Peripheral models of your own in the builtin emulator (rig.emu.builtin.models): registered by
name, asked for per node (NodeSpec extra, topology `peripherals`, `rig boot --peripheral`), and an
exception inside one reported as an EmulatorBug naming the model and the register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.cli import main
from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.models import register_model, unregister_model
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.testing import image_elf
from rig.errors import ConfigError, EmulatorBug
from rig.topology import Topology

ADC = 0x400D7000  # SOC_ADC: unmodelled by the builtin emulator (plain storage that warns)


class Adc(Peripheral):
    """A stand-in ADC: counts the firmware's reads (tests/firmware/faults.c 'p' reads +0 and +4)."""

    name = "test-adc"
    base = ADC
    size = 0x1000

    def __init__(self, ctx: PeripheralContext) -> None:
        super().__init__(ctx)
        self.reads: list[int] = []

    def read(self, offset: int, size: int) -> int:
        self.reads.append(offset)
        return 0x123

    def reset(self) -> None:
        self.reads.clear()


class BrokenAdc(Adc):
    name = "broken-adc"

    def read(self, offset: int, size: int) -> int:
        raise ZeroDivisionError("integer division by zero")


class TimerAdc(Adc):
    """Starts a conversion on a read; its completion (a timer) raises."""

    name = "timer-adc"

    def read(self, offset: int, size: int) -> int:
        self.ctx.scheduler.schedule(self.ctx.scheduler.cycles + 32, self.done)
        return 0

    def done(self) -> None:
        raise RuntimeError("conversion lost")


class Overlapping(Peripheral):
    name = "overlap"
    base = 0x4000C000  # UART0
    size = 0x1000


@pytest.fixture(autouse=True)
def models() -> Iterator[None]:
    register_model("test-adc", Adc)
    register_model("broken-adc", BrokenAdc)
    register_model("overlap", Overlapping)
    register_model("timer-adc", TimerAdc)
    yield
    for name in ("test-adc", "broken-adc", "overlap", "timer-adc"):
        unregister_model(name)


def touched(extra: dict[str, object]) -> tuple[object, list[str]]:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults"), extra=extra))
        node.expect("faults ready", 1.0)
        node.uart.write(b"p")
        node.expect("touched", 1.0)
        return node, list(node.warnings)


def test_a_registered_model_serves_its_registers() -> None:
    node, warnings = touched({"peripherals": ["test-adc"]})
    adc = node.models["test-adc"]  # type: ignore[attr-defined]
    assert isinstance(adc, Adc) and adc.reads == [0, 4]
    assert not [w for w in warnings if "ADC" in w]  # modelled now: no "not modelled" warning
    _, without = touched({})
    assert [w for w in without if "ADC" in w]  # the difference the model makes


def test_module_colon_class_needs_no_registration() -> None:
    node, _ = touched({"peripherals": [f"{__name__}:Adc"]})
    assert node.models["test-adc"].reads == [0, 4]  # type: ignore[attr-defined]


def test_a_topology_names_models_per_node(tmp_path: Path) -> None:
    elf = image_elf("faults")
    (tmp_path / "t.toml").write_text(f'''[border]
enabled = false
[[node]]
name = "a"
firmware = "{elf}"
peripherals = ["test-adc"]
''')
    topo = Topology.load(tmp_path / "t.toml")
    assert topo.nodes[0].peripherals == ("test-adc",)
    with pytest.raises(ConfigError, match=r"peripherals must be a list of model names"):
        Topology.from_dict({"node": [{"name": "a", "firmware": str(elf), "peripherals": "test-adc"}]})


@pytest.mark.parametrize(("ref", "message"), [
    ("test-adx", r"unknown peripheral model 'test-adx' \(registered: .*did you mean 'test-adc'\?"),
    ("overlap", r"peripheral model 'overlap' at 0x4000c000\.\.0x4000cfff overlaps uart0"),
    ("no_such_module:X", r"cannot import no_such_module"),
])
def test_bad_models_are_refused_naming_them(ref: str, message: str) -> None:
    with BuiltinEmulation() as emu, pytest.raises(ConfigError, match=message):
        emu.add_node(NodeSpec("n0", image_elf("faults"), extra={"peripherals": [ref]}))


def test_an_exception_in_a_model_is_an_emulator_bug_naming_model_and_register() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults"), extra={"peripherals": ["broken-adc"]}))
        node.expect("faults ready", 1.0)
        node.uart.write(b"p")
        with pytest.raises(EmulatorBug) as info:
            node.expect("touched", 1.0)
    bug = info.value
    assert bug.model == "broken-adc" and bug.node == "n0" and isinstance(bug.error, ZeroDivisionError)
    assert bug.access == "a 4-byte read at 0x400d7000 (broken-adc+0x0)"
    assert bug.function == "touch_unmodelled"
    assert f"peripheral model 'broken-adc' ({__name__}) raised ZeroDivisionError" in str(bug)
    assert "raised at test_emu_extension.py:" in str(bug)


def test_an_exception_in_a_models_timer_names_the_model() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults"), extra={"peripherals": ["timer-adc"]}))
        node.expect("faults ready", 1.0)
        node.uart.write(b"p")
        with pytest.raises(EmulatorBug, match=r"peripheral model 'timer-adc' .* raised RuntimeError: "
                                              r"conversion lost on a timer callback") as info:
            node.expect("never", 1.0)
    assert info.value.model == "timer-adc" and info.value.access is None


def test_rig_boot_exits_3_for_an_emulator_bug(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A bug in one of our models: "emulator bug, please report", exit 3 (not 1: the firmware's
    faults; not 2: bad input)."""
    from rig.emu.builtin.uart import Uart

    def broken(self: Uart, offset: int, size: int, value: int) -> None:
        raise KeyError(offset)

    monkeypatch.setattr(Uart, "write", broken)
    rc = main(["boot", str(image_elf("faults")), "--timeout", "1"])
    err = capsys.readouterr().err
    assert rc == 3, err
    assert "rig boot: emulator bug, please report: peripheral model 'uart0' raised KeyError" in err
    assert "(node node at pc=0x" in err


def test_rig_boot_takes_peripheral_models(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["boot", str(image_elf("faults")), "--input", "p", "--until", "touched", "--timeout", "1",
               "--peripheral", "test-adc"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "ADC" not in out + err
    rc = main(["boot", str(image_elf("faults")), "--peripheral", "test-adx"])
    assert rc == 2 and "unknown peripheral model 'test-adx'" in capsys.readouterr().err
