"""Every CC2538 peripheral interrupt has a named, weak handler in arch/cpu/cc2538/startup.c that a
driver overrides by defining a function of that name (no vector table to edit)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.topology import REPO

BUILD = REPO / "firmware-c" / "build" / "cc2538"
# IRQ (vector = 16 + IRQ, regular map: TI hw_ints.h) -> the handler's name
HANDLERS = {
    0: "gpio_a_isr", 1: "gpio_b_isr", 2: "gpio_c_isr", 3: "gpio_d_isr", 5: "uart0_isr", 6: "uart1_isr",
    7: "ssi0_isr", 8: "i2c_isr", 14: "adc_isr", 18: "watchdog_isr", 19: "gpt0a_isr", 20: "gpt0b_isr",
    21: "gpt1a_isr", 22: "gpt1b_isr", 23: "gpt2a_isr", 24: "gpt2b_isr", 25: "analog_cmp_isr",
    28: "sys_ctrl_isr", 29: "flash_ctrl_isr", 34: "ssi1_isr", 35: "gpt3a_isr", 36: "gpt3b_isr",
    46: "udma_isr", 47: "udma_err_isr", 140: "usb_isr", 141: "rf_core_isr", 142: "rf_err_isr",
    143: "aes_isr", 144: "pka_isr", 145: "sleep_timer_isr", 146: "mac_timer_isr",
}
ALTERNATE = {44: 140, 26: 141, 27: 142, 30: 143, 31: 144, 32: 145, 33: 146}  # I_MAP.ALTMAP slots
# the handlers the drivers an image links define: its vectors take theirs
DRIVERS = {"hello": {"uart0_isr", "sleep_timer_isr"},
           "lwm2m-client-min": {"uart0_isr", "rf_core_isr", "sleep_timer_isr"}}
Image = tuple[str, dict[str, tuple[int, str]], list[int]]


def symbols_and_vectors(elf_path: Path) -> tuple[dict[str, tuple[int, str]], list[int]]:
    with elf_path.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        assert isinstance(symtab, SymbolTableSection)
        syms = {s.name: (s["st_value"], s["st_info"]["bind"]) for s in symtab.iter_symbols() if s.name}
        table_addr = syms["cc2538_vectors"][0]
        for section in elf.iter_sections():
            start = section["sh_addr"]
            if section["sh_type"] == "SHT_PROGBITS" and start <= table_addr < start + section["sh_size"]:
                data = section.data()[table_addr - start:table_addr - start + 4 * (16 + 147)]
                return syms, list(struct.unpack(f"<{16 + 147}I", data))
    raise AssertionError("no section holds cc2538_vectors")


@pytest.fixture(scope="module", params=sorted(DRIVERS))
def image(request: pytest.FixtureRequest) -> Image:
    elf = BUILD / f"{request.param}.elf"
    if not elf.exists():
        pytest.skip(f"{elf} not built (make -C firmware-c)")
    return (request.param, *symbols_and_vectors(elf))


def test_every_peripheral_irq_has_a_weak_named_handler(image: Image) -> None:
    app, syms, vectors = image
    assert len(HANDLERS) >= 16
    default = syms["default_handler"][0]
    for irq, name in HANDLERS.items():
        assert name in syms, f"{name} (IRQ {irq}) is not in the ELF"
        addr, bind = syms[name]
        assert vectors[16 + irq] & ~1 == addr & ~1, f"vector {16 + irq} is not {name}"
        if name in DRIVERS[app]:
            assert bind == "STB_GLOBAL" and addr != default, f"the driver's {name} did not override"
        else:
            assert bind == "STB_WEAK" and addr == default, f"{name} does not resolve to default_handler"
    for irq, regular in ALTERNATE.items():  # the alternate map's slots take the same handlers
        assert vectors[16 + irq] == vectors[16 + regular]


def test_the_other_vectors_are_the_default_handler(image: Image) -> None:
    _, syms, vectors = image
    default = syms["default_handler"][0]
    for irq in set(range(147)) - set(HANDLERS) - set(ALTERNATE):
        assert vectors[16 + irq] & ~1 == default & ~1, f"IRQ {irq}"
