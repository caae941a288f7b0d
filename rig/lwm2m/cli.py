"""`rig server`: run the LwM2M (and bootstrap) server with an interactive prompt, like Leshan's demo."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import re
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rig.errors import ConfigError, RigError
from rig.lwm2m import codecs
from rig.lwm2m.bootstrap import BootstrapConfig
from rig.lwm2m.codecs import format_path
from rig.lwm2m.codecs.common import ascii_int
from rig.lwm2m.codecs.text import decode_text_value
from rig.lwm2m.device import as_path, flatten
from rig.lwm2m.model import ObjectRegistry, ResourceType
from rig.lwm2m.server import Event, LwM2MServer
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.transport import transport_from_spec

HELP = """commands:
  list                         registered endpoints
  read EP PATH [FORMAT]        FORMAT: text, tlv, senml-json, senml-cbor, json, opaque
  readc EP PATH...             Read-Composite (SenML CBOR) of several paths at once
  write EP PATH VALUE [FORMAT]  VALUE typed by the object model (opaque: 0xHEX)
  writep EP PATH RID=VALUE... [FORMAT]  partial update (POST) of an instance: only these resources
  attr EP PATH NAME=VALUE...   Write-Attributes: pmin, pmax, gt, lt, st (NAME alone clears it)
  create EP PATH RID=VALUE...  Create an instance of object PATH (/OID, or /OID/IID to choose its ID)
  delete EP PATH               Delete an object instance
  exec EP PATH [ARGS]
  observe EP PATH | cancel EP PATH
  discover EP PATH
  trace [FILE]                 print the CoAP trace, or save it (.json or text)
  help | quit"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("server", help="run the LwM2M server with an interactive prompt")
    parser.add_argument("--host", help="address to listen on (default ::1)")
    parser.add_argument("--port", type=int,
                        help="UDP port (default 5683, with --emulate any free one; 0: any free one)")
    parser.add_argument("--bootstrap-config", type=Path, help="JSON or TOML bootstrap configuration")
    parser.add_argument("--models", type=Path, action="append", default=[], metavar="DIR|FILE",
                        help="your own object models (OMA XML, the format of rig/lwm2m/models): a directory of "
                             "*.xml or one file; repeatable; with --emulate too")
    parser.add_argument("--trace", type=Path, help="save the CoAP trace here on exit (.json or text)")
    parser.add_argument("--uart", metavar="SPEC",
                        help="also run the 6LoWPAN bridge on a slip-radio border node's UART: tcp:HOST:PORT "
                             "(Renode's socket terminal) or a serial device (a real CC2538 dongle)")
    parser.add_argument("--prefix", help="the nodes' IPv6 prefix with --uart (default fd00::/64)")
    parser.add_argument("--emulate", metavar="FIRMWARE", nargs="?", const="",
                        help="boot emulated nodes running FIRMWARE (an app name like lwm2m-client, or an ELF) "
                             "behind an emulated border node and bridge; virtual time follows the wall clock "
                             "(no FIRMWARE with --topology)")
    parser.add_argument("--topology", type=Path, metavar="FILE",
                        help="emulate the nodes, network and server of this topology TOML (implies --emulate)")
    parser.add_argument("--nodes", metavar="N", help="with --emulate: how many nodes (default 1, at most 64)")
    parser.add_argument("--stagger", metavar="SECONDS",
                        help="with --emulate: virtual seconds between two nodes' power-on (default: the "
                             "topology's [network] stagger, else 1)")
    parser.add_argument("--gdb", metavar="[NODE=]PORT",
                        help="with --emulate: node1 (or NODE) starts halted with a GDB server on 127.0.0.1:PORT "
                             "(0: any free port) until GDB continues it")
    parser.add_argument("--artifacts-dir", type=Path, metavar="DIR",
                        help="with --emulate: write the nodes' UART logs, radio.pcap and coap-trace.json here on exit")
    parser.add_argument("--no-prompt", action="store_true",
                        help="serve until interrupted without reading commands from standard input")
    parser.set_defaults(func=_run)


def format_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return "0x" + value.hex() if value else "0x"
    return repr(value) if isinstance(value, str) else str(value)


