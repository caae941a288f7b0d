"""Suite-level reports under pytest-xdist (`pytest -n N`): each worker process hands its partial result
to the controller through xdist's own channel, and the controller merges the parts and writes the
files once, as a serial run writes them.

A worker puts its part (plain data: dict/list/str/int/bytes/None, what execnet carries) in
`config.workeroutput[key]` at its session end; the controller receives it in `pytest_testnodedown`,
before its own `pytest_sessionfinish` writes the reports. Nothing here imports xdist: the controller
side is registered only when the xdist plugin is loaded, so the plugins work without xdist installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def distributing(config: pytest.Config) -> bool:
    """This process is an xdist controller whose tests run in workers (-n N with N > 0)."""
    if is_worker(config) or not config.pluginmanager.hasplugin("xdist"):
        return False
    return config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None))


def hand_to_controller(config: pytest.Config, key: str, part: Any) -> None:
    """On a worker: send `part` (plain data) to the controller with the session's end."""
    config.workeroutput[key] = part  # type: ignore[attr-defined]  # set by xdist on workers


def receive_parts(config: pytest.Config, key: str, absorb: Callable[[Any], None],
                  lost: Callable[[str], None]) -> None:
    """On an xdist controller, call absorb(part) with each worker's part under `key` when that worker
    finishes, and lost(message) for a worker that went down without one (it crashed: its tests'
    results are missing from the merged report, which must say so). Elsewhere: nothing."""
    if config.pluginmanager.hasplugin("xdist") and not is_worker(config):
        config.pluginmanager.register(_PartReceiver(key, absorb, lost), f"rig-parts-{key}")


class _PartReceiver:
    def __init__(self, key: str, absorb: Callable[[Any], None], lost: Callable[[str], None]) -> None:
        self.key, self.absorb, self.lost = key, absorb, lost

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        part = getattr(node, "workeroutput", {}).get(self.key)
        if part is not None:
            self.absorb(part)
            return
        worker = getattr(getattr(node, "gateway", None), "id", "?")
        last = (str(error).strip().splitlines() or ["?"])[-1] if error else ""
        why = f"crashed ({last})" if error else "sent nothing"
        self.lost(f"xdist worker {worker} {why}: the results of its tests are missing here")
