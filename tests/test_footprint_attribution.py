"""Component attribution on small ELFs with known symbol sizes; totals equal the ELF's exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rig.cli import main
from rig.errors import ConfigError
from rig.footprint._testelf import COMPONENTS_TOML, build_elf, objdump_totals
from rig.footprint.attribution import _Piece, _split_symbols, attribute, check_map_matches
from rig.footprint.components import load_components
from rig.footprint.elfinfo import Symbol, load_elf
from rig.footprint.mapfile import parse_map
from rig.footprint.report_json import build_report


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("fw")
    elf, mapfile = build_elf(root)
    comps = root / "components.toml"
    comps.write_text(COMPONENTS_TOML)
    return elf, mapfile, comps


def report(image: tuple[Path, Path, Path], use_map: bool = True) -> dict:
    elf, mapfile, comps = image
    fp = attribute(load_elf(elf), load_components(comps), parse_map(mapfile) if use_map else None)
    return build_report(fp)


def comp(rep: dict, name: str) -> dict:
    return next(c for c in rep["components"] if c["name"] == name)


def symbol(rep: dict, name: str) -> dict:
    for c in rep["components"]:
        for f in c["files"]:
            for s in f["symbols"]:
                if s["name"] == name:
                    return {"component": c["name"], "file": f["path"], **s}
    raise AssertionError(f"symbol {name} not in report")


@pytest.mark.parametrize("use_map", [True, False], ids=["map", "dwarf"])
def test_known_symbols_land_in_their_component(image, use_map: bool) -> None:
    rep = report(image, use_map)
    assert rep["source"] == ("map" if use_map else "dwarf")
    assert symbol(rep, "a") == {"component": "A", "file": "comp_a/x", "name": "a", "flash": 1000, "ram": 0}
    assert symbol(rep, "b") == {"component": "B", "file": "comp_b/y", "name": "b", "flash": 0, "ram": 200}
    # initialised data: its load image in flash and its copy in RAM
    assert symbol(rep, "counter_a") == {
        "component": "A",
        "file": "comp_a/x",
        "name": "counter_a",
        "flash": 4,
        "ram": 4,
    }
    assert comp(rep, "A")["kinds"]["rodata"] >= 1000
    assert comp(rep, "B")["kinds"]["bss"] == 200


def test_toolchain_libraries_attributed_from_the_map(image) -> None:
    rep = report(image)
    lib = comp(rep, "libc/libgcc")
    paths = {f["path"] for f in lib["files"]}
    assert any(p.startswith("libc_nano.a(") for p in paths), paths
    assert any(p.startswith("libgcc.a(") for p in paths), paths
    assert symbol(rep, "memcpy")["component"] == "libc/libgcc"
    assert symbol(rep, "__aeabi_uldivmod")["component"] == "libc/libgcc"


@pytest.mark.parametrize("use_map", [True, False], ids=["map", "dwarf"])
def test_totals_equal_the_elf_exactly(image, use_map: bool) -> None:
    rep = report(image, use_map)
    flash, ram = objdump_totals(image[0])
    assert (rep["totals"]["flash"], rep["totals"]["ram"]) == (flash, ram)
    assert sum(c["flash"] for c in rep["components"]) == flash
    assert sum(c["ram"] for c in rep["components"]) == ram
    for c in rep["components"]:
        assert sum(f["flash"] for f in c["files"]) == c["flash"]
        for f in c["files"]:
            assert sum(s["ram"] for s in f["symbols"]) == f["ram"]
    t = rep["totals"]
    assert t["flash"] == t["text"] + t["rodata"] + t["data"]
    assert t["ram"] == t["data"] + t["bss"] + t["stack"] + t["heap"]


def test_stack_shown_apart_with_its_reserved_size(image) -> None:
    rep = report(image)
    stack = comp(rep, "stack (reserved)")
    assert stack["ram"] == 512
    assert stack["files"][0]["path"] == ".stack"
    assert stack["files"][0]["symbols"][0]["name"] == "_stack_bottom"
    assert rep["totals"]["stack"] == 512


def test_padding_goes_to_other_and_totals_still_match(tmp_path: Path) -> None:
    elf, mapfile = build_elf(tmp_path, text_align=256)  # forces fill between code and constants
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML)
    rep = build_report(attribute(load_elf(elf), load_components(comps), parse_map(mapfile)))
    other = comp(rep, "other")
    assert other["flash"] > 0
    assert {f["path"] for f in other["files"]} >= {"(linker fill and padding)"}
    assert rep["totals"]["flash"] == objdump_totals(elf)[0]


def test_unmatched_files_fall_into_other(image, tmp_path: Path) -> None:
    elf, mapfile, _ = image
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML.replace('paths = ["comp_b/*"]', 'paths = ["nowhere/*"]'))
    rep = build_report(attribute(load_elf(elf), load_components(comps), parse_map(mapfile)))
    assert symbol(rep, "b") == {"component": "other", "file": "comp_b/y", "name": "b", "flash": 0, "ram": 200}
    assert comp(rep, "B")["flash"] == comp(rep, "B")["ram"] == 0


def test_anchor_rows_side_by_side(image, capsys) -> None:
    elf, _, comps = image
    assert main(["footprint", str(elf), "--components", str(comps), "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    a = comp(rep, "A")
    assert a["paper"] == {"row": "TLV format", "flash": 2228, "ram": 30}
    assert a["contiki_ng"] == {"row": "CoAP", "flash": 9623, "ram": 3548}
    group = rep["groups"][0]
    assert group["name"] == "A+B" and group["flash"] == a["flash"] + comp(rep, "B")["flash"]
    assert group["paper"]["row"] == "LwM2M alone"
    assert rep["schema"] == "lwm2m-rig-footprint" and rep["version"] == 1


def test_default_map_is_found_next_to_the_elf(image, capsys) -> None:
    elf, _, comps = image
    assert main(["footprint", str(elf), "--components", str(comps), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "map"


def test_symbol_rules_split_a_file_between_components(image, tmp_path: Path) -> None:
    elf, mapfile, _ = image
    comps = tmp_path / "c.toml"
    comps.write_text(
        COMPONENTS_TOML.replace(
            '[[component]]\nname = "A"',
            '[[component]]\nname = "A functions"\npaths = ["comp_a/*"]\nsymbols = ["f*"]\n\n[[component]]\nname = "A"',
            1,
        )
    )
    rep = build_report(attribute(load_elf(elf), load_components(comps), parse_map(mapfile)))
    assert symbol(rep, "fa")["component"] == "A functions"
    assert symbol(rep, "a")["component"] == "A"
    assert comp(rep, "A functions")["flash"] == symbol(rep, "fa")["flash"] > 0
    assert sum(c["flash"] for c in rep["components"]) == objdump_totals(elf)[0]


def test_memory_regions_from_the_map(image) -> None:
    rep = report(image)
    regions = {r["name"]: r for r in rep["regions"]}
    assert regions["FLASH"]["length"] == 512 * 1024 and regions["RAM"]["length"] == 32 * 1024
    assert regions["FLASH"]["used"] == rep["totals"]["flash"]
    assert regions["RAM"]["used"] == rep["totals"]["ram"]
    assert report(image, use_map=False)["regions"] == []  # DWARF alone does not know the regions


CTX_SOURCE = """\
struct endpoint { char tx[40]; int n; };             /* 44 bytes */
typedef struct { struct endpoint coap; char state[20]; } client_t;
client_t client_obj;                                /* 64 bytes of bss */
__attribute__((section(".vectors"), used)) void *const keep_ctx = &client_obj;  /* survives --gc-sections */
"""


@pytest.mark.parametrize("use_map", [True, False], ids=["map", "dwarf"])
def test_member_rules_carve_a_struct_member_out_of_an_object(tmp_path: Path, use_map: bool) -> None:
    elf, mapfile = build_elf(tmp_path, extra_sources={"comp_b/ctx.c": CTX_SOURCE})
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML + '[[component]]\nname = "A"\nmembers = ["client_obj.coap"]\n')
    fp = attribute(load_elf(elf), load_components(comps), parse_map(mapfile) if use_map else None)
    rep = build_report(fp)
    assert symbol(rep, "client_obj.coap")["component"] == "A"
    assert symbol(rep, "client_obj.coap")["ram"] == 44
    assert symbol(rep, "client_obj")["component"] == "B"
    assert symbol(rep, "client_obj")["ram"] == 20
    assert sum(c["ram"] for c in rep["components"]) == objdump_totals(elf)[1]


def test_member_rules_name_what_is_wrong(tmp_path: Path) -> None:
    elf, mapfile = build_elf(tmp_path, extra_sources={"comp_b/ctx.c": CTX_SOURCE})
    comps = tmp_path / "c.toml"
    for members, error in (('["client_obj.nope"]', "client_obj has no member 'nope'"),
                           ('["b.x"]', "b is not a struct"),
                           ('["client_obj"]', "'client_obj' is not SYMBOL.MEMBER")):
        comps.write_text(COMPONENTS_TOML + f'[[component]]\nname = "A"\nmembers = {members}\n')
        with pytest.raises(ConfigError, match=error):
            attribute(load_elf(elf), load_components(comps), parse_map(mapfile))


def test_lto_build_is_attributed_through_dwarf(tmp_path: Path) -> None:
    # An LTO link's map names one *.ltrans.o for everything; DWARF's abstract origins still name
    # each symbol's source file, and the variable's type for member rules.
    elf, mapfile = build_elf(tmp_path, extra_sources={"comp_b/ctx.c": CTX_SOURCE}, lto=True)
    assert "ltrans" in mapfile.read_text()
    comps = tmp_path / "c.toml"
    comps.write_text(COMPONENTS_TOML + '[[component]]\nname = "A"\nmembers = ["client_obj.coap"]\n')
    rep = build_report(attribute(load_elf(elf), load_components(comps), parse_map(mapfile)))
    assert rep["source"] == "dwarf"
    assert symbol(rep, "a")["component"] == "A" and symbol(rep, "a")["flash"] == 1000
    assert symbol(rep, "b")["component"] == "B" and symbol(rep, "b")["ram"] == 200
    assert symbol(rep, "Reset_Handler")["file"] == "comp_b/y"
    assert symbol(rep, "client_obj.coap")["component"] == "A"
    assert symbol(rep, "client_obj.coap")["ram"] == 44
    assert rep["regions"], "the memory regions still come from the map"
    assert (rep["totals"]["flash"], rep["totals"]["ram"]) == objdump_totals(elf)


def test_labels_run_to_the_next_symbol_and_aliases_count_once() -> None:
    syms = [
        Symbol("label", 0x100, 0, "other", True),  # size 0: names the bytes up to "f"
        Symbol("f", 0x110, 0x10, "func", False),
        Symbol("f_alias", 0x110, 0x10, "func", False),
        Symbol("table", 0x124, 4, "object", False),
    ]
    got = _split_symbols(_Piece(0x100, 0x30, "x.o", ".text"), syms, [s.address for s in syms], True)
    assert got == [
        ("label", 0x100, 0x10, False),
        ("f", 0x110, 0x10, False),
        (".text", 0x120, 4, False),  # bytes no symbol covers keep the input section's name
        ("table", 0x124, 4, True),
        (".text", 0x128, 8, False),
    ]


def test_map_of_a_section_at_another_address_is_refused(image) -> None:
    elf, mapfile, _ = image
    info, mf = load_elf(elf), parse_map(mapfile)
    check_map_matches(info, mf)
    mf.sections[".text"].address += 4  # same size, moved
    with pytest.raises(ConfigError, match=r"does not match .*\.text is 0x[0-9a-f]+ bytes at"):
        check_map_matches(info, mf)
