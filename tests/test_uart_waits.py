"""UART waits of a node beyond expect(): the next line only, lines that must not appear, failing
patterns, and a prompt that has no newline yet; on virtual time."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest

from rig.emu.api import UartLine
from rig.errors import ConfigError, ExpectMismatch, ExpectTimeout
from rig.rig import Rig, RigNode

BANNER = r"^lwm2m-client 1\.0\.0 eui64="


def test_wait_for_line_gives_the_line_and_its_virtual_time(rig: Rig, node: RigNode) -> None:
    got = node.wait_for_line(r"lwm2m: registered (/rd/\w+)", timeout=10)
    assert got.line.startswith("lwm2m: registered /rd/") and got.match.group(1) == got.line[18:]
    assert got.time > 0 and node.raw.uart.lines[node._cursor - 1].time == got.time


def test_next_line_must_match_or_the_wait_fails_at_once(rig: Rig, node: RigNode) -> None:
    banner = node.expect(BANNER, timeout=1).string
    following = node.wait_for_line("", timeout=1, next_line=True).line
    texts = [line.text for line in node.raw.uart.lines]
    assert texts[texts.index(banner) + 1] == following
    at = rig.now
    with pytest.raises(ExpectMismatch, match=r"the next UART line '.*' does not match 'no such line'"):
        node.wait_for_line("no such line", timeout=10, next_line=True)
    assert rig.now - at < 1  # failed on the line, not after the timeout


def test_expect_none_lets_time_pass_and_fails_on_a_line_that_appears(rig: Rig, node: RigNode) -> None:
    node.expect(r"lwm2m: registered", timeout=10)
    at = rig.now
    node.expect_none(r"lwm2m: (registered|updated)", timeout=5)
    assert rig.now - at == pytest.approx(5, abs=0.002)
    node.write("update\n")  # the console asks the client for a registration update
    with pytest.raises(ExpectMismatch, match=r"UART line 'lwm2m: updated /rd/\w+' at [\d.]+ s matches 'updated'"):
        node.expect_none("updated", timeout=5)
    assert rig.now - at < 10  # stopped at the line
    assert node.expect("updated", timeout=0).string.startswith("lwm2m: updated")  # nothing was consumed


def test_a_failing_pattern_fails_any_wait_that_comes_across_it(rig: Rig, node: RigNode) -> None:
    node.expect(r"lwm2m: registered", timeout=10)
    node.fail_on(r"unknown command")
    node.write("bogus\nupdate\n")
    failing = r"UART line \"lwm2m: unknown command 'bogus'.*\" matches the failing pattern 'unknown command'"
    with pytest.raises(ExpectMismatch, match=failing):
        node.expect(r"lwm2m: updated", timeout=10)
    with pytest.raises(ConfigError, match=r"fail_on: bad regular expression '\('"):
        node.fail_on("(")


def test_a_failed_wait_consumes_nothing_and_shows_what_the_node_printed(rig: Rig, node: RigNode) -> None:
    """As Renode's terminal tester: an optional line that did not come leaves the lines for the next
    wait, and the failure shows the lines it looked at."""
    with pytest.raises(ExpectTimeout) as failed:
        node.expect(r"bootstrap", timeout=3)
    message = str(failed.value)
    assert "no UART line matching 'bootstrap' within 3 s (virtual time now 3.0" in message
    assert "UART lines since the previous match:\n  [" in message and "] lwm2m: registered /rd/" in message
    assert node.expect(r"lwm2m: registered", timeout=0).string.startswith("lwm2m: registered")
    with pytest.raises(ExpectTimeout, match=r"no UART output since the previous match"):
        node.expect(r"bootstrap", timeout=1)
    with pytest.raises(ExpectTimeout, match=r"^node\w*: no UART line within 1 s"):
        node.wait_for_line("", timeout=1, next_line=True)


def test_a_failed_wait_shows_only_the_last_ten_lines(node: RigNode) -> None:
    node.expect(r"lwm2m: registered", timeout=10)
    for i in range(12):
        node.write(f"x{i}\n")
    with pytest.raises(ExpectTimeout, match=r"the last 10 of \d+ UART lines") as failed:
        node.expect("never", timeout=2)
    assert "'x11'" in str(failed.value) and "'x0'" not in str(failed.value)


def test_expect_none_refuses_a_bad_timeout_and_pattern(node: RigNode) -> None:
    with pytest.raises(ConfigError, match="expect_none timeout"):
        node.expect_none("x", timeout=float("nan"))
    with pytest.raises(ConfigError, match="expect_none: bad regular expression"):
        node.expect_none("[", timeout=1)


class _StubUart:
    def __init__(self) -> None:
        self.lines: list[UartLine] = []
        self.tail = ""

    def unfinished_line(self) -> str:
        return self.tail


class _StubRig:
    """Its clock steps through a script, one UART change per step, across waits."""

    def __init__(self, uart: _StubUart, script: list[Callable[[_StubUart], None]]) -> None:
        self.uart, self.steps, self.now = uart, iter(script), 0.0

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        while not predicate():
            step = next(self.steps, None)
            if step is None:
                return False
            step(self.uart)
            self.now += 0.5
        return True


def _stub_node(script: list[Callable[[_StubUart], None]]) -> RigNode:
    uart = _StubUart()
    raw = SimpleNamespace(uart=uart, fault=None, stopped_for_good=False, name="stub")
    return RigNode(cast(Any, _StubRig(uart, script)), cast(Any, raw), cast(Any, None))


def test_a_prompt_without_its_newline_matches_only_when_asked_and_is_consumed() -> None:
    def prompt(u: _StubUart) -> None:
        u.tail = "login: "

    def complete(u: _StubUart) -> None:
        u.lines.append(UartLine(1.0, "login: "))
        u.tail = ""
        u.lines.append(UartLine(1.0, "after"))

    with pytest.raises(ExpectTimeout, match=r"0 UART lines since the previous match:\n  \(unfinished\) 'login: '$"):
        _stub_node([prompt]).wait_for_line("login:", timeout=1)
    node = _stub_node([prompt, complete])
    got = node.wait_for_line("login:", timeout=1, unfinished=True)
    assert (got.line, got.time) == ("login: ", 0.5)
    assert node.wait_for_line("", timeout=1, next_line=True).line == "after"  # the prompt's own line skipped


def test_the_client_console_takes_lines_typed_ahead_and_names_what_it_cannot(rig: Rig, node: RigNode) -> None:
    """Lines written in one go are all run; a line too long for any command and input beyond the
    console's queue are reported on the UART, not silently cut into other commands."""
    node.expect(r"lwm2m: registered", timeout=10)
    node.write("a1\nb22\nc333\n")
    for name in ("a1", "b22", "c333"):
        node.wait_for_line(f"lwm2m: unknown command '{name}'", timeout=1, next_line=True)
    node.write("deregister-and-more\nupdate\n")
    node.wait_for_line(r"^lwm2m: console line too long$", timeout=1, next_line=True)
    node.wait_for_line(r"^lwm2m: updated", timeout=10)
    node.write("x" * 40 + "\n")  # longer than the queue too: the process drains it as the bytes come
    node.wait_for_line(r"^lwm2m: console line too long$", timeout=1, next_line=True)


def test_after_a_wait_the_virtual_clock_is_not_before_the_line_that_ended_it(rig: Rig, node: RigNode) -> None:
    got = node.wait_for_line(r"lwm2m: registered", timeout=10)
    assert rig.now >= got.time
