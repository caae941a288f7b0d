"""pytest plugins `--firmware-coverage DIR` and `--firmware-profile DIR`: every builtin-emulator node
of the session records (no test opts in); at the end DIR gets the reports of each firmware build
(coverage: `<image>.info` lcov and `summary.md`; profile: `<image>.json`, `.md`, `callgrind.out.<image>`
and `summary.md`) and the terminal a line per image. With both, the lcov tracefiles carry real hit
counts. The renode backend records nothing: a warning says so. Under pytest-xdist the workers' records
are merged by the controller, which writes the same files a serial run does (rig.pytest_workers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rig.coverage.builds import BuildCollector, RunRecord
from rig.pytest_workers import hand_to_controller, is_worker, receive_parts


class FirmwareRecordPlugin:
    def __init__(self, option: str, title: str, what: str, help: str,
                 collector: Callable[[], BuildCollector[Any]]) -> None:
        self.option, self.title, self.what, self.help = option, title, what, help
        self.collector = collector
        self.record: RunRecord | None = None

    def pytest_addoption(self, parser: pytest.Parser) -> None:
        parser.getgroup("rig").addoption(self.option, metavar="DIR", type=Path, default=None, help=self.help)

    def pytest_configure(self, config: pytest.Config) -> None:
        directory = config.getoption(self.option.lstrip("-").replace("-", "_"), None)
        if directory is None:
            return
        self.record = RunRecord(self.collector(), Path(directory))
        receive_parts(config, self.option, self.record.collector.absorb, self.record.collector.warnings.append)
        if config.getoption("emulator", "builtin") == "renode":
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"{self.option}: {self.what} recorded by the builtin emulator only; nodes of the "
                "renode backend record nothing"), stacklevel=2)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.record is None:
            return
        if is_worker(session.config):  # the controller writes the reports of all workers
            self.record.collector.stop()
            hand_to_controller(session.config, self.option, self.record.collector.export())
        else:
            self.record.finish()

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
        if self.record is None:
            return
        terminalreporter.section(self.title)
        for line in self.record.lines:
            terminalreporter.write_line(line)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.record is not None:
            self.record.collector.stop()  # an inner pytester session must not keep recording the outer one's nodes
            self.record = None


def coverage_plugin() -> FirmwareRecordPlugin:
    from rig.coverage.collect import Collector

    return FirmwareRecordPlugin(
        "--firmware-coverage", "firmware coverage", "coverage is",
        "record the firmware code every builtin node runs; write DIR/<image>.info (lcov) and "
        "DIR/summary.md at the end", Collector)


def profile_plugin() -> FirmwareRecordPlugin:
    from rig.profile.collect import Collector

    return FirmwareRecordPlugin(
        "--firmware-profile", "firmware profile", "profiles are",
        "count the instructions (= cycles) every builtin node runs; write DIR/<image>.json, .md and "
        "callgrind.out.<image> per firmware build and DIR/summary.md at the end", Collector)
