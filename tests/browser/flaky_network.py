"""A rural network between Chromium and the app: a small asyncio TCP proxy on 127.0.0.1.

Chromium talks to the proxy's port; the proxy passes each HTTP request to the app, or misbehaves the
way field networks do (RECIPES.md, "Real-network failures in browser tests"):

    pass        forward the request and the answer
    blackhole   accept and read the request, answer nothing, ever (signal bars, no data)
    reset       read the request, then reset the connection (RST)
    drop        forward the request (the server saves), then reset instead of answering
    delay       wait a random 5–20 s (`delay=(low, high)`), then forward
    503         answer 503 Service Unavailable without asking the app

A mode can apply to some methods only (`methods={"POST"}`: GETs pass, POSTs fail), and to paths
starting with some prefixes only (`paths=("/worker/needs/",)`). One request per
connection (the proxy asks the app to close), so a new mode applies from the next request; changing
the mode also cuts every open connection, as a network that drops does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Mode:
    kind: str = "pass"
    methods: frozenset[str] | None = None  # None: every method
    delay: tuple[float, float] = (5, 20)
    paths: tuple[str, ...] = ("/",)

    def applies(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and path.startswith(self.paths)


@dataclass
class Seen:
    """What went through: requests by (method, path, what was done), and how many are in flight."""

    requests: Counter = field(default_factory=Counter)
    in_flight: int = 0

    def count(self, method: str, path: str, what: str | None = None) -> int:
        return sum(n for (m, p, w), n in self.requests.items() if m == method and p == path and what in (None, w))


class FlakyNetwork:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.mode = Mode()
        self.seen = Seen()
        self._lock = threading.Lock()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()  # held here: a task nobody holds is collected mid-request
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # ---- control, from the test's thread ---------------------------------------------------------
    def __enter__(self) -> FlakyNetwork:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(
        self,
        kind: str,
        methods: set[str] | None = None,
        delay: tuple[float, float] = (5, 20),
        paths: tuple[str, ...] = ("/",),
    ) -> None:
        """Change how the network behaves; connections open now are cut."""
        with self._lock:
            self.mode = Mode(kind, frozenset(methods) if methods else None, delay, paths)
        self._loop.call_soon_threadsafe(self._cut_all)

    def quiet(self) -> bool:
        return self.seen.in_flight == 0

    # ---- the proxy ----------------------------------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.run_until_complete(asyncio.sleep(0.1))  # let the transports close
            self._loop.close()

    def _cut_all(self) -> None:
        for writer in list(self._writers):
            _reset(writer)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            head, body, method, path = request
            with self._lock:
                mode = self.mode
            kind = mode.kind if mode.applies(method, path) else "pass"
            self.seen.requests[(method, path, kind)] += 1
            if kind == "blackhole":
                self._writers.discard(writer)  # a hung request stays hung when the mode changes
                await asyncio.sleep(3600)
                return
            if kind == "reset":
                _reset(writer)
                return
            if kind == "503":
                writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            self.seen.in_flight += 1
            try:
                if kind == "delay":
                    self._writers.discard(writer)  # a slow request arrives late, whatever happens next
                    await asyncio.sleep(random.uniform(*mode.delay))
                answer = await self._ask_app(head, body)
            finally:
                self.seen.in_flight -= 1
            if kind == "drop":
                _reset(writer)  # the app has saved; its answer never reaches the phone
                return
            writer.write(answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _ask_app(self, head: bytes, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            writer.write(head + body)
            await writer.drain()
            return await reader.read()  # the app closes after one answer (Connection: close)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader):
    """One HTTP/1.1 request: its head (rewritten to Connection: close), body, method and path."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    headers = [line for line in lines[1:] if line]
    length = 0
    kept = []
    for line in headers:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() not in ("connection", "keep-alive"):
            kept.append(line)
    body = await reader.readexactly(length) if length else b""
    head = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
    return head, body, method, target.split("?")[0]


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a dropped mobile link does (not a polite FIN)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
