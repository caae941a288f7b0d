"""pytest plugin: `--firmware-profile DIR` profiles the firmware every builtin node of the session runs.

Execution counts are added per firmware build over every node and test; at the end DIR gets
`<image>.json`, `<image>.md` and `callgrind.out.<image>` per build and `summary.md`, and the terminal
a line per image. With --firmware-coverage as well, the lcov tracefiles carry real hit counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.errors import RigError
from rig.profile.collect import Collector, write_reports

_KEY = pytest.StashKey["ProfileSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rig-profile")
    group.addoption(
        "--firmware-profile", metavar="DIR", type=Path, default=None,
        help="count the instructions (= cycles) every builtin node runs; write DIR/<image>.json, "
             ".md and callgrind.out.<image> per firmware build and DIR/summary.md at the end",
    )


class ProfileSession:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.collector = Collector()
        self.lines: list[str] = []

    def finish(self) -> None:
        try:
            profiles = self.collector.profiles()
            if not profiles:
                self.lines.append(f"no builtin node ran firmware: nothing written to {self.directory}")
            else:
                self.lines += write_reports(self.directory, profiles)
        except RigError as exc:
            self.lines.append(f"error: {exc}")
        self.lines += [f"warning: {w}" for w in self.collector.warnings]


def pytest_configure(config: pytest.Config) -> None:
    directory = config.getoption("firmware_profile", None)
    if directory is None:
        return
    session = ProfileSession(Path(directory))
    session.collector.start()
    config.stash[_KEY] = session
    if config.getoption("emulator", "builtin") == "renode":
        config.issue_config_time_warning(pytest.PytestConfigWarning(
            "--firmware-profile: profiles are recorded by the builtin emulator only; nodes of the "
            "renode backend record nothing"), stacklevel=2)


def pytest_sessionfinish(session: pytest.Session) -> None:
    prof = session.config.stash.get(_KEY, None)
    if prof is not None:
        prof.collector.stop()
        prof.finish()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    prof = config.stash.get(_KEY, None)
    if prof is None:
        return
    terminalreporter.section("firmware profile")
    for line in prof.lines:
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    prof = config.stash.get(_KEY, None)
    if prof is not None:
        prof.collector.stop()  # an inner pytester session must not keep recording the outer one's nodes