def parse_value(text: str, path: tuple[int, ...], registry: ObjectRegistry) -> Any:
    rtype = registry.type_of(path)
    if rtype is ResourceType.OPAQUE or (rtype is None and text.startswith("0x")):
        try:
            return bytes.fromhex(text[2:] if text.startswith("0x") else text)
        except ValueError:
            raise codecs.CodecError(f"{text!r} is not hex (write opaque values as 0xHEX)") from None
    if rtype is ResourceType.BOOLEAN:  # the wire's '0'/'1' and the words; the codec's error named only '0'/'1'
        word = text.strip().lower()
        if word in ("true", "1", "false", "0"):
            return word in ("true", "1")
        raise codecs.CodecError(f"{format_path(path)} is a boolean: give true, false, 1 or 0, not {text[:40]!r}")
    return decode_text_value(text, rtype, path)


class Console:
    """Executes prompt commands against a running server; returns the text to print."""

    help_text = HELP  # also where a command's usage is looked up

    def __init__(self, server: LwM2MServer, out: Callable[[str], None] = print) -> None:
        self.server = server
        self.out = out
        self._watchers: dict[tuple[str, str], asyncio.Task] = {}

    async def execute(self, line: str) -> str:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return f"error: {exc}"
        if not words:
            return ""
        cmd, args = words[0].lower(), words[1:]
        handler = getattr(self, f"cmd_{cmd}", None)
        if handler is None:
            return f"error: unknown command {cmd!r} (try 'help')"
        try:
            inspect.signature(handler).bind(*args)
        except TypeError:
            usage = next((u.strip() for u in self.help_text.splitlines() if u.strip().startswith(cmd)), cmd)
            return f"error: wrong arguments; usage: {usage.split('  ')[0]}"
        try:
            return str(await handler(*args))
        except (RigError, TimeoutError) as exc:  # CodecError is a RigError
            return f"error: {exc or type(exc).__name__}"
        except Exception as exc:  # a bug of ours must not end the session (KeyboardInterrupt still does)
            return f"error: {cmd} failed unexpectedly: {type(exc).__name__}: {exc}"

    async def cmd_help(self) -> str:
        return self.help_text

    async def cmd_list(self) -> str:
        if not self.server.registrations:
            return "no registered endpoints"
        lines = []
        for reg in self.server.registrations.values():
            objects = " ".join(
                f"/{oid}" + (f"/{','.join(map(str, iids))}" if iids else "")
                for oid, iids in sorted(reg.objects.items())
            )
            mode = " queue" if reg.queue_mode else ""
            lines.append(
                f"{reg.endpoint} [{reg.address[0]}]:{reg.address[1]} lwm2m={reg.version} "
                f"lt={reg.lifetime} b={reg.binding}{mode} {objects}"
            )
        return "\n".join(lines)

    async def cmd_read(self, ep: str, path: str, fmt: str | None = None) -> str:
        value = await self.server.device(ep).read(path, fmt=fmt)
        return f"{ep}{path} = {format_value(value)}"

    async def cmd_readc(self, ep: str, *paths: str) -> str:
        if not paths:
            return "error: wrong arguments; usage: readc EP PATH..."
        values = await self.server.device(ep).read_composite(paths)
        return "\n".join(f"{ep}{format_path(p)} = {format_value(v)}" for p, v in sorted(values.items())) or "(nothing)"

    async def cmd_write(self, ep: str, path: str, value: str, fmt: str | None = None) -> str:
        base = as_path(path)
        typed = parse_value(value, base, self.server.registry)
        flatten(base, typed)  # checks the path takes a single value
        if fmt is None and len(base) >= 3:
            fmt = "opaque" if isinstance(typed, bytes) else "text"
        await self.server.device(ep).write(base, typed, fmt=fmt)
        return f"{ep}{path} written"

    def _resource_values(self, base: tuple[int, ...], pairs: tuple[str, ...], usage: str) -> dict[int, Any]:
        """RID=VALUE words as {rid: value}, each typed by the object model (base: /OID or /OID/IID)."""
        inst = (base[0], base[1] if len(base) > 1 else 0)
        values: dict[int, Any] = {}
        for pair in pairs:
            name, eq, text = pair.partition("=")
            rid = ascii_int(name)  # isdigit() took '\u00b2', on which int() raised
            if not eq or rid is None or rid > 65535:
                raise codecs.CodecError(f"{pair!r} is not RID=VALUE; usage: {usage}")
            values[rid] = parse_value(text, (*inst, rid), self.server.registry)
        if not values:
            raise codecs.CodecError(f"no RID=VALUE given; usage: {usage}")
        return values

    async def cmd_writep(self, ep: str, path: str, *words: str) -> str:
        base = as_path(path)
        fmt = words[-1] if words and "=" not in words[-1] else None
        pairs = words[:-1] if fmt is not None else words
        values = self._resource_values(base, pairs, "writep EP PATH RID=VALUE... [FORMAT]")
        await self.server.device(ep).write_partial(base, values, fmt=fmt)
        return f"{ep}{path} written ({', '.join(str(rid) for rid in values)})"

    async def cmd_attr(self, ep: str, path: str, *words: str) -> str:
        if not words:
            return "error: wrong arguments; usage: attr EP PATH NAME=VALUE..."
        attrs: dict[str, float | int | None] = {}
        for word in words:
            name, eq, text = word.partition("=")
            if not eq:
                attrs[name] = None  # cleared
                continue
            # ASCII only: int()/float() also take '\u0661\u0662', '1_0' and ' 12 '
            if re.fullmatch(r"-?[0-9]+", text):
                attrs[name] = int(text)
            elif re.fullmatch(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", text):
                attrs[name] = float(text)
            else:
                return f"error: attribute {name!r}: {text!r} is not a number"
        await self.server.device(ep).write_attributes(path, **attrs)
        return f"{ep}{path} attributes written: {' '.join(words)}"

    async def cmd_create(self, ep: str, path: str, *pairs: str) -> str:
        base = as_path(path)
        if len(base) not in (1, 2):
            return f"error: create needs an object path (/OID or /OID/IID), not {path}"
        values: dict = self._resource_values(base, pairs, "create EP PATH RID=VALUE...")
        if len(base) == 2:
            values = {base[1]: values}  # the instance ID chosen
        iid = await self.server.device(ep).create(base[:1], values)
        return f"{ep}/{base[0]}/{iid} created" if iid is not None else f"{ep}{path} created"

    async def cmd_delete(self, ep: str, path: str) -> str:
        await self.server.device(ep).delete(path)
        return f"{ep}{path} deleted"

    async def cmd_exec(self, ep: str, path: str, *arguments: str) -> str:
        await self.server.device(ep).execute(path, " ".join(arguments))
        return f"{ep}{path} executed"

    async def cmd_discover(self, ep: str, path: str) -> str:
        links = await self.server.device(ep).discover(path)
        return "\n".join(str(link) for link in links) or "(nothing)"

    async def cmd_observe(self, ep: str, path: str) -> str:
        stream = await self.server.device(ep).observe(path)
        key = (ep, stream.key)

        async def watch() -> None:
            async for note in stream:
                self.out(f"notify {ep}{note.path} = {format_value(note.value)}")
            self._watchers.pop(key, None)

        self._watchers[key] = asyncio.get_running_loop().create_task(watch())
        return f"observing {ep}{stream.key}: {format_value(stream.first.value)}"

    async def cmd_cancel(self, ep: str, path: str) -> str:
        await self.server.device(ep).cancel_observe(path)
        return f"cancelled {ep}{path}"

    async def cmd_trace(self, file: str | None = None) -> str:
        if file is None:
            return self.server.trace.to_text().rstrip() or "(empty trace)"
        self.server.trace.save(Path(file))
        return f"trace saved to {file}"


def print_event(event: Event) -> None:
    if event.kind == "notification":
        return  # the console prints notifications of the observations it started
    reg = event.registration
    extra = ""
    if event.kind == "registered" and reg is not None:
        extra = f" from [{reg.address[0]}]:{reg.address[1]} lt={reg.lifetime} lwm2m={reg.version}"
    elif event.kind == "send":
        extra = " " + " ".join(f"{format_path(p)}={format_value(v)}" for p, v in sorted(event.data["values"].items()))
    elif "detail" in event.data:
        extra = f": {event.data['detail']}"
    print(f"[{event.kind}] {event.endpoint}{extra}", flush=True)


async def serve(args: argparse.Namespace, lines: asyncio.Queue[str | None]) -> None:
    logging.getLogger("coap-server").setLevel(logging.ERROR)  # aiocoap's per-datagram warnings would flood the prompt
    server = LwM2MServer(args.host, args.port, bootstrap=args.bootstrap_config, model_dirs=args.models or None)
    await server.start()
    server.on(None, print_event)
    bridge = _start_bridge(args, server.port) if args.uart else None
    console = Console(server)
    role = " + bootstrap" if server.bootstrap else ""
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"LwM2M server{role} on coap://{host}:{server.port} ('help' for commands)", flush=True)
    try:
        while True:
            line = await lines.get()
            if line is None or line.strip().lower() in ("quit", "exit"):
                break
            output = await console.execute(line)
            if output:
                print(output, flush=True)
    finally:
        if bridge is not None:
            bridge.close()
        try:
            if args.trace:
                server.trace.save(args.trace)
        finally:
            await server.stop()


