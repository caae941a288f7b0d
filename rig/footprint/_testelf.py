"""Tiny ARM firmware images with known symbol sizes, for the footprint tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

CC = "arm-none-eabi-gcc"
CFLAGS = ["-mcpu=cortex-m3", "-mthumb", "-Os", "-g", "-ffunction-sections", "-fdata-sections"]
LDFLAGS = [
    "-mcpu=cortex-m3",
    "-mthumb",
    "-nostartfiles",
    "--specs=nano.specs",
    "-Wl,--gc-sections",
    "-Wl,--no-warn-rwx-segments",
]

LDSCRIPT = """\
MEMORY {{ FLASH (rx) : ORIGIN = 0x00200000, LENGTH = 512K
         RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 32K }}
ENTRY(Reset_Handler)
SECTIONS {{
  .text : {{ KEEP(*(.vectors)) *(.text*) . = ALIGN({text_align}); *(.rodata*) . = ALIGN(4); }} > FLASH
  .data : {{ _data = .; *(.data*) . = ALIGN(4); _edata = .; }} > RAM AT > FLASH
  .bss (NOLOAD) : {{ *(.bss*) *(COMMON) . = ALIGN(4); }} > RAM
  .stack (NOLOAD) : ALIGN(8) {{ _stack_bottom = .; . += {stack}; _stack_top = .; }} > RAM
}}
"""

# Known sizes: a = 1000 B rodata, counter_a = 4 B data (comp_a); b = 200 B bss (comp_b).
SOURCES = {
    "comp_a/x.c": """\
#include <string.h>
const char a[{a_size}] = {{1}};
int counter_a = 5;
unsigned long long fa(unsigned long long x, char *dst, unsigned n) {{
    memcpy(dst, a, n);                       /* libc_nano */
    return x / (unsigned long long)(counter_a + a[n % {a_size}]);  /* libgcc __aeabi_uldivmod */
}}
""",
    "comp_b/y.c": """\
char b[200];
extern unsigned long long fa(unsigned long long x, char *dst, unsigned n);
extern char _stack_top[];
void Reset_Handler(void) {{ b[1] = (char)fa(12345u, b, (unsigned)b[0]); for (;;) {{}} }}
__attribute__((section(".vectors"), used)) void *const vectors[2] = {{ _stack_top, (void *)Reset_Handler }};
""",
}


def build_elf(
    root: Path,
    name: str = "fw",
    a_size: int = 1000,
    stack: int = 512,
    text_align: int = 4,
    extra_sources: dict[str, str] | None = None,
    reverse_link_order: bool = False,
    lto: bool = False,
) -> tuple[Path, Path]:
    """Build `root/build/cc2538/<name>.elf` (+ .map) from objects under obj/<name>/<source path>.o."""
    root = root.resolve()
    out = root / "build" / "cc2538"
    objs: list[str] = []
    sources = {**SOURCES, **(extra_sources or {})}
    for rel, text in sources.items():
        src = root / "src" / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text.format(a_size=a_size) if rel in SOURCES else text)
        obj = out / "obj" / name / Path(rel).with_suffix(".o")
        obj.parent.mkdir(parents=True, exist_ok=True)
        # Compile from src/ with a relative path, as the firmware Makefile does.
        lto_flags = ["-flto"] if lto else []
        subprocess.run([CC, *CFLAGS, *lto_flags, "-c", rel, "-o", str(obj)], cwd=root / "src", check=True)
        objs.append(str(obj))
    if reverse_link_order:  # same sizes, different addresses
        objs.reverse()
    ld = root / f"{name}.ld"
    ld.write_text(LDSCRIPT.format(stack=stack, text_align=text_align))
    elf, mapfile = out / f"{name}.elf", out / f"{name}.map"
    lto_link = ["-flto", "-Os", "-g"] if lto else []
    subprocess.run(
        [CC, *LDFLAGS, *lto_link, "-T", str(ld), f"-Wl,-Map={mapfile}", "-o", str(elf), *objs, "-lc_nano", "-lgcc"],
        check=True,
    )
    return elf, mapfile


COMPONENTS_TOML = """\
version = 1
[[component]]
name = "A"
paths = ["comp_a/*"]
paper = "TLV format"
contiki_ng = "CoAP"
[[component]]
name = "B"
paths = ["comp_b/*"]
[[component]]
name = "libc/libgcc"
paths = ["libc_nano.a(*", "libgcc.a(*", "libc.a(*"]
[[group]]
name = "A+B"
components = ["A", "B"]
paper = "LwM2M alone"
[reserved]
stack = [".stack"]
heap = [".heap"]
"""


def objdump_totals(elf: Path) -> tuple[int, int]:
    """Flash and RAM from binutils, independently of our parser: flash = stored non-RAM bytes and
    load images, RAM = every writable allocated section."""
    out = subprocess.run(["arm-none-eabi-objdump", "-h", str(elf)], capture_output=True, text=True, check=True).stdout
    flash = ram = 0
    for m in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+\S+\n\s+(.*)$", out, re.M):
        size, vma, lma, flags = int(m.group(2), 16), m.group(3), m.group(4), m.group(5)
        if "ALLOC" not in flags:
            continue
        if "READONLY" not in flags or vma != lma:
            ram += size
        if "LOAD" in flags and ("READONLY" in flags or vma != lma):
            flash += size
    return flash, ram


RIG_ROOT = Path(__file__).resolve().parents[2]  # where a generated script imports rig from


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout


def firmware_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A git repository at tmp_path/repo whose firmware-c/ holds `files` (and a .gitignore of build/),
    committed as "v1"; components.toml (COMPONENTS_TOML) is written to tmp_path/c.toml."""
    repo = tmp_path / "repo"
    fw = repo / "firmware-c"
    fw.mkdir(parents=True)
    for name, text in {".gitignore": "build/\n", **files}.items():
        (fw / name).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    (tmp_path / "c.toml").write_text(COMPONENTS_TOML)
    return repo
