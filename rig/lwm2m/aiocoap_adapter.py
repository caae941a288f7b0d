"""Everything that touches aiocoap lives here, pinned to aiocoap 0.4.17.

The rest of rig.lwm2m sees plain dataclasses (InboundRequest, Reply, Response) and an opaque remote
handle. Internals used (and why):
- the MessageManager's dispatch_message/_send_via_transport, wrapped per instance for the CoAP trace
  and for cancelling observations by RST (aiocoap only RSTs unmatched *CON* notifications, and only
  after it has ACKed one more);
- the MessageManager's send_message, to send the explicit cancel (GET Observe=1 with the *same* token),
  which aiocoap's request API cannot do because the TokenManager always picks a new token;
- the TokenManager's outgoing_requests, to forget an observation cancelled by RST at once;
- UDP6EndpointAddress.maximum_block_size_exp on a copied remote, to choose the Block1 size;
- the UDP6 message interface's datagram_msg_received, wrapped per instance: aiocoap's Message.decode
  lets a UnicodeDecodeError (a Uri-Path or Uri-Query that is not UTF-8) escape into asyncio, which
  logged a traceback and sent nothing; such a datagram is rejected here (RST for a CON).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import importlib.metadata
import math
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiocoap
import aiocoap.resource
from aiocoap import error as coap_error
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import RST
from aiocoap.optiontypes import BlockOption
from aiocoap.transports.udp6 import UDP6EndpointAddress

from rig.errors import RigError

PINNED_VERSION = "0.4.17"
# A Block2 transfer whose representation changes between blocks starts again at most this often.
BLOCK2_RESTARTS = 3
RemoteHandle = Any  # an aiocoap remote (UDP6EndpointAddress); only passed back to this module

with contextlib.suppress(importlib.metadata.PackageNotFoundError):
    if importlib.metadata.version("aiocoap") != PINNED_VERSION:
        raise ImportError(f"rig.lwm2m needs aiocoap {PINNED_VERSION} (its adapter uses internals)")


def _szx(block_size: int) -> int:
    return max(0, min(6, int(math.log2(max(16, block_size))) - 4))


def code_str(code: Code | int) -> str:
    value = int(code)
    return f"{value >> 5}.{value & 0x1F:02d}"


def _code(text: str) -> Code:
    cls, detail = text.split(".")
    return Code((int(cls) << 5) | int(detail))


def remote_address(remote: RemoteHandle) -> tuple[str, int]:
    sockaddr = remote.sockaddr
    host = sockaddr[0]
    if host.startswith("::ffff:"):
        host = host[7:]
    return host, sockaddr[1]


def remote_key(remote: RemoteHandle) -> tuple[str, int]:
    """A hashable identity of the peer (address, port)."""
    return remote.sockaddr[0], remote.sockaddr[1]


class CoapFailure(Exception):
    """The exchange failed below CoAP codes: no answer after retransmissions, timeout, RST, shutdown."""


class EndpointStopped(RigError):
    """A request on an endpoint that is not running (never started, or already stopped)."""


class BrokenBlockwise(CoapFailure):
    """The device answered, but its Block2 answer broke RFC 7959 (blocks that do not line up, an
    error code for a later block, more than the body limit): not a timeout."""

    def __init__(self, message: str, code: str = "5.00") -> None:
        super().__init__(message)
        self.code = code  # the device's own code when a later block was refused


async def _response(request: Any, timeout: float) -> aiocoap.Message:
    try:
        return await asyncio.wait_for(request.response, timeout)
    except TimeoutError:
        raise CoapFailure(f"no response in {timeout:g} s") from None
    except coap_error.Error as exc:
        raise CoapFailure(f"no usable answer ({type(exc).__name__})") from None


@dataclass
class InboundRequest:
    method: str  # "GET", "POST", "PUT", "DELETE", ...
    path: tuple[str, ...]
    query: tuple[str, ...]
    payload: bytes
    content_format: int | None
    remote: RemoteHandle
    block2: tuple[int, int] | None = None  # (number, szx) asked for, where the handler serves blocks


@dataclass
class Reply:
    code: str  # "2.01"
    payload: bytes = b""
    content_format: int | None = None
    location_path: tuple[str, ...] = ()
    size1: int | None = None
    block2: tuple[int, bool, int] | None = None  # (number, more, szx): a block the handler cut itself


@dataclass
class Response:
    code: str
    payload: bytes
    content_format: int | None
    observe: int | None
    token: bytes
    remote: RemoteHandle
    size1: int | None = None
    block1_szx: int | None = None
    location_path: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code.startswith("2.")


@dataclass
class WireMessage:
    """A CoAP message as it crossed the socket, for the trace."""

    direction: str  # "in" or "out"
    peer: tuple[str, int]
    mtype: str
    code: str
    mid: int | None
    token: bytes
    options: list[str]
    payload: bytes
    content_format: int | None


def _format_error(data: bytes) -> str | None:
    """Why aiocoap cannot decode `data` beyond its own UnparsableMessage (which it drops quietly);
    None when it decodes."""
    try:
        aiocoap.Message.decode(data)
    except coap_error.UnparsableMessage:
        return None
    except Exception as exc:  # UnicodeDecodeError: a string option (Uri-Path, Uri-Query...) not UTF-8
        return f"undecodable option ({exc})"
    return None


Tracer = Callable[[WireMessage], None]
Handler = Callable[[InboundRequest], Awaitable[Reply]]


def _to_response(msg: aiocoap.Message) -> Response:
    block1 = msg.opt.block1
    return Response(
        code=code_str(msg.code),
        payload=bytes(msg.payload),
        content_format=int(msg.opt.content_format) if msg.opt.content_format is not None else None,
        observe=msg.opt.observe,
        token=bytes(msg.token or b""),
        remote=msg.remote,
        size1=msg.opt.size1,
        block1_szx=block1.size_exponent if block1 is not None else None,
        location_path=tuple(msg.opt.location_path),
    )


def _option_text(number: Any, value: Any) -> str:
    name = getattr(number, "name", str(number))
    if hasattr(value, "block_number"):  # Block1/Block2: number/more/size
        return f"{name}={value.block_number}/{int(value.more)}/{value.size}"
    if isinstance(value, bytes):
        return f"{name}={value.hex()}"
    if hasattr(value, "__int__") and not isinstance(value, str):
        return f"{name}={int(value)}"
    return f"{name}={value}"


def _wire(direction: str, msg: aiocoap.Message) -> WireMessage:
    options = [_option_text(opt.number, opt.value) for opt in msg.opt.option_list()]
    cf = msg.opt.content_format
    code = msg.code
    return WireMessage(
        direction=direction,
        peer=remote_address(msg.remote) if msg.remote is not None else ("", 0),
        mtype=msg.mtype.name if msg.mtype is not None else "?",
        code=code.name if code.is_request() else code_str(code),
        mid=msg.mid,
        token=bytes(msg.token or b""),
        options=options,
        payload=bytes(msg.payload),
        content_format=int(cf) if cf is not None else None,
    )


# RFC 7959 2.2: SZX 7 is reserved
RESERVED_SZX = 7

# Critical (odd) options understood here: If-Match, Uri-Host, If-None-Match, Uri-Port, Uri-Path,
# Uri-Query, Accept, Block2, Block1, Proxy-Uri, Proxy-Scheme.
_KNOWN_CRITICAL = {1, 3, 5, 7, 11, 15, 17, 23, 27, 35, 39}


class _Root(aiocoap.resource.Resource):
    """Single resource serving every path; hands requests to the LwM2M server's handler."""

    def __init__(self, handler: Handler, max_body: int) -> None:
        super().__init__()
        self._handler = handler
        self._max_body = max_body

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        # GET /fw/<name>: the server cuts the Block2 blocks itself, in the size it chose for the
        # package (RFC 7959 2.4: smaller than the client asked is allowed)
        path = tuple(request.opt.uri_path)
        return not (request.code == Code.GET and len(path) == 2 and path[0] == "fw")
    async def render_to_pipe(self, pipe: Any) -> None:
        req = pipe.request
        unknown = [
            int(o.number) for o in req.opt.option_list() if int(o.number) & 1 and int(o.number) not in _KNOWN_CRITICAL
        ]
        if unknown:  # RFC 7252 5.4.1: unrecognised critical options are rejected
            pipe.add_response(
                aiocoap.Message(code=Code.BAD_OPTION, payload=f"unknown critical option {unknown[0]}".encode()),
                is_last=True,
            )
            return
        for name, block in (("Block1", req.opt.block1), ("Block2", req.opt.block2)):
            if block is not None and block.size_exponent == RESERVED_SZX:  # aiocoap took it as 2048 bytes
                pipe.add_response(
                    aiocoap.Message(code=Code.BAD_REQUEST, payload=f"{name} with the reserved SZX 7".encode()),
                    is_last=True,
                )
                return
        block1 = req.opt.block1
        # Refuse oversized block-wise bodies before aiocoap spools them.
        too_big = block1 is not None and (block1.block_number + 1) * block1.size > self._max_body
        if too_big or len(req.payload) > self._max_body:
            pipe.add_response(
                aiocoap.Message(
                    code=Code.REQUEST_ENTITY_TOO_LARGE,
                    size1=self._max_body,
                    payload=f"body larger than {self._max_body} bytes".encode(),
                ),
                is_last=True,
            )
            return
        await super().render_to_pipe(pipe)

    async def render(self, request: aiocoap.Message) -> aiocoap.Message:
        cf = request.opt.content_format
        inbound = InboundRequest(
            method=str(request.code),
            path=tuple(request.opt.uri_path),
            query=tuple(request.opt.uri_query),
            payload=bytes(request.payload),
            content_format=int(cf) if cf is not None else None,
            remote=request.remote,
            block2=(request.opt.block2.block_number, request.opt.block2.size_exponent)
            if request.opt.block2 is not None else None,
        )
        reply = await self._handler(inbound)
        msg = aiocoap.Message(code=_code(reply.code), payload=reply.payload)
        if reply.content_format is not None:
            msg.opt.content_format = reply.content_format
        if reply.location_path:
            msg.opt.location_path = reply.location_path
        if reply.size1 is not None:
            msg.opt.size1 = reply.size1
        if reply.block2 is not None:
            msg.opt.block2 = BlockOption.BlockwiseTuple(*reply.block2)
        return msg


