"""Exact instruction counting with a budget: a tiny C block hook, or a pure-Python fallback.

The C hook (native_hook.c) is compiled at first use with the system gcc and cached under
~/.cache/lwm2m-rig (or $LWM2M_RIG_CACHE); it needs no unicorn headers because the unicorn functions
it calls are passed in as pointers. Without gcc the same logic runs as a Python block hook (about
10x slower, same results).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from unicorn import UC_HOOK_BLOCK, Uc
from unicorn.arm_const import UC_ARM_REG_BASEPRI, UC_ARM_REG_PRIMASK
from unicorn.unicorn_py3.unicorn import uclib

NO_PENDING = 256
_SATURATED = 0xFFFFFFFF
_BLOCK_HOOK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p)
_SOURCE = Path(__file__).with_name("native_hook.c")


class Region(ctypes.Structure):
    _fields_ = [("base", ctypes.c_uint32), ("size", ctypes.c_uint32), ("mem", ctypes.c_void_p)]


class CoreState(ctypes.Structure):
    """Mirror of `struct rig_core` in native_hook.c (keep in sync)."""

    _fields_ = [
        ("count", ctypes.c_uint64),
        ("limit", ctypes.c_uint64),
        ("sync", ctypes.c_int32),
        ("pending_prio", ctypes.c_int32),
        ("stopped", ctypes.c_int32),
        ("primask_reg", ctypes.c_int32),
        ("basepri_reg", ctypes.c_int32),
        ("n_regions", ctypes.c_uint32),
        ("regions", Region * 4),
        ("emu_stop", ctypes.c_void_p),
        ("reg_read", ctypes.c_void_p),
        ("block_addr", ctypes.c_uint64),
        ("block_size", ctypes.c_uint32),
        ("cov_base", ctypes.c_uint32),
        ("cov_size", ctypes.c_uint32),
        ("cov_bits", ctypes.c_void_p),
        ("cnt_base", ctypes.c_uint32),
        ("cnt_size", ctypes.c_uint32),
        ("cnt", ctypes.c_void_p),
    ]


_native: ctypes.CDLL | None = None
_native_tried = False


def _cache_dirs() -> list[Path]:
    dirs = [Path(d) for d in (os.environ.get("LWM2M_RIG_CACHE"),) if d]
    dirs.append(Path.home() / ".cache" / "lwm2m-rig")
    dirs.append(Path(__file__).resolve().parents[3] / "build" / "lwm2m-rig")
    dirs.append(Path(tempfile.gettempdir()) / f"lwm2m-rig-{os.getuid()}")
    return dirs


def _build(target: Path) -> bool:
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if cc is None:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / target.name
        result = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(out), str(_SOURCE)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            return False
        os.replace(out, target)  # atomic: parallel first uses never see a half-written file
    return True


def load_native() -> ctypes.CDLL | None:
    """Build (once) and load the C hook; None (Python fallback, with a warning) when impossible."""
    global _native, _native_tried
    if _native_tried:
        return _native
    _native_tried = True
    if os.environ.get("LWM2M_RIG_NO_NATIVE"):
        return None
    digest = hashlib.sha256(_SOURCE.read_bytes()).hexdigest()[:16]
    for directory in _cache_dirs():
        target = directory / f"rig_hook_{digest}.so"
        try:
            if not target.exists() and not _build(target):
                break  # no compiler or it failed: another directory will not help
            lib = ctypes.CDLL(str(target))
        except OSError:
            continue  # unwritable cache directory or unloadable file: try the next one
        if lib.rig_core_size() == ctypes.sizeof(CoreState):
            _native = lib
            return lib
    warnings.warn("lwm2m-rig: cannot build the native instruction-counting hook (is gcc installed?); "
                  "using the Python fallback (about 25x slower)", RuntimeWarning, stacklevel=2)
    return None


class InstructionCounter:
    """Owns the CoreState shared with the hook; `install` registers the hook on an engine."""

    def __init__(self, uc: Uc, regions: list[tuple[int, int, ctypes.Array[ctypes.c_char]]],
                 force_python: bool = False) -> None:
        self.state = CoreState()
        st = self.state
        st.limit = 0
        st.pending_prio = NO_PENDING
        st.primask_reg = UC_ARM_REG_PRIMASK
        st.basepri_reg = UC_ARM_REG_BASEPRI
        st.n_regions = len(regions)
        self._buffers = regions
        for i, (base, size, buf) in enumerate(regions):
            st.regions[i].base = base
            st.regions[i].size = size
            st.regions[i].mem = ctypes.addressof(buf)
        st.emu_stop = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        st.reg_read = ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value
        self._block_sizes: dict[tuple[int, int], int] = {}  # Python fallback: decoded blocks
        self._cov_buf: ctypes.Array[ctypes.c_char] | None = None  # enable_coverage
        self._cov_view = memoryview(b"")
        self._cnt_buf: ctypes.Array[ctypes.c_uint32] | None = None  # enable_counts
        self._block_starts: dict[tuple[int, int], tuple[int, ...]] = {}  # Python fallback, with counts
        self._pending: dict[tuple[int, int], int] = {}  # Python fallback: block entries not yet in counts
        lib = None if force_python else load_native()
        self.native = lib is not None
        self._handle = ctypes.c_size_t()
        if lib is not None:
            fn = ctypes.cast(lib.rig_block_hook, ctypes.c_void_p)
            status = uclib.uc_hook_add(uc._uch, ctypes.byref(self._handle), UC_HOOK_BLOCK, fn,
                                       ctypes.cast(ctypes.addressof(st), ctypes.c_void_p),
                                       ctypes.c_uint64(1), ctypes.c_uint64(0))
            if status != 0:
                raise RuntimeError(f"uc_hook_add failed ({status})")
        else:
            # raw ctypes callback: the binding's hook wrapper would double the cost per block
            self._handle_uc = uc._uch
            self._reg = ctypes.c_uint32()
            self._cb = _BLOCK_HOOK(self._python_hook)
            status = uclib.uc_hook_add(uc._uch, ctypes.byref(self._handle), UC_HOOK_BLOCK,
                                       ctypes.cast(self._cb, ctypes.c_void_p), None,
                                       ctypes.c_uint64(1), ctypes.c_uint64(0))
            if status != 0:
                raise RuntimeError(f"uc_hook_add failed ({status})")

    def _masked(self) -> bool:
        st, reg = self.state, self._reg
        uclib.uc_reg_read(self._handle_uc, UC_ARM_REG_PRIMASK, ctypes.byref(reg))
        if reg.value & 1:
            return True
        uclib.uc_reg_read(self._handle_uc, UC_ARM_REG_BASEPRI, ctypes.byref(reg))
        basepri = reg.value & 0xFF
        return basepri != 0 and st.pending_prio >= basepri

    def _python_hook(self, _uc: int, address: int, size: int, _ud: int) -> None:
        st = self.state
        if st.count >= st.limit or st.sync or (st.pending_prio < NO_PENDING and not self._masked()):
            st.stopped = 1
            uclib.uc_emu_stop(self._handle_uc)
            return
        key = (address, size)
        n = self._block_sizes.get(key)
        if n is None:
            n = self._block_sizes[key] = self._count(address, size)
        st.count += n
        st.block_addr = address
        st.block_size = size
        if st.cov_bits:
            off = address - st.cov_base
            if off >= 0 and off + size <= st.cov_size:
                bits = self._cov_view
                for h in range(off >> 1, (off + size) >> 1):
                    bits[h >> 3] |= 1 << (h & 7)
        if st.cnt:
            # one dict update per block; spread over the block's instructions by flush_counts()
            pending = self._pending
            if key in pending:
                pending[key] += 1
            else:
                pending[key] = 1
                if key not in self._block_starts:  # decoded while the block's code is what ran
                    self._block_starts[key] = self._starts(address, size)

    def enable_coverage(self, base: int, size: int) -> memoryview:
        """Record executed code in [base, base + size): one bit per halfword (bit h & 7 of byte
        h >> 3 for the halfword at base + 2h), set for every instruction of every block entered.
        Returns the live bitmap; counting and timing are unchanged."""
        self._cov_buf = ctypes.create_string_buffer((size + 15) // 16)
        self._cov_view = memoryview(self._cov_buf).cast("B")
        st = self.state
        st.cov_base = base
        st.cov_size = size
        st.cov_bits = ctypes.addressof(self._cov_buf)
        return self._cov_view

    def enable_counts(self, base: int, size: int) -> memoryview:
        """Count executions of every instruction in [base, base + size): element h of the returned
        live uint32 array counts the instruction starting at base + 2h (saturating at 2**32 - 1).
        Exact with the instruction count: every block entered adds 1 per instruction it holds, as
        it adds that many to `count`. Counting and timing are unchanged. The Python hook adds
        its counts in batches: call flush_counts() before reading the array."""
        self._cnt_buf = (ctypes.c_uint32 * (size // 2))()
        st = self.state
        st.cnt_base = base
        st.cnt_size = size
        st.cnt = ctypes.addressof(self._cnt_buf)
        return memoryview(self._cnt_buf).cast("B").cast("I")

    def flush_counts(self) -> None:
        """Bring the counts array up to date (the Python hook defers it; the C hook never does)."""
        counts, st = self._cnt_buf, self.state
        if not self._pending or counts is None:
            return
        for (address, size), n in self._pending.items():
            off = address - st.cnt_base
            if off < 0 or off + size > st.cnt_size:
                continue
            h0 = off >> 1
            for h in self._block_starts[(address, size)]:
                counts[h0 + h] = min(counts[h0 + h] + n, _SATURATED)
        self._pending.clear()

    def count_one(self, pc: int) -> None:
        """One instruction at `pc` run outside the hook (a hint instruction the CPU model skips)."""
        self.state.count += 1
        self._bump(pc, 1)

    def give_back(self, pc: int) -> int:
        """Execution stopped at `pc` inside the block entered last (a breakpoint or a single step):
        uncount the instructions from `pc` to its end, which the hook counted but did not run.
        Returns how many (already subtracted from `count`)."""
        st = self.state
        start, end = st.block_addr, st.block_addr + st.block_size
        if not start <= pc < end:
            return 0
        n = self._count(pc, end - pc)
        st.count -= n
        for h in self._starts(pc, end - pc):
            self._bump(pc + 2 * h, -1)
        return n

    def _bump(self, address: int, delta: int) -> None:
        st, counts = self.state, self._cnt_buf
        if not st.cnt or counts is None:
            return
        self.flush_counts()
        off = address - st.cnt_base
        if 0 <= off < st.cnt_size and counts[off >> 1] != _SATURATED:
            counts[off >> 1] = max(counts[off >> 1] + delta, 0)

    def _starts(self, address: int, size: int) -> tuple[int, ...]:
        """Halfword offsets of the instruction starts in [address, address + size)."""
        for base, rsize, buf in self._buffers:
            off = address - base
            if off >= 0 and off + size <= rsize:
                out = []
                pos = 0
                while pos < size:
                    out.append(pos >> 1)
                    hw = buf[off + pos][0] | (buf[off + pos + 1][0] << 8)
                    pos += 4 if (hw >> 11) >= 0x1D else 2
                return tuple(out)
        return ()

    def invalidate(self) -> None:
        """Code memory changed (flash programmed): forget decoded blocks."""
        self.flush_counts()  # with the decoding of the code that ran
        self._block_sizes.clear()
        self._block_starts.clear()

    def _count(self, address: int, size: int) -> int:
        for base, rsize, buf in self._buffers:
            off = address - base
            if off >= 0 and off + size <= rsize:
                n = pos = 0
                while pos < size:
                    hw = buf[off + pos][0] | (buf[off + pos + 1][0] << 8)
                    pos += 4 if (hw >> 11) >= 0x1D else 2
                    n += 1
                return n
        return max(size // 2, 1)

