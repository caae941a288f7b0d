"""`rig demo`: the whole story on the builtin emulator, told step by step.

Two CC2538 nodes running the LwM2M client and a slip-radio border node boot on one 802.15.4 medium,
join the network, register with the rig's LwM2M server; the server reads the device information,
switches a node's light on and off while observing it, updates the firmware of one node when an
update package is built, and the footprint table of the client firmware closes the story. The radio
pcap, UART logs and CoAP trace stay in the artifacts directory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rig.errors import RigError
from rig.rig import Rig
from rig.topology import FIRMWARE_DIR, Topology


class Story:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        wall = time.perf_counter() - self.started
        print(f"[virtual {self.rig.now:8.3f} s | wall {wall:6.2f} s] {text}", flush=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the rig end to end and tell the story")
    parser.add_argument("--artifacts", type=Path, default=Path("build/demo"),
                        help="where the pcap, UART logs and CoAP trace go (default: build/demo)")
    parser.add_argument("--nodes", type=int, default=2, help="client nodes (default: 2)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.nodes <= 16:
        raise RigError(f"--nodes must be between 1 and 16, got {args.nodes}")
    topology = Topology.from_dict({"node": [{"name": f"lamp{i}"} for i in range(1, args.nodes + 1)]})
    print("lwm2m-rig demo: CC2538 LwM2M clients, a slip-radio border node, the bridge and the server")
    with Rig(topology, artifacts_dir=args.artifacts) as rig:
        story = Story(rig)
        story.say(f"booted {len(rig.nodes)} client node(s) and the border node on the builtin emulator")
        for node in rig.nodes.values():
            line = node.expect(r"net: up|udp|lwm2m", timeout=10).string
            story.say(f"{node.name}: {line}")
        devices = {}
        for name, node in rig.nodes.items():
            devices[name] = rig.wait_for_registration(name, timeout=30)
            story.say(f"{name} registered as {node.endpoint} from {node.address}")
        first_name, first = next(iter(devices.items()))
        info = {path: first.read(path) for path in ("/3/0/0", "/3/0/1", "/3/0/2", "/3/0/3")}
        story.say(f"{first_name} device info: manufacturer={info['/3/0/0']!r} model={info['/3/0/1']!r} "
                  f"serial={info['/3/0/2']!r} firmware={info['/3/0/3']!r}")
        observation = first.observe("/3311/0/5850")
        story.say(f"observing {first_name} /3311/0/5850 (light on/off): now {observation.next(10).value}")
        node = rig.node(first_name)
        for on in (True, False, True):
            first.write("/3311/0/5850", on)
            notified = observation.next(30).value
            story.say(f"switched the light {'on ' if on else 'off'}: LED0 is {'on' if node.led(0) else 'off'}, "
                      f"notification says {notified}")
        observation.cancel()
        _update_firmware(rig, story, first_name)
        story.say(f"done; pcap, UART logs and CoAP trace are in {args.artifacts}/")
    _footprint_table()
    return 0


def _update_firmware(rig: Rig, story: Story, name: str) -> None:
    package = FIRMWARE_DIR.parent / "fota" / "lwm2m-client-v2.img"
    if not package.exists():
        story.say("no update package built (firmware-c/build/fota/lwm2m-client-v2.img): skipping the update")
        return
    from rig.lwm2m.fota import update_firmware

    device = rig.device(name)
    story.say(f"updating {name} with {package.name} (push, 512-byte blocks)")
    result = rig.run(update_firmware(device.device, package, method="push", block_size=512,
                                     progress=lambda text: story.say(f"  {text}")))
    story.say(f"update result: {result}; {name} now runs {rig.device(name).read('/3/0/3')!r}")


def _footprint_table() -> None:
    elf = FIRMWARE_DIR / "lwm2m-client.elf"
    if not elf.exists():
        return
    from rig.footprint.cli import main as footprint_main

    print()
    print("footprint of the client firmware:")
    footprint_main([str(elf), "--format", "table"])


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(artifacts=Path("build/demo"), nodes=2)))
