"""`rig demo`: the whole story on the builtin emulator, told step by step.

Two CC2538 nodes running the LwM2M client and a slip-radio border node boot on one 802.15.4 medium,
join the network, register with the rig's LwM2M server; the server reads the device information,
switches a node's light on and off while observing it, observes the temperature with pmin/pmax,
reboots a node (Execute /3/0/4) and sees it register again, updates the firmware of one node when
an update package is built; what of the client firmware ran (coverage) and where its cycles went
(profile), then its footprint table, close the story. The radio pcap, UART logs and CoAP trace stay
in the artifacts directory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rig.coverage.collect import Collector as CoverageCollector
from rig.emu.api import CPU_HZ, NodeSpec, create_emulation
from rig.errors import RigError
from rig.profile.collect import Collector as ProfileCollector
from rig.profile.report import percent_of
from rig.rig import Rig
from rig.topology import FIRMWARE_DIR, Topology, firmware_path

FOTA_FACTORY = FIRMWARE_DIR.parent / "fota" / "lwm2m-client-fota-factory.elf"
FOTA_PACKAGE = FIRMWARE_DIR.parent / "fota" / "lwm2m-client-fota-2.0.0.img"


class Story:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        wall = time.perf_counter() - self.started
        print(f"[virtual {self.rig.now:8.3f} s | wall {wall:6.2f} s] {text}", flush=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the rig end to end and tell the story")
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=Path("build/demo"),
        help="where the pcap, UART logs and CoAP trace go (default: build/demo)",
    )
    parser.add_argument("--nodes", type=int, default=2, help="client nodes (default: 2)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.nodes <= 16:
        raise RigError(f"--nodes must be between 1 and 16, got {args.nodes}")
    if args.artifacts.exists() and not args.artifacts.is_dir():
        raise RigError(f"--artifacts {args.artifacts} is a file, not a directory")
    nodes: list[dict[str, object]] = [{"name": f"lamp{i}"} for i in range(1, args.nodes + 1)]
    if FOTA_FACTORY.exists():  # lamp1 runs the bootloader + client with Object 5, and gets updated
        nodes[0]["firmware"] = str(FOTA_FACTORY)
    topology = Topology.from_dict({"node": nodes})
    _hello()
    print()
    print("lwm2m-rig demo: CC2538 LwM2M clients, a slip-radio border node, the bridge and the server")
    coverage, profile = CoverageCollector(), ProfileCollector()
    coverage.start()
    profile.start()
    try:
        _story(topology, args.artifacts)
    finally:
        coverage.stop()
        profile.stop()
    _code_table(coverage, profile)
    _footprint_table()
    return 0


def _story(topology: Topology, artifacts: Path) -> None:
    with Rig(topology, artifacts_dir=artifacts) as rig:
        story = Story(rig)
        story.say(f"powered on {len(rig.nodes)} client node(s) and the border node on the builtin emulator")
        for node in rig.nodes.values():
            story.say(f"{node.name} boots: {node.expect(r'^lwm2m-client ', timeout=5).string}")
        for node in rig.nodes.values():
            address = node.expect(r"^net: up (\S+)", timeout=10).group(1)
            story.say(f"{node.name} joined the 6LoWPAN network (Router Advertisement): {address}")
        devices = {}
        for name, node in rig.nodes.items():
            location = node.expect(r"^lwm2m: registered /(\S+)", timeout=30).group(1)
            devices[name] = rig.wait_for_registration(name, timeout=1)
            reg = devices[name].registration
            story.say(
                f"{name} registered as {node.endpoint} at /{location}: lifetime {reg.lifetime} s, "
                f"objects {sorted(reg.objects)}"
            )
        first_name, first = next(iter(devices.items()))
        info = first.read("/3/0")
        story.say(
            f"{first_name} device info (/3/0, TLV): manufacturer={info[0]!r} model={info[1]!r} "
            f"serial={info[2]!r} firmware={info[3]!r} free={info[10]} KiB"
        )
        story.say(f"{first_name} temperature /3303/0/5700 = {first.read('/3303/0/5700')} Cel")
        observation = first.observe("/3311/0/5850")
        story.say(f"observing {first_name} /3311/0/5850 (light on/off): now {observation.stream.first.value}")
        node = rig.node(first_name)
        for on in (True, False, True):
            first.write("/3311/0/5850", on)
            notified = observation.next(10).value
            story.say(
                f"switched the light {'on ' if on else 'off'}: LED0 is {'on' if node.led(0) else 'off'}, "
                f"notification says {notified}"
            )
        observation.cancel()
        first.write_attributes("/3303/0/5700", pmin=2, pmax=10)
        temperature = first.observe("/3303/0/5700")
        readings = [temperature.next(15) for _ in range(3)]
        story.say(
            "temperature observed with pmin=2 pmax=10: "
            + ", ".join(f"{n.value} Cel at {n.time:.1f} s" for n in readings)
        )
        temperature.cancel()
        last_name, last = list(devices.items())[-1]
        last.execute("/3/0/4")
        rebooting = rig.node(last_name)
        rebooting.expect(r"^lwm2m: rebooting", timeout=2)
        rebooting.expect(r"^lwm2m-client ", timeout=2)
        location = rebooting.expect(r"^lwm2m: registered /(\S+)", timeout=30).group(1)
        story.say(f"Execute /3/0/4 on {last_name}: it rebooted and registered again at /{location}")
        _update_firmware(rig, story, first_name)
        story.say(f"done; pcap, UART logs and CoAP trace are in {artifacts}/")


def _hello() -> None:
    """The smallest story first: one CC2538 boots `hello`, prints its banner and blinks LED0 each second."""
    print("lwm2m-rig demo: one CC2538 boots the hello firmware")
    started = time.perf_counter()
    with create_emulation("builtin") as emulation:
        node = emulation.add_node(NodeSpec("hello", firmware_path("hello")))
        node.expect(r"lwm2m-rig hello", timeout=5)
        banner = node.uart.lines[-1]
        print(f"[virtual {banner.time:8.3f} s] UART: {banner.text}")
        for _ in range(3):
            before = node.led(0)
            emulation.run_until(lambda: node.led(0) != before, 2.0)  # noqa: B023 - called within this turn
            led = node.led(0)
            print(f"[virtual {emulation.now:8.3f} s] LED0 {'on' if led else 'off'}")
    print(f"3 virtual seconds of blinking took {time.perf_counter() - started:.2f} s of wall time")


def _update_firmware(rig: Rig, story: Story, name: str) -> None:
    package = FOTA_PACKAGE
    if not package.exists():
        story.say(f"no update package built ({package}; make -C firmware-c fota-images): skipping the update")
        return
    device = rig.device(name)
    if 5 not in device.registration.objects:
        story.say(f"{name} runs a client without Object 5 (firmware update): skipping the update")
        return
    from rig.lwm2m.fota import update_firmware

    phases: list[str] = []

    def progress(phase: str, done: int, total: int) -> None:
        if not phases or phases[-1] != phase:  # one line per phase, not per block
            phases.append(phase)
            story.say(f"  {phase} ({done}/{total} B)")

    # 256-byte blocks: the client streams Block1 writes of at most 256 bytes (it would answer 4.13).
    story.say(f"updating {name} with {package.name} (push, 256-byte blocks, ETS 770 flow)")
    result = rig.run(update_firmware(device.device, package, method="push", block_size=256, progress=progress))
    outcome = "OK" if result.ok else f"FAILED ({result.error})"
    story.say(
        f"update {outcome}: Update Result {result.result} ({result.result_name}), {result.old_version} -> "
        f"{result.new_version}; download {result.download_s:.1f} s, total {result.total_s:.1f} s virtual"
    )
    story.say(f"{name} now reports /3/0/3 = {rig.device(name).read('/3/0/3')!r}")


def _code_table(coverage: CoverageCollector, profile: ProfileCollector) -> None:
    """What of each client build the story ran, how busy its CPUs were and where the cycles went."""
    profiles = {image.sha256: prof for image, prof in profile.profiles()}
    print()
    print("what the client firmware did in this story (firmware coverage and profile, exact counts):")
    for image, cov in coverage.coverages():
        prof = profiles.get(image.sha256)
        if not image.path.stem.startswith("lwm2m-client") or prof is None:
            continue
        top = ", ".join(f"{f.name} {percent_of(f.cycles, prof.executed)}" for f in prof.functions[:4])
        print(f"  {cov.summary_line()} ran; CPU active {percent_of(prof.executed, prof.cycles)} of "
              f"{prof.cycles / CPU_HZ:.1f} node-seconds; most cycles in {top}")
    print("  (your tests: pytest --firmware-coverage DIR --firmware-profile DIR; debug one: "
          "rig boot FIRMWARE.elf --gdb 3333)")


def _footprint_table() -> None:
    elf = FIRMWARE_DIR / "lwm2m-client.elf"
    if not elf.exists():
        return
    from rig.cli import main as rig_main

    print()
    print("footprint of the client firmware (goal: 40 KiB flash, 10 KiB RAM):")
    rig_main(["footprint", str(elf), "--format", "table"])


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(artifacts=Path("build/demo"), nodes=2)))
