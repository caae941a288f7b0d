"""A scriptable fake LwM2M client on raw UDP (our own CoAP codec), for tests and load generation.

It runs on the current asyncio loop (so it follows the rig's virtual clock) and implements just
enough of a device: registration, bootstrap, read/write/execute/create/delete/discover in TLV, text,
opaque, SenML JSON/CBOR, observe with explicit and RST cancel, Block1 reassembly with a maximum
block size (answering 4.13 + Size1 beyond it), Block2 for large reads.
"""

from __future__ import annotations

import asyncio
import os
import socket
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rig.lwm2m import coapwire as cw
from rig.lwm2m import codecs
from rig.lwm2m.codecs import CodecError, Path, Values, format_path
from rig.lwm2m.codecs.link import Link, format_links
from rig.lwm2m.model import ObjectRegistry, default_registry

DEFAULT_RESOURCES: Values = {
    (1, 0, 0): 1,
    (1, 0, 1): 300,
    (1, 0, 6): False,
    (1, 0, 7): "U",
    (3, 0, 0): "lwm2m-rig",
    (3, 0, 1): "fake",
    (3, 0, 3): "1.0",
    (3, 0, 6, 0): 1,
    (3, 0, 6, 1): 5,
    (3, 0, 9): 95,
    (3, 0, 11, 0): 0,
    (3, 0, 13): 1_700_000_000,
    (3, 0, 16): "U",
    (3303, 0, 5700): 21.5,
    (3303, 0, 5701): "Cel",
    (5, 0, 0): b"",
    (5, 0, 3): 0,
    (5, 0, 5): 0,
}


@dataclass
class Observed:
    token: bytes
    path: Path
    seq: int = 2
    accept: int | None = None
    paths: list[Path] | None = None  # Observe-Composite