def _start_bridge(args: argparse.Namespace, port: int) -> Bridge:
    """The bridge on the wall clock: the border node is Renode's or a real dongle, not the builtin emulator."""
    # the firmware sends to [fd00::1]:5683: the bridge hands that to the port we listen on
    port_map = {5683: port} if port != 5683 else {}
    bridge = Bridge(transport_from_spec(args.uart), time.monotonic, BridgeConfig(prefix=args.prefix, port_map=port_map))
    bridge.on_transport_lost = lambda why: print(f"bridge stopped: {why}", file=sys.stderr, flush=True)
    bridge.attach_loop(asyncio.get_running_loop())
    bridge.start()
    mapped = f", the nodes' port 5683 to {port}" if port_map else ""
    print(f"bridge on {args.uart}, prefix {args.prefix}{mapped}", flush=True)
    return bridge


def check_models(paths: list[Path]) -> None:
    """--models DIR|FILE, each loaded now: a typo or bad XML is one line before anything starts."""
    for path in paths:
        if path.is_dir():
            if not any(path.glob("*.xml")):
                raise ConfigError(f"--models {path}: no *.xml object model in this directory")
        elif not path.exists():
            raise ConfigError(f"--models {path}: no such file or directory")
    if paths:
        ObjectRegistry(paths)


