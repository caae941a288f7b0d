"""`rig demo` tells the whole story end to end on the real firmware (make demo)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rig.cli import main
from rig.fota.testing import fota_images


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fota_images()  # make demo builds them; the demo updates lamp1 with the 2.0.0 package
    assert main(["demo", "--artifacts", str(tmp_path), "--nodes", "2"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "UART: lwm2m-rig hello 1.0.0 eui64=00:12:4b:00:00:00:00:01",
        "[virtual    1.001 s] LED0 on",
        "[virtual    2.001 s] LED0 off",
        "lamp1 joined the 6LoWPAN network (Router Advertisement): fd00::212:4b00:0:1",
        "lamp1 registered as cc2538-00124b0000000001 at /rd/",
        "lamp2 registered as cc2538-00124b0000000002 at /rd/",
        "firmware='1.0.0'",
        "switched the light on : LED0 is on, notification says True",
        "switched the light off: LED0 is off, notification says False",
        "Execute /3/0/4 on lamp2: it rebooted and registered again",
        "update OK: Update Result 1 (Success), 1.0.0 -> 2.0.0",
        "lamp1 now reports /3/0/3 = '2.0.0'",
        "lwm2m-client: flash ",
        "what the client firmware did in this story",
    ):
        assert expected in out, f"{expected!r} missing from the demo's output:\n{out}"
    # both client builds: which of their code ran, how busy their CPUs were, where the cycles went
    for image in ("lwm2m-client-fota-factory", "lwm2m-client"):
        assert re.search(rf"^  {image}: \d+\.\d % lines \(\d+/\d+\), .* ran; CPU active [\d.]+ % of "
                         r"8\.\d node-seconds; most cycles in \S+ [\d.]+ %", out, re.M), out
    assert (tmp_path / "uart-lamp1.log").exists() and (tmp_path / "coap-trace.json").exists()
    assert (tmp_path / "radio.pcap").stat().st_size > 24  # more than the pcap header


def test_demo_refuses_an_artifacts_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "taken"
    file.write_text("")
    assert main(["demo", "--artifacts", str(file)]) == 2
    assert f"--artifacts {file} is a file, not a directory" in capsys.readouterr().err


def test_demo_refuses_a_bad_node_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--nodes", "0"]) == 2
    assert "--nodes must be between 1 and 16, got 0" in capsys.readouterr().err