@dataclass
class Observation:
    """A running observation: notifications go to on_notify; cancel() stops it at the device."""

    endpoint: CoapEndpoint
    path: tuple[str, ...]
    token: bytes
    remote: RemoteHandle
    on_notify: Callable[[Response], None]
    on_end: Callable[[str], None]
    _aio: Any = None
    _pump: asyncio.Task | None = None
    _cancel_reply: asyncio.Future | None = None
    ended: bool = False
    _key: tuple = field(default=())
    method: str = "GET"  # FETCH for Observe-Composite: the cancel repeats the body
    body: bytes = b""
    body_format: int | None = None
    accept: int | None = None
    query: tuple[str, ...] = ()

    async def run(self) -> None:
        reason = "ended by the device"
        try:
            async for msg in self._aio:
                if msg.opt.block2 is not None and msg.opt.block2.more:
                    try:  # a notification too large for one datagram: fetch the rest (RFC 7959 2.6)
                        msg = await self.endpoint._rest_of_body(msg, self)
                    except CoapFailure:
                        continue
                resp = _to_response(msg)
                if resp.observe is None:
                    # The final answer: to our cancel GET, or the device ending the observation.
                    if self._cancel_reply is not None and not self._cancel_reply.done():
                        self._cancel_reply.set_result(resp)
                        reason = "cancelled"
                    else:
                        self.on_notify(resp)
                    break
                self.on_notify(resp)
        except coap_error.ObservationCancelled:
            pass
        except asyncio.CancelledError:
            reason = "cancelled"
        except coap_error.Error as exc:
            reason = f"error: {exc}"
        finally:
            self.ended = True
            if self._cancel_reply is not None and not self._cancel_reply.done():
                self._cancel_reply.set_result(None)
            self.on_end(reason)

    def forget(self) -> None:
        """Drop the observation locally (the registration ended); later notifications get an RST."""
        if self.ended:
            return
        self.endpoint._reset_later(self._key)
        self.endpoint._forget_outgoing(self.token, self.remote)
        if self._pump is not None:
            self._pump.cancel()

    async def cancel(self, mode: str = "get", timeout: float = 30.0) -> Response | None:
        """Cancel at the device: 'get' sends GET Observe=1 with the same token; 'rst' answers the
        next notification with RST. Returns the device's answer to the cancel GET."""
        if self.ended:
            return None
        ep = self.endpoint
        if mode == "rst":
            ep._reset_later(self._key)
            ep._forget_outgoing(self.token, self.remote)
            if self._pump is not None:
                self._pump.cancel()
            return None
        loop = asyncio.get_running_loop()
        self._cancel_reply = loop.create_future()
        msg = aiocoap.Message(code=Code[self.method], uri_path=self.path, observe=1, payload=self.body)
        if self.body_format is not None:
            msg.opt.content_format = self.body_format
        msg.token = self.token
        msg.remote = self.remote
        ep._message_manager().send_message(msg, lambda *args: None)
        try:
            return await asyncio.wait_for(asyncio.shield(self._cancel_reply), timeout)
        except TimeoutError:
            ep._forget_outgoing(self.token, self.remote)
            if self._pump is not None:
                self._pump.cancel()
            return None