@dataclass
class FakeClient(asyncio.DatagramProtocol):
    endpoint: str
    server_port: int
    port: int
    server_host: str = "::1"
    resources: Values = field(default_factory=lambda: dict(DEFAULT_RESOURCES))
    registry: ObjectRegistry = field(default_factory=default_registry)
    max_block1: int = 1024  # larger Block1 blocks are answered 4.13 + Size1
    no_block1: bool = False  # answer any Block1 with 4.13 + Size1=max_block1 (no reassembly buffer)
    block2_size: int = 512
    block2_etag: bool = True  # an ETag on every block of a block-wise answer
    on_block: Callable[[int], None] | None = None  # called after each block served (its number)
    read_format: int = codecs.TLV
    timeout: float = 30.0
    location: str | None = None
    executed: list[tuple[str, bytes]] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    observations: dict[bytes, Observed] = field(default_factory=dict)
    requests: list[cw.Msg] = field(default_factory=list)
    bootstrap_done: asyncio.Event = field(default_factory=asyncio.Event)
    deleted: list[str] = field(default_factory=list)
    _transport: Any = None
    _pending: dict[bytes, asyncio.Future] = field(default_factory=dict)
    _mid: int = field(default_factory=lambda: int.from_bytes(os.urandom(2), "big"))
    _block1: bytearray = field(default_factory=bytearray)
    _notify_mids: dict[int, bytes] = field(default_factory=dict)
    _bootstrapping: bool = False

    # -- transport -----------------------------------------------------------------------------------

    async def start(self) -> FakeClient:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        sock.bind(("::1", self.port))
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: self, sock=sock)
        return self

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def send_raw(self, data: bytes) -> None:
        self._transport.sendto(data, (self.server_host, self.server_port))

    def _send(self, msg: cw.Msg) -> None:
        self.send_raw(cw.encode(msg))

    def next_mid(self) -> int:
        self._mid = (self._mid + 1) & 0xFFFF
        return self._mid

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            msg = cw.decode(data)
        except ValueError:
            return
        if msg.code == 0 and msg.mtype == cw.RST:
            token = self._notify_mids.pop(msg.mid, None)
            if token is not None:
                self.observations.pop(token, None)
            return
        if 1 <= msg.code < 32:
            self.requests.append(msg)
            reply = self._serve(msg)
            self._send(reply)
            return
        fut = self._pending.get(msg.token)
        if fut is not None and not fut.done() and msg.code >= 64:
            fut.set_result(msg)
        if msg.mtype == cw.CON:
            self._send(cw.Msg(cw.ACK, 0, msg.mid))

    # -- client requests -----------------------------------------------------------------------------

    async def request(
        self,
        code: int,
        path: str,
        query: tuple[str, ...] = (),
        payload: bytes = b"",
        cf: int | None = None,
        options: list[tuple[int, bytes]] | None = None,
    ) -> cw.Msg:
        token = os.urandom(4)
        msg = cw.Msg(cw.CON, code, self.next_mid(), token, list(options or []), payload)
        for part in path.strip("/").split("/") if path.strip("/") else []:
            msg.add(cw.URI_PATH, part)
        for q in query:
            msg.add(cw.URI_QUERY, q)
        if cf is not None:
            msg.add(cw.CONTENT_FORMAT, cf)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[token] = fut
        try:
            self._send(msg)
            return await asyncio.wait_for(fut, self.timeout)
        finally:
            self._pending.pop(token, None)

    async def request_blockwise(
        self,
        code: int,
        path: str,
        query: tuple[str, ...],
        payload: bytes,
        cf: int | None,
        block_size: int = 64,
    ) -> cw.Msg:
        """Send a body in Block1 blocks (query options repeated on every block, as RFC 7959 wants)."""
        szx = block_size.bit_length() - 5
        num = 0
        while True:
            chunk = payload[num * block_size : (num + 1) * block_size]
            more = (num + 1) * block_size < len(payload)
            opts = [(cw.BLOCK1, cw.block_value(num, more, szx))]
            if num == 0:
                opts.append((cw.SIZE1, cw.uint(len(payload))))
            resp = await self.request(code, path, query, chunk, cf, opts)
            if not more or resp.code != cw.CONTINUE:
                return resp
            num += 1

    def object_links(self) -> bytes:
        seen: list[str] = []
        for path in sorted(self.resources):
            target = f"/{path[0]}/{path[1]}"
            if target not in seen:
                seen.append(target)
        return ",".join(f"<{t}>" for t in seen).encode()

    async def register(
        self,
        lifetime: int = 300,
        binding: str = "U",
        version: str = "1.1",
        extra: tuple[str, ...] = (),
        payload: bytes | None = None,
        block_size: int | None = None,
    ) -> cw.Msg:
        query = (f"ep={self.endpoint}", f"lt={lifetime}", f"lwm2m={version}", f"b={binding}", *extra)
        body = self.object_links() if payload is None else payload
        if block_size is not None:
            resp = await self.request_blockwise(cw.POST, "/rd", query, body, 40, block_size)
        else:
            resp = await self.request(cw.POST, "/rd", query, body, 40)
        if resp.code == cw.CREATED:
            self.location = "/" + "/".join(v.decode() for v in resp.opt(cw.LOCATION_PATH))
        return resp

    async def update(self, lifetime: int | None = None, payload: bytes = b"") -> cw.Msg:
        assert self.location, "not registered"
        query = (f"lt={lifetime}",) if lifetime is not None else ()
        return await self.request(cw.POST, self.location, query, payload, 40 if payload else None)

    async def deregister(self) -> cw.Msg:
        assert self.location, "not registered"
        return await self.request(cw.DELETE, self.location)

    async def bootstrap_request(self) -> cw.Msg:
        self.bootstrap_done.clear()
        self._bootstrapping = True
        return await self.request(cw.POST, "/bs", (f"ep={self.endpoint}",))

    async def send_values(self, values: Values, fmt: int = codecs.SENML_CBOR) -> cw.Msg:
        return await self.request(cw.POST, "/dp", (), codecs.encode(fmt, values, (), self.registry), fmt)

    def notify(self, path: Path, con: bool = True) -> int:
        """Send a notification to every observation of `path`; returns how many were sent."""
        sent = 0
        for token, obs in list(self.observations.items()):
            if obs.path != path:
                continue
            obs.seq += 1
            if obs.paths is not None:
                cf, body = codecs.SENML_CBOR, self._composite(obs.paths)
            else:
                cf, body = self._encode_read(obs.path, obs.accept)
            mid = self.next_mid()
            msg = cw.Msg(cw.CON if con else cw.NON, cw.CONTENT, mid, token)
            msg.add(cw.OBSERVE, obs.seq).add(cw.CONTENT_FORMAT, cf)
            if len(body) > self.block2_size:  # first block only; the server GETs the rest (RFC 7959 2.6)
                msg.add(cw.BLOCK2, cw.block_value(0, True, self.block2_size.bit_length() - 5))
                body = body[: self.block2_size]
            msg.payload = body
            self._notify_mids[mid] = token
            self._send(msg)
            sent += 1
        return sent

    # -- serving the server's requests ---------------------------------------------------------------

    def _composite(self, paths: list[Path]) -> bytes:
        values: Values = {}
        for path in paths:
            values.update(self._values_under(path))
        return codecs.encode(codecs.SENML_CBOR, values, (), self.registry)

    def _values_under(self, base: Path) -> Values:
        return {p: v for p, v in self.resources.items() if p[: len(base)] == base}

    def _encode_read(self, base: Path, accept: int | None) -> tuple[int, bytes]:
        values = self._values_under(base)
        if accept is None:
            single = len(base) >= 3 and list(values) == [base]
            accept = codecs.TEXT if single and not isinstance(values[base], bytes) else self.read_format
        return accept, codecs.encode(accept, values, base, self.registry)

    def _reply(self, req: cw.Msg, code: str, payload: bytes = b"") -> cw.Msg:
        mtype = cw.ACK if req.mtype == cw.CON else cw.NON
        return cw.Msg(mtype, cw.code(code), req.mid if mtype == cw.ACK else self.next_mid(), req.token, [], payload)

    def _serve(self, req: cw.Msg) -> cw.Msg:
        try:
            path = codecs.parse_path("/" + "/".join(req.path))
        except CodecError:
            if req.path == ("bs",) and req.code == cw.POST:
                self._bootstrapping = False
                self.bootstrap_done.set()
                return self._reply(req, "2.04")
            return self._reply(req, "4.04")
        try:
            if req.code == cw.GET:
                return self._get(req, path)
            if req.code == cw.PUT:
                return self._put(req, path)
            if req.code == cw.POST:
                return self._post(req, path)
            if req.code == cw.DELETE:
                if path and not self._values_under(path):
                    return self._reply(req, "4.04")
                for p in list(self._values_under(path)):
                    if path or p[0] != 0 or p[1] != 0:  # Bootstrap-Delete / keeps /0/0
                        del self.resources[p]
                self.deleted.append(format_path(path))
                return self._reply(req, "2.02")
            if req.code == cw.FETCH:
                paths = [rec.path for rec in codecs.senml.decode_cbor_records(req.payload)]
                resp = self._reply(req, "2.05", self._composite(paths))
                if req.observe == 0:
                    self.observations[req.token] = Observed(req.token, (), paths=paths)
                    resp.add(cw.OBSERVE, 2)
                elif req.observe == 1:
                    self.observations.pop(req.token, None)
                return resp.add(cw.CONTENT_FORMAT, codecs.SENML_CBOR)
        except CodecError as exc:
            return self._reply(req, "4.00", str(exc).encode())
        return self._reply(req, "4.05")

    def _get(self, req: cw.Msg, path: Path) -> cw.Msg:
        if req.accept == codecs.LINK:
            links = [Link(format_path(path), {})]
            for p in sorted(self._values_under(path)):
                target = format_path(p[:3])
                if len(p) >= 3 and all(link.target != target for link in links):
                    attrs: dict[str, str | None] = {}
                    dim = sum(1 for q in self.resources if len(q) == 4 and q[:3] == p[:3])
                    if dim:
                        attrs["dim"] = str(dim)
                    links.append(Link(target, attrs))
            resp = self._reply(req, "2.05", format_links(links))
            return resp.add(cw.CONTENT_FORMAT, codecs.LINK)
        if not self._values_under(path):
            return self._reply(req, "4.04")
        observe = req.observe
        if observe == 0:
            self.observations[req.token] = Observed(req.token, path, accept=req.accept)
        elif observe == 1:
            self.observations.pop(req.token, None)
        cf, body = self._encode_read(path, req.accept)
        block2 = req.block(cw.BLOCK2)
        size = self.block2_size if block2 is None else min(self.block2_size, 16 << block2[2])
        num = block2[0] if block2 else 0
        resp = self._reply(req, "2.05")
        if observe == 0:
            resp.add(cw.OBSERVE, 2)
        resp.add(cw.CONTENT_FORMAT, cf)
        if len(body) > size or num:
            chunk = body[num * size : (num + 1) * size]
            more = (num + 1) * size < len(body)
            resp.add(cw.BLOCK2, cw.block_value(num, more, size.bit_length() - 5))
            if self.block2_etag:  # as the firmware does (RFC 7959 2.4)
                resp.add(cw.ETAG, zlib.crc32(body).to_bytes(4, "big"))
            resp.payload = chunk
            if self.on_block is not None:
                self.on_block(num)
        else:
            resp.payload = body
        return resp

    def _put(self, req: cw.Msg, path: Path) -> cw.Msg:
        if not req.payload and req.query:
            self.attributes[format_path(path)] = list(req.query)
            return self._reply(req, "2.04")
        if not self._bootstrapping and not self._values_under(path[:2]):
            return self._reply(req, "4.04")  # only Bootstrap-Write may create instances
        block1 = req.block(cw.BLOCK1)
        body = req.payload
        if block1 is not None:
            num, more, szx = block1
            size = 16 << szx
            if size > self.max_block1 or self.no_block1:
                resp = self._reply(req, "4.13")
                return resp.add(cw.SIZE1, self.max_block1)
            if num == 0:
                self._block1 = bytearray()
            if len(self._block1) != num * size:
                return self._reply(req, "4.08")
            self._block1 += req.payload
            if more:
                return self._reply(req, "2.31").add(cw.BLOCK1, cw.block_value(num, True, szx))
            body = bytes(self._block1)
        elif len(req.payload) > self.max_block1:
            return self._reply(req, "4.13").add(cw.SIZE1, self.max_block1)
        values = codecs.decode(req.content_format, body, path, self.registry)
        if len(path) == 2:  # replace the instance
            for p in list(self._values_under(path)):
                del self.resources[p]
        if len(path) == 3:
            for p in list(self._values_under(path)):
                if len(p) == 4:
                    del self.resources[p]
        self.resources.update(values)
        resp = self._reply(req, "2.04")
        if block1 is not None:
            resp.add(cw.BLOCK1, cw.block_value(block1[0], False, block1[2]))
        return resp

    def _post(self, req: cw.Msg, path: Path) -> cw.Msg:
        if len(path) == 3:
            res = self.registry.resource(path[0], path[2])
            if res is not None and res.operations != "E":
                return self._reply(req, "4.05")
            self.executed.append((format_path(path), req.payload))
            return self._reply(req, "2.04")
        values = codecs.decode(req.content_format, req.payload, path if len(path) == 2 else (*path, 0), self.registry)
        if len(path) == 2:
            if not self._values_under(path):
                return self._reply(req, "4.04")
            self.resources.update(values)
            return self._reply(req, "2.04")
        existing = {p[1] for p in self.resources if p[0] == path[0]}
        chosen = {p[1] for p in values}
        iid = min(set(range(len(existing) + 1)) - existing)
        if (chosen and chosen != {0}) or (chosen == {0} and 0 not in existing):
            iid = min(chosen)
        self.resources.update({(p[0], iid, *p[2:]): v for p, v in values.items()})
        resp = self._reply(req, "2.01")
        return resp.add(cw.LOCATION_PATH, str(path[0])).add(cw.LOCATION_PATH, str(iid))


def free_udp_port(host: str = "::1") -> int:
    """A port that is free right now (checked with a plain socket: aiocoap's SO_REUSEPORT hides clashes)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def run_scenario(body: Callable[..., Awaitable[None]], **server_kw: Any) -> None:
    """Run `await body(server, make_client)` on a virtual clock, with a fresh LwM2MServer on a free port;
    `make_client(ep, **kw)` starts a FakeClient registered to nothing yet. Everything is closed after."""
    from rig.lwm2m.server import LwM2MServer
    from rig.lwm2m.vclock import run_virtual

    async def main() -> None:
        port = free_udp_port()
        server = LwM2MServer(port=port, **server_kw)
        clients: list[FakeClient] = []

        async def make_client(ep: str = "dev1", cls: type[FakeClient] = FakeClient, **kw: Any) -> FakeClient:
            client = await cls(ep, port, free_udp_port(), **kw).start()
            clients.append(client)
            return client

        await server.start()
        try:
            await body(server, make_client)
        finally:
            for client in clients:
                client.close()
            await server.stop()

    run_virtual(main())
