"""pytest plugin: `--stack-report FILE` records the deepest stack use of every firmware over the suite.

Every emulated node is sampled (painted-stack high-water mark, `rig.footprint.stack`) just before it
loses its RAM: on `reset`, `power_cycle` and when its emulation closes, and at the end of the session
for any still running. No test has to opt in: the plugin wraps the backends' methods while active.
The JSON written: {"schema": "lwm2m-rig-stack", "version": 1, "firmware": {<elf name>: {"max_used",
"reserved", "test", "samples"}}}: "test" is the first test (in collection order) that reached max_used.
Under pytest-xdist each worker hands its results to the controller, which merges them (rig.pytest_workers)
and writes the file a serial run writes.
"""

from __future__ import annotations

import functools
import json
import weakref
from pathlib import Path
from typing import Any

import pytest

from rig.emu.api import Emulation, Node, NodeSpec
from rig.footprint.stack import stack_bounds, stack_high_water, stack_painted
from rig.pytest_workers import hand_to_controller, is_worker, receive_parts

SCHEMA = "lwm2m-rig-stack"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rig-footprint")
    group.addoption(
        "--stack-report",
        metavar="FILE",
        type=Path,
        default=None,
        help="write the deepest measured stack use per firmware over the suite to FILE (JSON)",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("stack_report", None)
    if path is not None:
        recorder = StackRecorder(Path(path))
        recorder.install()
        config.pluginmanager.register(recorder, "rig-stack-recorder")
        receive_parts(config, "stack-report", recorder.absorb, recorder.lost.append)


class StackRecorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.results: dict[str, dict[str, Any]] = {}
        self.current_test = ""
        self._order: dict[str, int] = {}  # nodeid -> position in the collection
        self._max_at: dict[str, int | None] = {}  # firmware -> position of the test of its max_used
        self.lost: list[str] = []  # pytest-xdist workers that crashed before handing their results
        self._firmware: weakref.WeakKeyDictionary[Node, str] = weakref.WeakKeyDictionary()
        self._undo: list[tuple[type, str, Any]] = []
        self._patched: set[type] = set()

    # -- pytest hooks -------------------------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._order = {item.nodeid: i for i, item in enumerate(session.items)}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.current_test = item.nodeid
        try:
            return (yield)
        finally:
            self.current_test = ""

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        for node in list(self._firmware.keys()):
            self.sample(node)
        self.uninstall()
        if is_worker(session.config):  # the controller merges the workers' results and writes
            hand_to_controller(session.config, "stack-report", {"results": self.results, "max_at": self._max_at})
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"schema": SCHEMA, "version": 1, "firmware": dict(sorted(self.results.items()))}
        self.path.write_text(json.dumps(doc, indent=2) + "\n")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for message in self.lost:
            terminalreporter.write_line(f"--stack-report {self.path}: warning: {message}")

    # -- sampling -------------------------------------------------------------------------------------
    def sample(self, node: Node) -> None:
        firmware = self._firmware.get(node)
        if firmware is None:
            return
        try:
            if not stack_painted(node):
                return  # not booted yet, or RAM already lost: nothing to measure
            used = stack_high_water(node)
            low, high = stack_bounds(node)
        except Exception:  # a firmware without stack symbols, or a node already torn down
            return
        test = self.current_test or None
        self._merge(firmware, {"max_used": used, "reserved": high - low, "test": test, "samples": 1},
                    self._order.get(test) if test else None)

    def absorb(self, part: dict[str, Any]) -> None:
        """Merge a pytest-xdist worker's results (the same collection, so the same test positions)."""
        for firmware, entry in part["results"].items():
            self._merge(firmware, entry, part["max_at"].get(firmware))

    def _merge(self, firmware: str, entry: dict[str, Any], at: int | None) -> None:
        """The deepest use wins; of equal ones the test first in the collection (a serial run's first),
        then any test over none (a sample at the session's end, outside every test)."""
        have = self.results.get(firmware)
        if have is None:
            self.results[firmware] = dict(entry)
            self._max_at[firmware] = at
            return
        have["samples"] += entry["samples"]
        mine = self._max_at.get(firmware)
        if entry["max_used"] > have["max_used"] or (
                entry["max_used"] == have["max_used"] and at is not None and (mine is None or at < mine)):
            have["max_used"], have["test"] = entry["max_used"], entry["test"]
            self._max_at[firmware] = at

    # -- wrapping the backends ------------------------------------------------------------------------
    def install(self) -> None:
        recorder = self

        def init_subclass(cls: type, **kwargs: Any) -> None:
            super(Emulation, cls).__init_subclass__(**kwargs)  # type: ignore[misc]
            recorder._patch_emulation(cls)

        self._undo.append((Emulation, "__init_subclass__", Emulation.__dict__.get("__init_subclass__")))
        Emulation.__init_subclass__ = classmethod(init_subclass)  # type: ignore[assignment]
        pending = list(Emulation.__subclasses__())
        while pending:
            cls = pending.pop()
            self._patch_emulation(cls)
            pending += cls.__subclasses__()

    def uninstall(self) -> None:
        for cls, name, original in reversed(self._undo):
            if original is None:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                setattr(cls, name, original)
        self._undo.clear()
        self._patched.clear()

    def _wrap(self, cls: type, name: str, make: Any) -> None:
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "__isabstractmethod__", False):
            return
        self._undo.append((cls, name, original))
        setattr(cls, name, functools.wraps(original)(make(original)))

    def _patch_emulation(self, cls: type) -> None:
        if cls in self._patched:
            return
        self._patched.add(cls)
        recorder = self

        def add_node(original: Any) -> Any:
            def wrapper(emu: Emulation, spec: NodeSpec, *a: Any, **kw: Any) -> Node:
                node = original(emu, spec, *a, **kw)
                try:
                    recorder._firmware[node] = Path(spec.firmware).stem
                    recorder._patch_node(type(node))
                except TypeError:
                    pass  # a node type that cannot be weakly referenced: not measured
                return node

            return wrapper

        def close(original: Any) -> Any:
            def wrapper(emu: Emulation, *a: Any, **kw: Any) -> Any:
                try:
                    nodes = list(emu.nodes.values())
                except Exception:
                    nodes = []
                for node in nodes:
                    recorder.sample(node)
                    # its last sample: not again at the session's end (whether a closed node is still
                    # alive then is up to the garbage collector, which would make the counts vary)
                    recorder._firmware.pop(node, None)
                return original(emu, *a, **kw)

            return wrapper

        self._wrap(cls, "add_node", add_node)
        self._wrap(cls, "close", close)

    def _patch_node(self, cls: type) -> None:
        if cls in self._patched:
            return
        self._patched.add(cls)
        recorder = self

        def before(original: Any) -> Any:
            def wrapper(node: Node, *a: Any, **kw: Any) -> Any:
                recorder.sample(node)
                return original(node, *a, **kw)

            return wrapper

        for klass in cls.__mro__:
            if klass is Node or klass is object:
                break
            # reset/power_cycle of the API, and the builtin backend's internal paths (a reset the
            # firmware asks for, a power cut) where RAM is lost too; absent names are skipped.
            for name in ("reset", "power_cycle", "_warm_reset", "_power_off"):
                self._wrap(klass, name, before)
