"""`rig server`: argument errors are one line; the prompt's commands drive a (fake) device."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from rig.cli import main
from rig.lwm2m.cli import Console, print_event
from rig.lwm2m.fakeclient import free_udp_port, run_scenario
from rig.lwm2m.server import Event, LwM2MServer

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["server", "--port", "-1"], "--port -1 is not a UDP port (0..65535, 0: any free port)"),
        (["server", "--port", "70000"], "is not a UDP port"),
        (["server", "--bootstrap-config", "/nonexistent.toml"], "no such file"),
        (["server", "--models", "/nonexistent-dir"], "--models /nonexistent-dir: no such file or directory"),
        (["server", "--prefix", "fd00::/64"], "--prefix is the bridge's: it needs --uart"),  # was ignored
    ],
)
def test_bad_arguments_give_one_line_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("rig server: error:")


def test_bad_bootstrap_file_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bs.toml"
    bad.write_text("[endpoints.a]\nserver_uri = 5\n")
    assert main(["server", "--bootstrap-config", str(bad), "--port", str(free_udp_port())]) == 2
    err = capsys.readouterr().err
    assert "coap://" in err and err.count("\n") == 1


def test_console_commands_drive_a_device(tmp_path: Path) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        printed: list[str] = []
        console = Console(server, printed.append)
        assert await console.execute("list") == "no registered endpoints"
        client = await make_client("node")
        await client.register()
        listing = await console.execute("list")
        assert listing.startswith("node [::1]:") and "/3303/0" in listing
        assert await console.execute("read node /3/0/0") == "node/3/0/0 = 'lwm2m-rig'"
        assert "6: {0: 1, 1: 5}" in await console.execute("read node /3/0 senml-json")
        readc = await console.execute("readc node /3/0/0 /3303/0/5700")
        assert readc == "node/3/0/0 = 'lwm2m-rig'\nnode/3303/0/5700 = 21.5"
        assert (await console.execute("readc node")).startswith("error: wrong arguments")
        assert await console.execute("write node /3/0/13 99") == "node/3/0/13 written"
        assert client.resources[(3, 0, 13)] == 99
        assert (await console.execute("write node /3311/0/5850 true")).startswith("error: ")  # no instance
        await console.execute("write node /5/0/0 0xdeadbeef")
        assert client.resources[(5, 0, 0)] == b"\xde\xad\xbe\xef"
        assert await console.execute("exec node /3/0/4") == "node/3/0/4 executed"
        assert client.executed == [("/3/0/4", b"")]
        assert "</3/0/6>;dim=2" in await console.execute("discover node /3/0")
        assert await console.execute("observe node /3303/0/5700") == "observing node/3303/0/5700: 21.5"
        client.resources[(3303, 0, 5700)] = 30.0
        client.notify((3303, 0, 5700))
        await asyncio.sleep(0.1)
        assert printed == ["notify node/3303/0/5700 = 30.0"]
        assert await console.execute("cancel node /3303/0/5700") == "cancelled node/3303/0/5700"
        assert not client.observations
        assert (await console.execute("read ghost /3/0/0")).startswith("error: endpoint 'ghost' is not registered")
        assert (await console.execute("read node /3/0/0/0/0")).startswith("error: path")
        assert (await console.execute("write node /3/0/13 notanumber")).startswith("error: plain text")
        assert (await console.execute("read node")).startswith("error: wrong arguments; usage: read EP PATH")
        assert (await console.execute("frobnicate")).startswith("error: unknown command")
        assert "<- node" in await console.execute("trace")
        assert await console.execute(f"trace {tmp_path / 't.json'}") == f"trace saved to {tmp_path / 't.json'}"

    run_scenario(body)


def test_console_attr_create_delete_and_partial_write() -> None:
    # The prompt lacked these (the Python API had them): `attr cli1 /3303/0/5700 pmin=1` was an
    # unknown command.
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        console = Console(server, lambda _line: None)
        client = await make_client("node")
        await client.register()
        for name in ("attr", "create", "delete", "writep"):
            assert f"\n  {name} EP PATH" in await console.execute("help")
        said = await console.execute("attr node /3303/0/5700 pmin=1 pmax=10 gt=25.5 st")
        assert said == "node/3303/0/5700 attributes written: pmin=1 pmax=10 gt=25.5 st"
        assert client.attributes["/3303/0/5700"] == ["pmin=1", "pmax=10", "gt=25.5", "st"]
        assert (await console.execute("attr node /3303/0 bogus=1")).startswith("error: unknown attribute 'bogus'")
        assert (await console.execute("attr node /3303/0 pmin=x")).startswith("error: attribute 'pmin'")
        assert (await console.execute("attr node /3303/0")).startswith("error: wrong arguments; usage: attr EP")
        assert await console.execute("writep node /3/0 13=1234 tlv") == "node/3/0 written (13)"
        assert client.resources[(3, 0, 13)] == 1234
        assert (await console.execute("writep node /3/0 13 tlv")).startswith("error: '13' is not RID=VALUE")
        assert (await console.execute("writep node /3/0")).startswith("error: no RID=VALUE given")
        assert await console.execute("create node /3303 5701=Far 5700=1.5") == "node/3303/1 created"
        assert client.resources[(3303, 1, 5701)] == "Far" and client.resources[(3303, 1, 5700)] == 1.5
        assert await console.execute("create node /3303/7 5701=K") == "node/3303/7 created"
        assert client.resources[(3303, 7, 5701)] == "K"
        assert (await console.execute("create node /3303/0/5700 5701=K")).startswith("error: create needs an object")
        assert await console.execute("delete node /3303/7") == "node/3303/7 deleted"
        assert (3303, 7, 5701) not in client.resources and "/3303/7" in client.deleted
        assert (await console.execute("delete node")).startswith("error: wrong arguments; usage: delete EP PATH")

    run_scenario(body)


def test_rig_server_runs_and_quits_from_a_pipe() -> None:
    port = free_udp_port()
    proc = subprocess.run(
        [sys.executable, "-m", "rig", "server", "--port", str(port)],
        input="list\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"LwM2M server on coap://[::1]:{port}" in proc.stdout and "no registered endpoints" in proc.stdout


def test_a_send_prints_its_values(capsys: pytest.CaptureFixture) -> None:
    print_event(Event("send", "node", 0.0, data={"values": {(3303, 0, 5700): 21.5, (3, 0, 0): "x"}}))
    assert capsys.readouterr().out == "[send] node /3/0/0='x' /3303/0/5700=21.5\n"


def test_server_that_fails_to_start_leaves_no_traceback_from_the_prompt_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import threading

    models = tmp_path / "models"
    models.mkdir()
    (models / "9999.xml").write_text("<LWM2M/>")  # no <Object>: the server fails after the reader started
    release = threading.Event()

    class StdinAtEofLater:  # a pipe whose end comes after the loop closed (was: RuntimeError traceback)
        def __iter__(self):  # type: ignore[no-untyped-def]
            release.wait(10)
            return iter(())

    monkeypatch.setattr(sys, "stdin", StdinAtEofLater())
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: errors.append(hook.exc_value))
    before = set(threading.enumerate())
    assert main(["server", "--models", str(models), "--port", str(free_udp_port())]) == 2
    release.set()
    for thread in set(threading.enumerate()) - before:
        thread.join(10)
    assert errors == []
    assert "no <Object> definition found" in capsys.readouterr().err
