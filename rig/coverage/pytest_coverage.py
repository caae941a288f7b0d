"""pytest plugin: `--firmware-coverage DIR` records which firmware code the suite ran.

Every builtin-emulator node of the session records executed code (no test opts in); at the end DIR
gets `<image>.info` (lcov) per firmware build and `summary.md` (per component), and the terminal a
line per image. The renode backend records nothing: a warning says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.coverage.collect import Collector, write_reports
from rig.errors import RigError

_KEY = pytest.StashKey["CoverageSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rig-coverage")
    group.addoption(
        "--firmware-coverage", metavar="DIR", type=Path, default=None,
        help="record the firmware code every builtin node runs; write DIR/<image>.info (lcov) and "
             "DIR/summary.md at the end",
    )


class CoverageSession:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.collector = Collector()
        self.lines: list[str] = []

    def finish(self) -> None:
        try:
            coverages = self.collector.coverages()
            if not coverages:
                self.lines.append(f"no builtin node ran firmware: nothing written to {self.directory}")
                return
            self.lines += write_reports(self.directory, coverages)
        except RigError as exc:
            self.lines.append(f"error: {exc}")
        self.lines += [f"warning: {c}" for c in self.collector.warnings]


def pytest_configure(config: pytest.Config) -> None:
    directory = config.getoption("firmware_coverage", None)
    if directory is None:
        return
    session = CoverageSession(Path(directory))
    session.collector.start()
    config.stash[_KEY] = session
    if config.getoption("emulator", "builtin") == "renode":
        config.issue_config_time_warning(pytest.PytestConfigWarning(
            "--firmware-coverage: coverage is recorded by the builtin emulator only; nodes of the "
            "renode backend record nothing"), stacklevel=2)


def pytest_sessionfinish(session: pytest.Session) -> None:
    cov = session.config.stash.get(_KEY, None)
    if cov is not None:
        cov.collector.stop()
        cov.finish()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    cov = config.stash.get(_KEY, None)
    if cov is None:
        return
    terminalreporter.section("firmware coverage")
    for line in cov.lines:
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    cov = config.stash.get(_KEY, None)
    if cov is not None:
        cov.collector.stop()  # an inner pytester session must not keep recording the outer one's nodes