def _run(args: argparse.Namespace) -> int:
    if args.port is not None and not 0 <= args.port < 65536:
        raise ConfigError(f"--port {args.port} is not a UDP port (0..65535, 0: any free port)")
    if args.bootstrap_config is not None and not args.bootstrap_config.is_file():
        exists = args.bootstrap_config.exists()
        what = "not a regular file" if exists else "no such file"
        raise ConfigError(f"--bootstrap-config {args.bootstrap_config}: {what}")
    if args.trace is not None and (args.trace.is_dir() or not args.trace.parent.is_dir()):
        # Checked now: the trace is written on exit, when a bad path would lose the whole session's trace.
        what = "is a directory" if args.trace.is_dir() else "its directory does not exist"
        raise ConfigError(f"--trace {args.trace}: {what}")
    if args.emulate is not None or args.topology is not None:
        from rig.server_emulate import run_emulated  # imports the emulator: only when asked for

        return run_emulated(args)
    for option in ("nodes", "gdb", "artifacts_dir", "stagger"):
        if getattr(args, option) is not None:
            raise ConfigError(f"--{option.replace('_', '-')} is for emulated nodes: it needs --emulate FIRMWARE")
    args.host = args.host if args.host is not None else "::1"
    args.port = args.port if args.port is not None else 5683
    if args.prefix is not None and not args.uart:
        raise ConfigError("--prefix is the bridge's: it needs --uart")  # was silently ignored, even garbage
    args.prefix = args.prefix or "fd00::/64"
    if args.uart:
        BridgeConfig(prefix=args.prefix).check()  # before connecting to anything
    check_models(args.models)
    if args.bootstrap_config is not None:  # load now: errors are reported before the prompt starts
        args.bootstrap_config = BootstrapConfig.load(args.bootstrap_config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def reader() -> None:  # input() in a thread: works for terminals and pipes alike
            try:
                for line in sys.stdin:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
                loop.call_soon_threadsafe(lines.put_nowait, None)
            except RuntimeError:  # the loop closed first (the server failed to start and said why)
                pass

        if not args.no_prompt:
            threading.Thread(target=reader, daemon=True).start()
        # A process manager (or renode-test's host command) stops us with SIGTERM: shut down cleanly.
        loop.add_signal_handler(signal.SIGTERM, lines.put_nowait, None)
        await serve(args, lines)

    asyncio.run(main())
    return 0
