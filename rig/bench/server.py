"""LwM2M server load: registrations/s and server-initiated reads/s with 1,000 endpoints on loopback.

The server runs in a child process (`python -m rig.bench.server serve PORT`), the load generator here:
one plain UDP socket per simulated endpoint, our own CoAP codec, a window of outstanding requests.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rig.lwm2m import coapwire as cw

ENDPOINTS = 1000
ROUNDS = 3
WINDOW = 256
RCVBUF = 4 * 1024 * 1024
LINKS = b"</1/0>,</3/0>,</3303/0>"


def _free_port() -> int:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1", 0))
        return int(sock.getsockname()[1])


class LoadGenerator:
    def __init__(self, port: int, endpoints: int) -> None:
        self.server = ("::1", port)
        self.selector = selectors.DefaultSelector()
        self.socks: list[socket.socket] = []
        for index in range(endpoints):
            sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
            sock.bind(("::1", 0))  # plain sockets (no SO_REUSEPORT): the kernel hands out distinct ports
            sock.setblocking(False)
            self.socks.append(sock)
            self.selector.register(sock, selectors.EVENT_READ, index)
        self.mid = 0
        self.gets_answered = 0

    def close(self) -> None:
        for sock in self.socks:
            self.selector.unregister(sock)
            sock.close()
        self.selector.close()

    def _register_msg(self, index: int) -> bytes:
        self.mid = (self.mid + 1) & 0xFFFF
        msg = cw.Msg(cw.CON, cw.POST, self.mid, self.mid.to_bytes(2, "big") + index.to_bytes(2, "big"))
        msg.add(cw.URI_PATH, "rd").add(cw.URI_QUERY, f"ep=bench-{index}").add(cw.URI_QUERY, "lt=3600")
        msg.add(cw.URI_QUERY, "lwm2m=1.1").add(cw.CONTENT_FORMAT, 40)
        msg.payload = LINKS
        return cw.encode(msg)

    def _answer_get(self, sock: socket.socket, data: bytes, index: int) -> None:
        req = cw.decode(data)
        if req.code != cw.GET:
            return
        resp = cw.Msg(cw.ACK, cw.CONTENT, req.mid, req.token, [(cw.CONTENT_FORMAT, b"")], b"95")
        sock.sendto(cw.encode(resp), self.server)
        self.gets_answered += 1

    def register_all(self, rounds: int) -> tuple[int, float]:
        """Every endpoint (re-)registers `rounds` times; returns (registrations, seconds)."""
        done = 0
        start = time.perf_counter()
        for _ in range(rounds):
            done += self._register_round()
        return done, time.perf_counter() - start

    def _register_round(self) -> int:
        todo = list(range(len(self.socks)))
        pending: dict[int, float] = {}  # endpoint -> send time
        done = 0
        while done < len(self.socks):
            while todo and len(pending) < WINDOW:
                index = todo.pop()
                self.socks[index].sendto(self._register_msg(index), self.server)
                pending[index] = time.perf_counter()
            for key, _ in self.selector.select(0.5):
                index = key.data
                while True:
                    try:
                        data = self.socks[index].recv(2048)
                    except BlockingIOError:
                        break
                    if len(data) > 1 and data[1] == cw.CREATED and index in pending:
                        del pending[index]
                        done += 1
            now = time.perf_counter()
            for index, sent in list(pending.items()):
                if now - sent > 2.0:  # lost (kernel drop): send again
                    self.socks[index].sendto(self._register_msg(index), self.server)
                    pending[index] = now
        return done

    def serve_reads(self, child: subprocess.Popen) -> str:
        """Answer the server's GETs until the child prints its result line."""
        assert child.stdout is not None
        os.set_blocking(child.stdout.fileno(), False)
        self.selector.register(child.stdout, selectors.EVENT_READ, -1)
        buffer = b""
        try:
            while True:
                for key, _ in self.selector.select(1.0):
                    if key.data == -1:
                        chunk = os.read(child.stdout.fileno(), 4096)
                        if not chunk:
                            raise RuntimeError("benchmark server exited during the read phase")
                        buffer += chunk
                        if b"\n" in buffer:
                            return buffer.split(b"\n")[0].decode()
                        continue
                    sock = self.socks[key.data]
                    while True:
                        try:
                            data = sock.recv(2048)
                        except BlockingIOError:
                            break
                        self._answer_get(sock, data, key.data)
                if child.poll() is not None:
                    raise RuntimeError("benchmark server exited during the read phase")
        finally:
            self.selector.unregister(child.stdout)


async def _serve(port: int, endpoints: int, rounds: int) -> None:
    from rig.lwm2m.server import LwM2MServer

    server = LwM2MServer(port=port, trace=False, request_timeout=30)
    await server.start()
    server.coap.raise_receive_buffer(RCVBUF)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    if line.strip() != "read":
        await server.stop()
        return
    devices = [server.device(ep) for ep in list(server.registrations)][:endpoints]
    semaphore = asyncio.Semaphore(WINDOW)
    failures = 0

    async def read(device: Any) -> None:
        nonlocal failures
        async with semaphore:
            try:
                if await device.read("/3/0/9") != 95:
                    failures += 1
            except Exception:
                failures += 1

    start = time.perf_counter()
    for _ in range(rounds):
        await asyncio.gather(*(read(d) for d in devices))
    elapsed = time.perf_counter() - start
    print(f"reads {len(devices) * rounds} {elapsed:.6f} {failures}", flush=True)
    await server.stop()


def measure(endpoints: int = ENDPOINTS, rounds: int = ROUNDS) -> dict[str, float]:
    port = _free_port()
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(
        [sys.executable, "-m", "rig.bench.server", "serve", str(port), str(endpoints), str(rounds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=repo,
    )
    gen = LoadGenerator(port, endpoints)
    try:
        assert child.stdout is not None and child.stdin is not None
        if child.stdout.readline().strip() != b"ready":
            raise RuntimeError("benchmark server did not start")
        registrations, reg_seconds = gen.register_all(rounds)
        child.stdin.write(b"read\n")
        child.stdin.flush()
        result = gen.serve_reads(child).split()
        reads, read_seconds, failures = int(result[1]), float(result[2]), int(result[3])
        if failures:
            raise RuntimeError(f"{failures} of {reads} benchmark reads failed")
        return {
            "server_registrations_per_s": round(registrations / reg_seconds, 1),
            "server_reads_per_s": round(reads / read_seconds, 1),
        }
    finally:
        gen.close()
        if child.poll() is None:
            child.kill()
        child.wait()


def run(ctx: Any) -> dict[str, float]:
    return measure()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        asyncio.run(_serve(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
    else:
        print(measure())
