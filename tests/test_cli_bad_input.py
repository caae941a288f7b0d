"""Bad input on every command line and config file: one line naming what was wrong, never a traceback or
a hang. Each case here is a regression test for a hole found by auditing the commands."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rig.cli import main
from rig.emu.builtin.elf import MAX_ELF_BYTES, load_firmware
from rig.errors import ConfigError, FirmwareError, RigError
from rig.lwm2m.bootstrap import BootstrapConfig
from rig.lwm2m.cli import Console
from rig.lwm2m.fakeclient import free_udp_port, run_scenario
from rig.lwm2m.model import ObjectRegistry
from rig.lwm2m.server import LwM2MServer
from rig.lwm2m.trace import Trace
from rig.net import slip
from rig.net.__main__ import main as net_main
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.pcap import PcapWriter
from rig.net.transport import SerialTransport, TcpTransport
from rig.topology import Topology

URI = "coap://[fd00::1]:5683"


def _one_line(code: int, err: str, prefix: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(prefix), err
    return lines[0]


def _rig_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    return _one_line(code, capsys.readouterr().err, f"rig {argv[0]}: error: ")


def _finishes(fn: Callable[[], Any], seconds: float = 30.0) -> Any:
    """fn() in a thread: a regression that blocks (a FIFO opened for reading) fails instead of hanging."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn} still running after {seconds} s (blocked on its input?)"
    return result[0] if result else None


# --- rig boot: firmware that is not a regular file ---------------------------------------------------------


def test_boot_refuses_a_fifo_instead_of_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "fw.elf"
    os.mkfifo(fifo)
    line = _finishes(lambda: _rig_error(["boot", str(fifo)], capsys))
    assert "not a regular file" in line


def test_boot_refuses_a_device_instead_of_reading_forever(capsys: pytest.CaptureFixture[str]) -> None:
    line = _finishes(lambda: _rig_error(["boot", "/dev/zero"], capsys))
    assert "/dev/zero: not a regular file" in line


def test_firmware_larger_than_any_elf_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.elf"
    with open(huge, "wb") as f:
        f.truncate(MAX_ELF_BYTES + 1)  # sparse: no disk used
    with pytest.raises(FirmwareError, match="too large"):
        load_firmware(huge)


# --- rig server: files checked before the server starts -----------------------------------------------------