class CoapEndpoint:
    """One aiocoap server context on udp6: serves LwM2M interfaces and sends requests to devices."""

    def __init__(self, handler: Handler, tracer: Tracer | None = None, max_body: int = 64 * 1024,
                 on_malformed: Callable[[str], None] | None = None) -> None:
        self._handler = handler
        self._tracer = tracer
        self._max_body = max_body
        self._on_malformed = on_malformed  # told why, for each datagram rejected as no CoAP message
        self._ctx: aiocoap.Context | None = None
        self._rst_tokens: dict[tuple[bytes, tuple[str, int]], None] = {}  # insertion-ordered set

    async def start(self, host: str, port: int) -> None:
        site = _Root(self._handler, self._max_body)
        try:
            self._ctx = await aiocoap.Context.create_server_context(site, bind=(host, port), transports=["udp6"])
        except coap_error.NetworkError as exc:  # e.g. an address nothing can bind: report it as OSError
            raise OSError(str(exc)) from None
        mm = self._message_manager()
        original_dispatch = mm.dispatch_message
        original_send = mm._send_via_transport

        def dispatch(message: aiocoap.Message) -> None:
            if self._tracer is not None:
                self._trace("in", message)
            if message.code.is_response() and self._rst_tokens:
                key = (bytes(message.token or b""), remote_key(message.remote))
                if key in self._rst_tokens:
                    rst = aiocoap.Message(_mtype=RST, _mid=message.mid, code=Code.EMPTY, payload=b"")
                    rst.remote = message.remote
                    mm._send_initially(rst)
                    return
            original_dispatch(message)

        def send(message: aiocoap.Message) -> None:
            if self._tracer is not None:
                self._trace("out", message)
            original_send(message)

        mm.dispatch_message = dispatch
        mm._send_via_transport = send
        iface = mm.message_interface
        original_received = iface.datagram_msg_received

        def received(data: bytes, ancdata: Any, flags: int, address: Any) -> None:
            try:
                original_received(data, ancdata, flags, address)
            except Exception as exc:
                why = _format_error(data)
                if why is None:  # it decodes: the exception came from handling it, not ours to hide
                    raise
                self._reject(mm, iface, data, address, why or type(exc).__name__)

        iface.datagram_msg_received = received

    def _reject(self, mm: Any, iface: Any, data: bytes, address: Any, why: str) -> None:
        """RFC 7252 4.2/4.3: a message with a format error is rejected, a CON one with a RST (a NON
        one silently); counted through on_malformed."""
        if self._on_malformed is not None:
            self._on_malformed(why)
        if len(data) >= 4 and (data[0] >> 4) & 3 == 0:  # CON
            rst = aiocoap.Message(_mtype=RST, _mid=int.from_bytes(data[2:4], "big"), code=Code.EMPTY)
            rst.remote = UDP6EndpointAddress(address, iface)
            mm._send_initially(rst)

    def _trace(self, direction: str, message: aiocoap.Message) -> None:
        try:
            assert self._tracer is not None
            self._tracer(_wire(direction, message))
        except Exception:  # the trace must never break the exchange
            pass

    async def stop(self) -> None:
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            await ctx.shutdown()

    def _socket(self) -> socket.socket:
        return self._message_manager().message_interface.transport.get_extra_info("socket")

    def local_port(self) -> int:
        """The UDP port the server socket is bound to (the kernel's choice for port 0)."""
        return int(self._socket().getsockname()[1])

    def raise_receive_buffer(self, size: int) -> int:
        """Raise SO_RCVBUF of the server socket (bursts of 1000 endpoints overflow the default)."""
        sock = self._socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    async def _rest_of_body(self, msg: aiocoap.Message, obs: Observation, timeout: float = 60.0) -> aiocoap.Message:
        """Complete a Block2 answer of an observation: GET (FETCH) blocks 1.. with fresh tokens."""
        return await self._next_blocks(
            msg,
            lambda: self._message(
                obs.remote, obs.method, obs.path, obs.body, obs.body_format, obs.accept, obs.query, None
            ),
            timeout,
        )

    async def _next_blocks(
        self, msg: aiocoap.Message, make: Callable[[], aiocoap.Message], timeout: float
    ) -> aiocoap.Message:
        """Blocks 1.. of a Block2 answer, each asked for by a fresh copy of the request (`make`): a
        FETCH repeats its body in every block request (RFC 8132 2.3.2), which aiocoap's own
        block-wise transfer leaves out. Every block must carry block 0's ETag (RFC 7959 2.4): when one
        differs, the representation changed between two requests and the transfer starts again from
        block 0 (also when block 0 came without one: a notification, RFC 7959 2.6)."""
        assert self._ctx is not None
        body = bytearray(msg.payload)
        block = msg.opt.block2
        etag = msg.opt.etag
        restarts = 0
        while block is not None and block.more:
            if block.size_exponent == RESERVED_SZX:
                raise BrokenBlockwise("Block2 with the reserved SZX 7")
            if len(body) % block.size:
                raise BrokenBlockwise(f"Block2 blocks of {block.size} bytes do not line up with {len(body)} bytes")
            want = len(body) // block.size  # the block at the end of what came so far, at its size
            part = await self._block(make, want, block.size_exponent, timeout)
            got = part.opt.block2
            if got is None or got.block_number * got.size != len(body):
                what = "no Block2" if got is None else f"block {got.block_number} of {got.size} bytes"
                raise BrokenBlockwise(f"block {want} answered with {what}")
            if part.opt.etag != etag:
                if restarts == BLOCK2_RESTARTS:
                    raise BrokenBlockwise(
                        f"the representation changed during each of {restarts + 1} block-wise transfers (ETag)"
                    )
                restarts += 1
                part = await self._block(make, 0, got.size_exponent, timeout)
                body, block, etag = bytearray(), part.opt.block2, part.opt.etag
                if block is None or block.block_number:
                    raise BrokenBlockwise("block 0, asked for again, answered without it")
            else:
                block = got
            body += part.payload
            if len(body) > self._max_body:
                raise BrokenBlockwise(f"answer larger than {self._max_body} bytes")
        msg.payload = bytes(body)
        msg.opt.block2 = None
        return msg

    async def _block(self, make: Callable[[], aiocoap.Message], num: int, szx: int, timeout: float) -> aiocoap.Message:
        assert self._ctx is not None
        req = make()
        req.opt.block2 = BlockOption.BlockwiseTuple(num, False, szx)
        part = await _response(self._ctx.request(req, handle_blockwise=False), timeout)
        if not part.code.is_successful():
            raise BrokenBlockwise(f"block {num} answered {code_str(part.code)}", code_str(part.code))
        return part

    def _reset_later(self, key: tuple[bytes, tuple[str, int]]) -> None:
        """Answer further notifications on this (token, peer) with RST; the oldest entries age out."""
        self._rst_tokens[key] = None
        while len(self._rst_tokens) > 4096:
            del self._rst_tokens[next(iter(self._rst_tokens))]

    def _message_manager(self) -> Any:
        assert self._ctx is not None, "endpoint not started"
        return self._ctx.request_interfaces[0].token_interface

    def _forget_outgoing(self, token: bytes, remote: RemoteHandle) -> None:
        assert self._ctx is not None
        tm = self._ctx.request_interfaces[0]
        if tm.outgoing_requests is not None:
            tm.outgoing_requests.pop((token, remote), None)

    def _message(
        self,
        remote: RemoteHandle,
        method: str,
        path: tuple[str, ...],
        payload: bytes,
        content_format: int | None,
        accept: int | None,
        query: tuple[str, ...],
        observe: int | None,
    ) -> aiocoap.Message:
        msg = aiocoap.Message(code=Code[method], uri_path=path, payload=payload)
        if query:
            msg.opt.uri_query = query
        if content_format is not None:
            msg.opt.content_format = content_format
        if accept is not None:
            msg.opt.accept = accept
        if observe is not None:
            msg.opt.observe = observe
        msg.remote = remote
        return msg

    async def request(
        self,
        remote: RemoteHandle,
        method: str,
        path: tuple[str, ...],
        payload: bytes = b"",
        *,
        content_format: int | None = None,
        accept: int | None = None,
        query: tuple[str, ...] = (),
        block_size: int | None = None,
        block2_size: int | None = None,
        timeout: float = 120.0,
    ) -> Response:
        """Send a request from the server's own socket. Block1 in blocks of `block_size` bytes, retried
        with smaller blocks when the device answers 4.13 (its Block1 or Size1 say how small; a Size1
        that covers the whole body means "send it unblocked"). `block2_size` asks for the answer in
        blocks of that size from the first one."""
        if self._ctx is None:  # e.g. a request still in flight when the rig stopped the server
            raise EndpointStopped("the LwM2M server is not running (not started, or stopped): request not sent")
        szx = 6 if block_size is None else _szx(block_size)
        unblocked_tried = False
        while True:
            target = copy.copy(remote)  # the remote is shared: copy before limiting its block size
            target.maximum_block_size_exp = szx
            msg = self._message(target, method, path, payload, content_format, accept, query, None)
            if block2_size is not None:
                msg.opt.block2 = BlockOption.BlockwiseTuple(0, False, _szx(block2_size))
            if method in ("GET", "FETCH"):  # our own Block2 continuation: with FETCH's body, ETags checked
                first = await _response(self._ctx.request(msg, handle_blockwise=False), timeout)
                again = functools.partial(
                    self._message, target, method, path, payload, content_format, accept, query, None
                )
                return _to_response(await self._next_blocks(first, again, timeout))
            resp = _to_response(await _response(self._ctx.request(msg), timeout))
            if resp.code != "4.13" or not payload:
                return resp
            if resp.size1 and resp.size1 >= len(payload) and len(payload) > 16 * 2**szx and not unblocked_tried:
                unblocked_tried = True  # the device takes the body whole, just not in blocks
                szx = 6
                continue
            smaller = szx - 1
            if resp.block1_szx is not None:
                smaller = min(smaller, resp.block1_szx)
            if resp.size1:
                smaller = min(smaller, int(math.log2(max(16, resp.size1))) - 4)
            if smaller < 0 or (szx == 6 and len(payload) <= 16 * 2**smaller):
                return resp
            szx = smaller

    async def observe(
        self,
        remote: RemoteHandle,
        path: tuple[str, ...],
        *,
        accept: int | None = None,
        query: tuple[str, ...] = (),
        on_notify: Callable[[Response], None],
        on_end: Callable[[str], None],
        timeout: float = 120.0,
        method: str = "GET",
        payload: bytes = b"",
        content_format: int | None = None,
    ) -> tuple[Response, Observation | None]:
        """GET (or FETCH) Observe=0; returns the first response and, if accepted, the Observation."""
        if self._ctx is None:
            raise EndpointStopped("the LwM2M server is not running (not started, or stopped): observe not sent")
        msg = self._message(remote, method, path, payload, content_format, accept, query, 0)
        # Without the block-wise layer, so that the token seen on the wire is the observation's.
        req = self._ctx.request(msg, handle_blockwise=False)
        first_msg = await _response(req, timeout)
        obs = Observation(self, path, bytes(first_msg.token or b""), first_msg.remote, on_notify, on_end)
        obs.method, obs.body, obs.body_format, obs.accept, obs.query = method, payload, content_format, accept, query
        if first_msg.opt.block2 is not None and first_msg.opt.block2.more:
            first_msg = await self._rest_of_body(first_msg, obs, timeout)
        first = _to_response(first_msg)
        if first.observe is None or not first.ok:
            with contextlib.suppress(Exception):
                req.observation.cancel()
            return first, None
        obs._key = (first.token, remote_key(first.remote))
        obs._aio = req.observation
        obs._pump = asyncio.get_running_loop().create_task(obs.run())
        return first, obs
