"""A ready-made network: a slip-radio border node + bridge + N nodes, for tests and benchmarks.

Runs in the bridge's synchronous step mode (no asyncio needed): host sockets are polled at every
emulation sync point, so everything stays on the virtual clock.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from rig.emu.api import Emulation, Node, NodeSpec, create_emulation
from rig.errors import ExpectTimeout
from rig.net import ipv6 as ip
from rig.net.bridge import Bridge, BridgeConfig

REPO = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = REPO / "firmware-c" / "build" / "cc2538"
BORDER_EUI64 = bytes.fromhex("00124b00000000fe")


def node_eui64(index: int) -> bytes:
    return bytes((0x00, 0x12, 0x4B, 0x00, 0x00, 0x00, (index >> 8) & 0xFF, index & 0xFF))


@dataclass
class Testbed:
    __test__ = False  # not a pytest test class
    n_nodes: int = 1
    node_firmware: str = "udp-echo"
    border_firmware: str | None = "slip-radio"  # None: a Python border radio on the medium (builtin only)
    seed: int = 1
    loss: float = 0.0
    airtime: bool = False
    capture: Path | None = None
    backend: str = "builtin"
    config: BridgeConfig = field(default_factory=BridgeConfig)

    def __post_init__(self) -> None:
        self.emulation: Emulation = create_emulation(self.backend, seed=self.seed, airtime=self.airtime)
        self.border: Node | None = None
        if self.border_firmware is not None:
            self.border = self.emulation.add_node(
                NodeSpec("border", FIRMWARE_DIR / f"{self.border_firmware}.elf", eui64=BORDER_EUI64))
        self.nodes: list[Node] = [
            self.emulation.add_node(NodeSpec(f"node{i}", FIRMWARE_DIR / f"{self.node_firmware}.elf",
                                             eui64=node_eui64(i)))
            for i in range(1, self.n_nodes + 1)
        ]
        if self.loss:
            self.emulation.medium.set_loss(self.loss)
        if self.capture is not None:
            self.emulation.medium.capture(self.capture)
        if self.border is not None:
            self.bridge = Bridge.for_node(self.border, self.config)
        else:
            from rig.net.medium_radio import MediumRadio

            radio = MediumRadio(self.emulation.medium, BORDER_EUI64)  # type: ignore[arg-type]
            emulation = self.emulation
            self.bridge = Bridge(radio, lambda: emulation.now, self.config, emulation)
        self._socket = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self._socket.bind((self.config.loopback, 0))
        self._socket.setblocking(False)

    def start(self, timeout: float = 60.0, up_pattern: str = "udp-echo up") -> None:
        """Bridge ready and every node configured (its `up_pattern` line printed)."""
        self.bridge.wait_ready(timeout)
        if not self.bridge.run_until(lambda: all(self._has_line(n, up_pattern) for n in self.nodes), timeout):
            missing = [n.name for n in self.nodes if not self._has_line(n, up_pattern)]
            raise ExpectTimeout(f"nodes {missing} did not print {up_pattern!r} within {timeout} s")

    @staticmethod
    def _has_line(node: Node, pattern: str) -> bool:
        return any(pattern in line.text for line in node.uart.lines)

    def address(self, node: Node) -> bytes:
        return self.bridge.node_address(node)

    @property
    def host_socket(self) -> socket.socket:
        return self._socket

    def send(self, node: Node, port: int, data: bytes) -> None:
        self._socket.sendto(data, self.bridge.endpoint(node, port))

    def receive(self, timeout: float) -> bytes | None:
        got: list[bytes] = []

        def ready() -> bool:
            try:
                got.append(self._socket.recv(65535))
            except BlockingIOError:
                return False
            return True

        if self.bridge.run_until(ready, timeout):
            return got[0]
        return None

    def echo(self, node: Node, data: bytes, timeout: float = 5.0, port: int = 7
             ) -> tuple[bytes | None, float]:
        """(reply or None, virtual round-trip time) of one datagram to the node's echo port."""
        start = self.emulation.now
        self.send(node, port, data)
        reply = self.receive(timeout)
        return reply, self.emulation.now - start

    def close(self) -> None:
        self.bridge.close()
        self._socket.close()
        self.emulation.close()

    def __enter__(self) -> Testbed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def server_address(bed: Testbed) -> str:
    return ip.addr_text(bed.bridge.server_address)