def test_server_bootstrap_config_that_is_a_directory_says_so(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    line = _rig_error(["server", "--bootstrap-config", str(tmp_path), "--no-prompt"], capsys)
    assert "not a regular file" in line


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_server_bootstrap_config_not_utf8(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / f"bs{suffix}"
    bad.write_bytes(b'{"default": \xff\xfe}')
    line = _rig_error(["server", "--bootstrap-config", str(bad), "--no-prompt"], capsys)
    assert "not UTF-8 text" in line and str(bad) in line


@pytest.mark.parametrize(("where", "message"), [("dir", "is a directory"), ("missing", "does not exist")])
def test_server_trace_path_checked_up_front(tmp_path: Path, where: str, message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # Before the fix the path was only tried on exit: a traceback, and the session's trace was lost.
    path = tmp_path if where == "dir" else tmp_path / "no" / "trace.json"
    line = _rig_error(["server", "--trace", str(path), "--port", str(free_udp_port()), "--no-prompt"], capsys)
    assert f"--trace {path}: " in line and message in line


@pytest.mark.parametrize(("prefix", "message"), [("zzz", "not an IPv6 prefix"), ("10.0.0.0/8", "not an IPv6"),
                                                 ("fd00::/48", "must be a /64"), ("ff05::/64", "is multicast")])
def test_server_uart_prefix_checked_before_connecting(prefix: str, message: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 on loopback refuses connections: the prefix error must come first.
    line = _rig_error(["server", "--uart", "tcp:127.0.0.1:1", "--prefix", prefix, "--no-prompt"], capsys)
    assert message in line


def test_console_trace_to_a_bad_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    async def body(server: LwM2MServer, make_client: Callable[..., Any]) -> None:
        console = Console(server, lambda _: None)
        out = await console.execute(f"trace {tmp_path / 'no' / 'x.json'}")
        assert out.startswith("error: cannot save the trace to ") and "No such file" in out
        assert (await console.execute(f"trace {tmp_path}")).startswith("error: cannot save the trace")
        assert await console.execute("list") == "no registered endpoints"  # the prompt lives on

    run_scenario(body)


def test_trace_save_failure_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot save the trace"):
        Trace(lambda: 0.0, lambda _: None).save(tmp_path)


# --- bootstrap configuration: every setting typed and in range -----------------------------------------------


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"lifetime": 2**70}, "lifetime must be an integer in 0..4294967295"),
        ({"lifetime": True}, "lifetime must be an integer"),
        ({"short_server_id": 0}, "short_server_id must be an integer in 1..65534"),
        ({"short_server_id": 65535}, "short_server_id"),
        ({"server_instance": 70000}, "server_instance"),
        ({"security_mode": True}, "security_mode must be 0..4"),
        ({"server_uri": "coap://"}, "names no host"),
        ({"server_uri": "coap://[::1]:99999"}, "server_uri"),
        ({"binding": 5}, "binding must be a str"),
        ({"binding": "XYZ"}, "binding 'XYZ' must be letters of"),
        ({"binding": ""}, "binding"),
        ({"psk_key": 5}, "psk_key must be a str"),  # was: TypeError from bytes.fromhex
        ({"psk_identity": 7}, "psk_identity must be a str"),
        ({"delete_all": "no"}, "delete_all must be a bool"),
        ({"format": []}, "format must be a name or a number"),  # was: AttributeError
        ({"format": "link"}, "cannot carry the bootstrap writes"),
        ({"format": 3}, "cannot carry the bootstrap writes"),
        ({"security_mode": "psk"}, "security_mode psk needs psk_identity and psk_key"),  # was: empty key provisioned
        ({"security_mode": 0, "psk_identity": "me"}, "needs psk_identity and psk_key"),
    ],
)
def test_bootstrap_setting_of_wrong_type_or_range(setting: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BootstrapConfig.from_dict({"default": {"server_uri": URI, **setting}})


@pytest.mark.parametrize(("name", "kind"), [("bs.conf", "JSON"), ("bs.TOML", "TOML")])
def test_bootstrap_file_error_names_the_syntax_it_was_read_as(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_text("server_uri = \n")
    with pytest.raises(ConfigError, match=f"not valid {kind}:"):  # was "not valid conf", and .TOML read as JSON
        BootstrapConfig.load(path)


def test_good_bootstrap_settings_still_load() -> None:
    config = BootstrapConfig.from_dict({"default": {
        "server_uri": "coaps://example.org:5684", "lifetime": 4294967295, "short_server_id": 65534,
        "binding": "UQ", "format": 11542, "psk_key": "00ff", "delete_all": False}})
    assert config.default is not None and config.default.lifetime == 4294967295


# --- the bridge: settings, and a border node that goes away --------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (BridgeConfig(prefix="zzz"), "not an IPv6 prefix"),
        (BridgeConfig(prefix="::/0"), "must be a /64"),
        (BridgeConfig(channel=99), "channel 99 is not a 2.4 GHz"),
        (BridgeConfig(channel=-1), "channel -1"),
        (BridgeConfig(pan_id=0x10000), "PAN ID 0x10000 out of range"),
        (BridgeConfig(pan_id=-1), "PAN ID"),
    ],
)
def test_bridge_settings_are_checked(config: BridgeConfig, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config.check()


def test_pcap_that_cannot_be_written_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write the pcap"):
        PcapWriter(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(ConfigError, match="cannot write the pcap"):
        PcapWriter(blocker / "x.pcap")


def _listener() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    return listener


def test_tcp_peer_closing_marks_the_transport_lost_and_writes_are_dropped() -> None:
    listener = _listener()
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    peer, _ = listener.accept()
    try:
        peer.close()
        got: list[bytes] = []
        transport.start(got.append)
        _finishes(lambda: [transport.poll() for _ in range(3)])
        assert transport.lost is not None and "closed the connection" in transport.lost
        transport.write(b"after the peer left")  # was: BrokenPipeError out of the event loop
        assert got == []
    finally:
        transport.close()
        listener.close()


def test_bridge_stops_watching_a_closed_uart_and_says_why() -> None:
    # Before: the EOF stayed readable, the loop called poll() at 100% CPU, and the next '?M' raised
    # BrokenPipeError (rig server --uart against a Renode that quit).
    listener = _listener()
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    peer, _ = listener.accept()
    lost: list[str] = []
    calls = 0
    poll = transport.poll

    def counting_poll() -> int:
        nonlocal calls
        calls += 1
        return poll()

    transport.poll = counting_poll  # type: ignore[method-assign]

    async def session() -> None:
        bridge = Bridge(transport, asyncio.get_running_loop().time)
        bridge.on_transport_lost = lost.append
        bridge.attach_loop(asyncio.get_running_loop())
        try:
            peer.close()
            for _ in range(50):
                await asyncio.sleep(0.01)
                if lost:
                    break
            await asyncio.sleep(0.1)  # a spinning reader would be called thousands of times here
        finally:
            bridge.close()

    try:
        asyncio.run(session())
    finally:
        listener.close()
    assert len(lost) == 1 and "127.0.0.1" in lost[0]
    assert calls <= 3


def test_serial_dongle_unplugged_marks_the_transport_lost() -> None:
    master, slave = os.openpty()
    transport = SerialTransport(os.ttyname(slave))
    try:
        transport.start(lambda _: None)
        os.close(master)  # the far end hangs up: reads now fail with EIO
        assert transport.poll() == 0
        assert transport.lost is not None and "is gone" in transport.lost
        transport.write(b"x")  # dropped, no exception
    finally:
        transport.close()
        os.close(slave)


# --- python -m rig.net -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prefix", "zzz"], "not an IPv6 prefix"),
        (["--channel", "99"], "channel 99"),
        (["--channel", "-1"], "channel -1"),  # was: ValueError traceback after connecting
        (["--pan-id", "0x10000"], "PAN ID"),  # was: OverflowError traceback
        (["--expose", "garbage"], "--expose 'garbage': expected [IPV6-ADDRESS]:PORT"),  # was: ValueError
        (["--expose", "[fd00::1]:99999"], "port must be 1..65535"),
        (["--baud", "-5"], "--baud -5"),
    ],
)
def test_net_bad_arguments_before_connecting(args: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = net_main(["--tcp", "127.0.0.1:1", *args])
    line = _one_line(code, capsys.readouterr().err, "error: ")
    assert message in line


def _fake_border(listener: socket.socket, then: str) -> threading.Thread:
    """Answers the bridge's '?M' with an EUI-64, then closes (`then` == "close")."""

    def serve() -> None:
        conn, _ = listener.accept()
        decoder = slip.SlipDecoder()
        with conn:
            conn.settimeout(10)
            while True:
                frames = decoder.feed(conn.recv(256))
                if b"?M" in frames:
                    conn.sendall(slip.encode(b"!M" + bytes.fromhex("00124b00000000ff")))
                    break
            if then == "close":
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_net_exits_with_one_line_when_the_border_node_goes_away(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    listener = _listener()
    border = _fake_border(listener, "close")
    try:
        code = _finishes(lambda: net_main(["--tcp", f"127.0.0.1:{listener.getsockname()[1]}"]), 60)
    finally:
        listener.close()
    border.join(10)
    captured = capsys.readouterr()
    assert "border radio 00:12:4b:00:00:00:00:ff ready" in captured.out
    lines = captured.err.strip().splitlines()
    assert code == 2 and "Traceback" not in captured.err
    assert any(line.startswith("error: the border node's UART at 127.0.0.1:") for line in lines), captured.err


def test_net_unwritable_pcap_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listener = _listener()
    try:
        code = net_main(["--tcp", f"127.0.0.1:{listener.getsockname()[1]}", "--pcap", str(tmp_path)])
    finally:
        listener.close()
    assert "cannot write the pcap" in _one_line(code, capsys.readouterr().err, "error: ")


# --- topology files ---------------------------------------------------------------------------------------------


def test_topology_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b"[network]\nprefix = '\xe4\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        Topology.load(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"node": [{"position": [float("nan"), 0, 0]}]}, "each finite"),
        ({"node": [{"position": [0, float("inf"), 0]}]}, "each finite"),
        # node 'b' has no eui64 and gets the default of node #2 ...:02, which 'a' claims explicitly
        ({"node": [{"name": "a", "eui64": "00:12:4b:00:00:00:00:02"}, {"name": "b"}]},
         "nodes 'a' and 'b' share an EUI-64, 00:12:4b:00:00:00:00:02"),
        ({"border": {"firmware": 3}}, r"\[border\]: firmware has the wrong type"),
        ({"server": {"lifetime": 2**40}}, "at most 4294967295"),
    ],
)
def test_topology_mistakes(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Topology.from_dict(data)


def test_errors_are_rig_errors() -> None:
    # The CLI turns RigError into one line; everything above must stay inside that hierarchy.
    assert issubclass(ConfigError, RigError) and issubclass(FirmwareError, RigError)


def test_boot_timeout_beyond_the_firmware_clock_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Was accepted: `--timeout 1e300` ran "forever" (hours of wall time per virtual year).
    line = _rig_error(["boot", "/nonexistent.elf", "--timeout", "1e300"], capsys)
    assert "--timeout 1e+300 is longer than the firmware's clock can count" in line


def test_server_host_nothing_can_bind_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Was: aiocoap's ResolutionError as a 50-line traceback.
    line = _rig_error(["server", "--host", "", "--port", str(free_udp_port()), "--no-prompt"], capsys)
    assert "cannot listen on" in line


def test_boot_takes_renode_path_and_says_it_needs_the_renode_backend(capsys: pytest.CaptureFixture[str]) -> None:
    # The "Renode not found" message tells people to pass --renode PATH: `rig boot` must accept it.
    assert "needs --emulator renode" in _rig_error(["boot", "/nonexistent.elf", "--renode", "/nope"], capsys)
    line = _rig_error(["boot", "/nonexistent.elf", "--emulator", "renode", "--renode", "/nonexistent-renode"], capsys)
    assert "Renode not found at /nonexistent-renode" in line


def test_server_bootstrap_config_fifo_is_refused_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "bs.json"
    os.mkfifo(fifo)
    line = _finishes(lambda: _rig_error(["server", "--bootstrap-config", str(fifo), "--no-prompt"], capsys))
    assert "not a regular file" in line  # was "no such file": it exists


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_models_entry_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    # A FIFO named *.xml blocked the server's start forever; a directory named *.xml was a traceback.
    entry = tmp_path / "x.xml"
    os.mkfifo(entry) if kind == "fifo" else entry.mkdir()

    def load() -> str:
        try:
            ObjectRegistry([tmp_path])
        except ConfigError as exc:
            return str(exc)
        return "loaded"

    assert _finishes(load) == f"object model {entry}: not a regular file"


def test_server_models_entry_that_is_a_directory_is_one_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.xml").mkdir()
    line = _rig_error(["server", "--models", str(tmp_path), "--port", str(free_udp_port()), "--no-prompt"], capsys)
    assert "not a regular file" in line


def test_sigterm_stops_the_renode_child_instead_of_orphaning_it(tmp_path: Path) -> None:
    # A CI timeout sends SIGTERM: Python used to die at once, leaving Renode (its own session) running.
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "renode.pid"
    fake = tmp_path / "renode"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")  # never opens its monitor
    fake.chmod(0o755)
    elf = Path(__file__).resolve().parents[1] / "firmware-c" / "build" / "cc2538" / "hello.elf"
    rig = subprocess.Popen([sys.executable, "-m", "rig", "boot", str(elf), "--emulator", "renode",
                            "--renode", str(fake)], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # a real process on the wall clock: wait for it to start the fake Renode
            if pid_file.exists() and pid_file.read_text().strip():
                break
            time.sleep(0.05)
        renode_pid = int(pid_file.read_text())
        rig.send_signal(signal.SIGTERM)
        assert rig.wait(60) == 128 + signal.SIGTERM
    finally:
        rig.kill()
        rig.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(renode_pid, 0)


# --- rig footprint ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_footprint_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # Both blocked forever: a FIFO waited for a writer, /dev/zero was read until memory ran out.
    path = tmp_path / "fw.elf"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    line = _finishes(lambda: _rig_error(["footprint", str(path)], capsys))
    assert f"{path}: not a regular file" in line


@pytest.mark.parametrize("option", ["--components", "--budget", "--stack", "--map"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_footprint_input_files_that_are_not_regular_files(tmp_path: Path, option: str, kind: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    elf = Path(__file__).resolve().parents[1] / "firmware-c" / "build" / "cc2538" / "hello.elf"
    path = tmp_path / "input.toml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    line = _finishes(lambda: _rig_error(["footprint", str(elf), option, str(path)], capsys))
    assert str(path) in line and ("not a regular file" in line or "not found" in line)


def test_footprint_negative_growth_floor_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = _rig_error(["footprint", "/nonexistent.elf", "--growth-floor", "-1"], capsys)  # was: exit 0
    assert "--growth-floor -1" in line


# --- rig fota -------------------------------------------------------------------------------------------------------


@pytest.fixture
def some_package(tmp_path: Path) -> Path:
    from rig.fota.image import build_package

    path = tmp_path / "fw.img"
    path.write_bytes(build_package(b"\x00" * 64, "2.0.0"))
    return path


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_fota_refuses_a_package_that_is_not_a_regular_file(tmp_path: Path, kind: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fw.img"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    line = _finishes(lambda: _rig_error(["fota", str(path), "--emulate", "1"], capsys))
    assert f"{path}: not a regular file" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--emulate", "1000000000"], "--emulate 1000000000: must be 1..64"),  # was: built a topology for hours
        (["--emulate", "0"], "--emulate 0"),
        (["--devices", "1", "--port", "99999"], "--port 99999 is not a UDP port"),  # was: OverflowError
        (["--devices", "1", "--port", "-1"], "--port -1"),
        (["--devices", "0"], "--devices 0: must be at least 1"),  # was: exit 0, nothing updated
        (["--wait", "nan"], "--wait nan"),
        (["--wait", "inf"], "--wait inf"),
        (["--wait", "-1"], "--wait -1"),
        (["--wait", "0"], "--wait 0"),
    ],
)
def test_fota_bad_numbers_are_refused_before_starting(some_package: Path, args: list[str], message: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    line = _finishes(lambda: _rig_error(["fota", str(some_package), "--quiet", *args], capsys))
    assert message in line


@pytest.mark.parametrize(
    ("args", "message"),
    [  # each was accepted and silently ignored
        (["--emulate", "1", "--uart", "tcp:127.0.0.1:4444"], "--uart is for real devices"),
        (["--emulate", "1", "--host", "::1"], "--host is for real devices"),
        (["--emulate", "1", "--port", "5684"], "--port is for real devices"),
        (["--devices", "1", "--firmware", "x.elf"], "--firmware is the image emulated nodes boot"),
    ],
)
def test_fota_option_for_the_other_kind_of_device_is_refused(some_package: Path, args: list[str], message: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    line = _finishes(lambda: _rig_error(["fota", str(some_package), "--quiet", *args], capsys))
    assert message in line


def test_fota_port_0_prints_the_port_really_bound(some_package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No device comes: the wait runs out; what matters is the announced address (was "[::1]:0").
    code = _finishes(lambda: main(["fota", str(some_package), "--port", "0", "--wait", "0.2", "--quiet"]))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    announced = [line for line in err.splitlines() if line.startswith("rig fota: server on [::1]:")]
    assert len(announced) == 1, err
    port = int(announced[0].split("]:")[1].split(",")[0])
    assert 0 < port < 65536


# --- python -m rig.fota.image -------------------------------------------------------------------------------------


def _image_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from rig.fota import image

    code = _finishes(lambda: image.main(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out, captured.err


def _image_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, _out, err = _image_main(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err  # 1 is "rejected"
    return lines[0]


@pytest.mark.parametrize("kind", ["corrupt", "truncated", "oversized", "wrong-type"])
def test_image_inspect_of_a_rejected_package_fails(tmp_path: Path, kind: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from rig.fota.image import build_package, make_bad

    path = tmp_path / "bad.img"
    path.write_bytes(make_bad(kind, build_package(bytes(range(256)) * 4, "2.0.0")))
    code, out, _err = _image_main(["inspect", str(path)], capsys)
    assert code == 1 and "REJECTED" in out  # was: exit 0, so scripts could not tell
    good = tmp_path / "good.img"
    vectors = (0x20008000).to_bytes(4, "little") + (0x00202400 + 9).to_bytes(4, "little")  # a startable body
    good.write_bytes(build_package(vectors + bytes(range(256)) * 4, "2.0.0"))
    code, out, _err = _image_main(["inspect", str(good)], capsys)
    assert code == 0 and out.rstrip().endswith("OK")


@pytest.mark.parametrize("cmd", ["inspect", "seal", "bad"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_image_commands_refuse_what_is_not_a_regular_file(tmp_path: Path, cmd: str, kind: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    argv = {"inspect": ["inspect", str(path)],
            "seal": ["seal", str(path), str(tmp_path / "x.img"), "--version", "2.0.0"],
            "bad": ["bad", "corrupt", str(path), str(tmp_path / "x.img")]}[cmd]
    assert f"error: {path}: not a regular file" in _image_error(argv, capsys)


@pytest.mark.parametrize("version", ["banana", "", " 2.0", "2.0 beta", "2.0\n", "1." + "0" * 31, "2.0.0\u00e9"])
def test_image_seal_refuses_what_is_not_a_version(tmp_path: Path, version: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # Checked before the ELF is read: the ELF here does not even exist.
    line = _image_error(["seal", str(tmp_path / "app.elf"), str(tmp_path / "x.img"), "--version", version], capsys)
    assert line.startswith(f"error: --version {version!r}: ")


@pytest.mark.parametrize("version", ["2.0.0", "1.0.0", "2.0.0-noconfirm", "v3", "1", "1.2.3+build.7",
                                     "1." + "0" * 30])
def test_image_versions_the_build_uses_are_accepted(version: str) -> None:
    from rig.fota.image import check_version

    check_version(version)  # no exception


def test_image_file_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.img"
    # was "error: [Errno 2] No such file or directory: '...'"
    assert _image_error(["inspect", str(missing)], capsys) == f"error: cannot read {missing}: no such file"
    good = tmp_path / "good.img"
    from rig.fota.image import build_package

    good.write_bytes(build_package(b"\x00" * 64, "2.0.0"))
    out = tmp_path / "no" / "bad.img"
    assert _image_error(["bad", "corrupt", str(good), str(out)], capsys) == f"error: {out}: cannot write: " \
        "No such file or directory"


# --- python -m rig.bench --------------------------------------------------------------------------------------------


def _bench_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    from rig.bench.__main__ import main as bench_main

    code = _finishes(lambda: bench_main(argv))
    return _one_line(code, capsys.readouterr().err, "python -m rig.bench: error: ")


def test_bench_unknown_module_lists_the_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _bench_error(["--only", "nosuch", "--output", str(tmp_path / "r.json")], capsys)  # was: ran nothing
    assert "--only nosuch: no such benchmark module (known: " in line and "fota" in line
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("where", ["dir", "inside-a-file"])
def test_bench_output_that_cannot_be_written_is_one_line(tmp_path: Path, where: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    output = tmp_path if where == "dir" else blocker / "r.json"
    line = _bench_error(["--only", "fota", "--output", str(output)], capsys)
    assert f"--output {output}: " in line


def test_bench_ignores_a_suite_time_that_is_not_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import types

    import rig.bench.__main__ as bench

    fake = types.SimpleNamespace(run=lambda ctx: {"fake_figure": 1.0})  # no real benchmark: seconds, not minutes
    monkeypatch.setattr(bench.importlib, "import_module", lambda name: fake)
    (tmp_path / "test_suite_wall_s.txt").write_text("12.5s\n")
    code = _finishes(lambda: bench.main(["--only", "fota", "--output", str(tmp_path / "r.json")]))
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err
    assert "warning: ignoring" in err and "test_suite_wall_s.txt" in err
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert results == {"fake_figure": 1.0}
