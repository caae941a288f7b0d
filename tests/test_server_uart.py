"""`rig server --uart`: the LwM2M server plus the bridge on a border node's UART (Renode, real dongle)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from rig.errors import ConfigError
from rig.net import slip
from rig.net.transport import TcpTransport, transport_from_spec


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]


def _answer_border_handshake(border: socket.socket) -> socket.socket:
    """Play the slip-radio side: the bridge sets channel and PAN ID, then asks for the radio's address."""
    conn, _ = border.accept()
    conn.settimeout(20)
    received = b""
    while b"?M" not in received:
        chunk = conn.recv(256)
        assert chunk, "the bridge closed the UART"
        received += chunk
    assert b"!C\x1a" in received and b"!P\xcd\xab" in received
    conn.sendall(slip.encode(b"!M" + bytes.fromhex("00124b00000000fe")))
    return conn


def test_spec_names_tcp_or_serial() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        transport = transport_from_spec(f"tcp:127.0.0.1:{listener.getsockname()[1]}")
        assert isinstance(transport, TcpTransport)
        transport.close()
    with pytest.raises(ConfigError, match="/dev/no-such-dongle"):
        transport_from_spec("/dev/no-such-dongle")
    for bad in ("tcp:127.0.0.1", "tcp:host:99999", "tcp:host:abc", "", "--uart"):
        with pytest.raises(ConfigError, match="UART"):
            transport_from_spec(bad)


def test_server_runs_the_bridge_on_a_tcp_uart() -> None:
    border = socket.create_server(("127.0.0.1", 0))
    border.settimeout(20)
    uart_port = border.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "rig", "server", "--port", "0", "--no-prompt",
         "--uart", f"tcp:127.0.0.1:{uart_port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _answer_border_handshake(border)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
        assert server.returncode == 0, err
        # --port 0: the kernel's port is announced, and the firmware's [fd00::1]:5683 is bridged to it
        port = int(out.split("LwM2M server on coap://[::1]:")[1].split()[0])
        assert port != 0, out
        assert f"bridge on tcp:127.0.0.1:{uart_port}, prefix fd00::/64, the nodes' port 5683 to {port}" in out
    finally:
        if server.poll() is None:
            server.kill()
        border.close()


def test_unreachable_uart_is_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "rig", "server", "--port", str(_free_udp_port()), "--no-prompt",
         "--uart", f"tcp:127.0.0.1:{closed}"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "127.0.0.1" in result.stderr.strip().splitlines()[-1]


def test_fota_runs_the_bridge_on_a_tcp_uart_and_names_missing_devices(tmp_path) -> None:
    """`rig fota --uart`: the bridge configures the border radio and the update waits for devices
    registering through it; none does here, so the wait ends with a one-line error."""
    from rig.fota.image import build_package

    package = tmp_path / "fw.img"
    package.write_bytes(build_package(b"\0" * 64, "9.9.9"))
    border = socket.create_server(("127.0.0.1", 0))
    border.settimeout(20)
    uart_port = border.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rig", "fota", str(package), "--quiet", "--port", str(_free_udp_port()),
         "--uart", f"tcp:127.0.0.1:{uart_port}", "--devices", "1", "--wait", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _answer_border_handshake(border)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode != 0
        assert "Traceback" not in err
        assert "only 0 of 1 devices registered in 1 s" in err.strip().splitlines()[-1]
    finally:
        if proc.poll() is None:
            proc.kill()
        border.close()
