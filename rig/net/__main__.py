"""`python -m rig.net`: run the bridge on a real slip-radio dongle (serial) or a UART on TCP (Renode).

Wall-clock mode (no emulation): node UDP ports appear as loopback endpoints, printed as nodes show up.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from pathlib import Path

from rig.errors import RigError
from rig.net import ipv6 as ip
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.transport import transport_from_spec


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m rig.net", description=__doc__)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--serial", metavar="PORT", help="serial port of a slip-radio dongle")
    where.add_argument("--tcp", metavar="HOST:PORT", help="a UART exposed on TCP (Renode socket terminal)")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--prefix", default="fd00::/64")
    p.add_argument("--channel", type=int, default=26)
    p.add_argument("--pan-id", type=lambda v: int(v, 0), default=0xABCD)
    p.add_argument("--pcap", type=Path, help="capture the border radio's frames")
    p.add_argument("--expose", action="append", default=[], metavar="ADDR:PORT",
                   help="create the loopback endpoint of a node port up front (e.g. [fd00::212:4b00:0:1]:7)")
    return p.parse_args(argv)


async def _serve(bridge: Bridge, expose: list[str]) -> None:
    bridge.attach_loop(asyncio.get_running_loop())
    await bridge.wait_ready_async(10.0)
    print(f"border radio {bridge.eui64.hex(':') if bridge.eui64 else '?'} ready", flush=True)
    for item in expose:
        addr, _, port = item.rpartition(":")
        host, lport = bridge.endpoint(addr.strip("[]"), int(port))
        print(f"[{addr.strip('[]')}]:{port} <-> [{host}]:{lport}", flush=True)
    known: set[bytes] = set()
    while True:
        await asyncio.sleep(1.0)
        for eui, address in bridge.nodes.items():
            if eui not in known:
                known.add(eui)
                print(f"node {eui.hex(':')} at {ip.addr_text(address)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        transport = transport_from_spec(args.serial or f"tcp:{args.tcp}", args.baud)
        config = BridgeConfig(prefix=args.prefix, channel=args.channel, pan_id=args.pan_id)
        bridge = Bridge(transport, time.monotonic, config)
        if args.pcap:
            bridge.capture(args.pcap)
        try:
            asyncio.run(_serve(bridge, args.expose))
        except KeyboardInterrupt:
            pass
        finally:
            bridge.close()
            print(dataclasses.asdict(bridge.stats), file=sys.stderr)
    except RigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
