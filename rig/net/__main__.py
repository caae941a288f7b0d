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

from rig.errors import ConfigError, ExpectTimeout, RigError
from rig.net import ipv6 as ip
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.transport import SLIP_RADIO_BAUD, transport_from_spec


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m rig.net", description=__doc__)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--serial", metavar="PORT", help="serial port of a slip-radio dongle")
    where.add_argument("--tcp", metavar="HOST:PORT", help="a UART exposed on TCP (Renode socket terminal)")
    p.add_argument("--baud", type=int, default=SLIP_RADIO_BAUD,
                   help=f"serial line rate (default {SLIP_RADIO_BAUD}, the slip-radio firmware's)")
    p.add_argument("--prefix", default="fd00::/64")
    p.add_argument("--channel", type=int, default=26)
    p.add_argument("--pan-id", type=lambda v: int(v, 0), default=0xABCD)
    p.add_argument("--pcap", type=Path, help="capture the border radio's frames")
    p.add_argument("--expose", action="append", default=[], metavar="ADDR:PORT",
                   help="create the loopback endpoint of a node port up front (e.g. [fd00::212:4b00:0:1]:7)")
    return p.parse_args(argv)


def _parse_expose(item: str) -> tuple[str, int]:
    addr, _, port = item.rpartition(":")
    addr = addr.strip("[]")
    try:
        ip.addr(addr)
    except ValueError:
        raise ConfigError(f"--expose {item!r}: expected [IPV6-ADDRESS]:PORT, e.g. [fd00::212:4b00:0:1]:7") from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--expose {item!r}: port must be 1..65535")
    return addr, int(port)


async def _serve(bridge: Bridge, expose: list[tuple[str, int]]) -> None:
    bridge.attach_loop(asyncio.get_running_loop())
    if not await bridge._await(lambda: bridge.ready or bridge.transport.lost is not None, 10.0):
        raise ExpectTimeout("the border node did not report its EUI-64 within 10 s")
    if not bridge.ready:
        raise RigError(str(bridge.transport.lost))
    print(f"border radio {bridge.eui64.hex(':') if bridge.eui64 else '?'} ready", flush=True)
    for addr, port in expose:
        host, lport = bridge.endpoint(addr, port)
        print(f"[{addr}]:{port} <-> [{host}]:{lport}", flush=True)
    known: set[bytes] = set()
    while bridge.transport.lost is None:
        await asyncio.sleep(1.0)
        for eui, address in bridge.nodes.items():
            if eui not in known:
                known.add(eui)
                print(f"node {eui.hex(':')} at {ip.addr_text(address)}", flush=True)
    raise RigError(str(bridge.transport.lost))


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        # Everything checkable is checked before connecting to the border node.
        config = BridgeConfig(prefix=args.prefix, channel=args.channel, pan_id=args.pan_id)
        config.check()
        expose = [_parse_expose(item) for item in args.expose]
        if args.baud <= 0:
            raise ConfigError(f"--baud {args.baud}: must be a positive bit rate")
        transport = transport_from_spec(args.serial or f"tcp:{args.tcp}", args.baud)
        bridge = Bridge(transport, time.monotonic, config)
        try:
            if args.pcap:
                bridge.capture(args.pcap)
            asyncio.run(_serve(bridge, expose))
        except KeyboardInterrupt:
            pass
        finally:
            bridge.close()
            if bridge.ready:  # a session ran: its counters (an error stays one line)
                print(dataclasses.asdict(bridge.stats), file=sys.stderr)
    except RigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
