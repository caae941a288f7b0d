"""The Rig's lifecycle: an interrupted run leaves nothing running after stop(), a stopped server is a
RigError, wait_for_registration stops at a node's fault and names the node, artifacts are this rig's."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
from pathlib import Path

import pytest

from rig.errors import ConfigError, EmulationError, RigError
from rig.fota.testing import fota_images
from rig.lwm2m.aiocoap_adapter import EndpointStopped
from rig.lwm2m.errors import DeviceTimeout
from rig.lwm2m.fota import update_fleet
from rig.rig import Rig, RigArtifacts, readable_bytes
from rig.topology import Topology

UDP_ECHO = {"node": [{"name": "n1", "firmware": "udp-echo"}]}


def test_an_interrupted_run_leaves_no_task_behind_stop(caplog: pytest.LogCaptureFixture) -> None:
    """Ctrl-C (or a pytest-timeout) in the middle of rig.run(): stop() cancels what it left, so nothing
    fails against the stopped server later ("Task exception was never retrieved")."""
    the_rig = Rig(Topology.from_dict(UDP_ECHO)).start()
    after_stop: list[str] = []

    async def one_device() -> None:
        try:
            await asyncio.sleep(5)
        finally:
            after_stop.append("ran on") if the_rig.loop is None or the_rig.loop.is_closed() else None

    async def fleet() -> None:
        await asyncio.gather(one_device(), one_device())

    def interrupt() -> None:
        raise KeyboardInterrupt

    try:
        assert the_rig.loop is not None
        the_rig.loop.call_later(1.0, interrupt)
        with pytest.raises(KeyboardInterrupt):
            the_rig.run(fleet())
    finally:
        the_rig.stop()
    assert the_rig.loop is not None
    assert asyncio.all_tasks(the_rig.loop) == set()  # the old stop() left both devices' tasks pending
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text
    assert after_stop == []


def test_a_fleet_update_interrupted_stops_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """`rig fota --emulate N` or a test interrupted mid-download (Ctrl-C, SIGTERM, a pytest-timeout):
    the devices' requests used to run on against the stopped server and log, at the next GC,
    "Task exception was never retrieved ... DeviceTimeout ... AssertionError: endpoint not started"."""
    fota = fota_images()
    elf = str(fota / "lwm2m-client-fota-factory.elf")
    image = (fota / "lwm2m-client-fota-2.0.0.img").read_bytes()
    topology = Topology.from_dict({"node": [{"name": f"n{i}", "firmware": elf} for i in range(2)]})

    def interrupt() -> None:
        raise KeyboardInterrupt

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        with Rig(topology) as the_rig:
            devices = [the_rig.wait_for_registration(name).device for name in the_rig.nodes]
            assert the_rig.loop is not None
            the_rig.loop.call_later(0.5, interrupt)  # in the middle of the download
            with pytest.raises(KeyboardInterrupt):
                the_rig.run(update_fleet(devices, image, 2, "push", 256, None))
        gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text


def test_a_request_on_a_stopped_server_is_a_rig_error() -> None:
    with Rig(Topology.from_dict(UDP_ECHO)) as the_rig:
        server = the_rig.server
    with pytest.raises(EndpointStopped, match="not running") as info:  # was a bare AssertionError
        asyncio.run(server.coap.request(None, "GET", ("3", "0")))
    assert isinstance(info.value, RigError)


def test_wait_for_registration_stops_at_a_fault() -> None:
    topology = Topology.from_dict({"node": [{"name": "crashy", "firmware": "fault-test"}]})
    with Rig(topology) as the_rig:
        with pytest.raises(EmulationError, match=r"^crashy stopped: ") as info:
            the_rig.wait_for_registration(timeout=30)
        assert the_rig.now < 5  # not the whole timeout
    assert "no registered event" not in str(info.value)


def test_wait_for_registration_timeout_names_the_node_and_its_last_lines() -> None:
    topology = Topology.from_dict({"node": [{"name": "mute", "firmware": "hello"}]})
    with Rig(topology) as the_rig:
        with pytest.raises(DeviceTimeout) as info:
            the_rig.wait_for_registration(timeout=3)
        assert the_rig.now == pytest.approx(3, abs=0.01)
    message = str(info.value)
    assert message.startswith("mute: cc2538-00124b0000000001 did not register within 3 s"), message
    assert "line since power-on:" in message and "lwm2m-rig hello" in message  # it runs another firmware


def test_awaiting_the_rig_on_another_loop_fails_at_once() -> None:
    """An `async def` test awaits on pytest-asyncio's loop: the rig's clock never moves there."""
    with Rig(Topology.from_dict(UDP_ECHO)) as the_rig:
        server = the_rig.server

        async def on_a_foreign_loop() -> None:
            await server.wait_for_registration("cc2538-00124b0000000001", timeout=30)

        with pytest.raises(ConfigError, match="rig tests are synchronous"):
            asyncio.run(asyncio.wait_for(on_a_foreign_loop(), 5))  # the old code waited 30 real s

        async def run_inside() -> None:
            the_rig.run(asyncio.sleep(1))

        with pytest.raises(ConfigError, match="rig tests are synchronous"):
            asyncio.run(run_inside())


def test_a_rig_removes_an_earlier_runs_artifacts(tmp_path: Path) -> None:
    (tmp_path / "uart-oldnode.log").write_text("an earlier run\n")
    (tmp_path / "coap-trace.json").write_text("[]")
    (tmp_path / RigArtifacts.MARKER).write_text("")  # an earlier rig wrote here
    the_rig = Rig(Topology.from_dict(UDP_ECHO), artifacts_dir=tmp_path).start()
    try:
        assert not (tmp_path / "uart-oldnode.log").exists()
        the_rig.node().expect("udp-echo up", timeout=5)
    finally:
        the_rig.stop()
    assert sorted(p.name for p in tmp_path.glob("uart-*.log")) == ["uart-border.log", "uart-n1.log"]
    border = (tmp_path / "uart-border.log").read_bytes()
    assert all(b == 0x0A or 0x20 <= b < 0x7F for b in border)  # text: grep does not call it binary
    assert b"slip-radio up" in border and b"\\xc0" in border


def test_a_rig_leaves_files_in_a_directory_it_has_not_written_to(tmp_path: Path) -> None:
    """rig server --emulate --artifacts-dir . : a user's own uart-notes.log is not an earlier run's."""
    (tmp_path / "uart-notes.log").write_text("mine\n")
    Rig(Topology.from_dict(UDP_ECHO), artifacts_dir=tmp_path).start().stop()
    assert (tmp_path / "uart-notes.log").read_text() == "mine\n" and (tmp_path / RigArtifacts.MARKER).exists()


def test_readable_bytes_escapes_binary_and_splits_slip_frames() -> None:
    assert readable_bytes(b"up\n\xc0ab\\\x00\xc0\xc0x") == "up\n\\xc0ab\\x5c\\x00\\xc0\n\\xc0x\n"
    assert readable_bytes(b"") == "\n"


def test_a_threaded_rig_interrupted_by_signals_runs_on() -> None:
    """As Robot runs it: each signal interrupts the wait at once (one once waited for the whole run,
    taken by the rig's thread), and the next advance completes (it hung: a timer was left one clock
    resolution ahead of the interrupted instant)."""
    class Interrupted(Exception):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with Rig(Topology.from_dict(UDP_ECHO), threaded=True) as the_rig:
            the_rig.node().expect("udp-echo up", timeout=5)
            for _ in range(3):
                timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
                timer.start()
                started = the_rig.now
                with pytest.raises(Interrupted):
                    the_rig.advance(1e6)  # far more than the test lasts
                assert the_rig.now - started < 1e5  # interrupted, not at the end of the run
            at = the_rig.now  # (the interrupted run may still be finishing its last idle step)
            the_rig.advance(1.0)
            assert at + 1.0 <= the_rig.now < at + 3.0
    finally:
        signal.signal(signal.SIGUSR1, previous)
