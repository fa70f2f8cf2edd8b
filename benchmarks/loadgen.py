"""A lean HTTP/1.1 load client for the benchmarks: asyncio over raw keep-alive connections.

A load client must cost far less CPU than the server it drives, or it measures itself. An httpx
client spends more CPU per request than the simulator spends answering it; this one writes
prebuilt request bytes on plain keep-alive connections (one request in flight per connection, no
pipelining) and parses only what it needs of the answer: the status code and a
``Content-Length`` body (what uvicorn sends for a JSON answer; RFC 9112 section 6.3). A chunked or
length-less answer is refused with a clear error rather than misread.

Two ways to drive a server:

* :func:`closed_loop`: ``C`` connections, each sending its next request when the previous answer
  arrives (a helpdesk worker waiting for each send). Measures throughput; latency is each round trip.
* :func:`open_loop`: requests leave on a fixed schedule (``rate`` per second) whatever the answers,
  on whichever connection is idle (a new one is opened when none is). Latency is measured from the
  *scheduled* send time, not from when a connection was free, so a server that stalls cannot hide
  its stall by slowing the client down (coordinated omission, as Gil Tene named it; the same
  correction as wrk2's ``-R`` mode: github.com/giltene/wrk2, README "Acknowledgements" and
  "coordinated omission").

The pure helpers (:func:`percentile`, :func:`schedule`, :class:`ResponseParser`,
:func:`http_request`) are what tests/test_bench_helpers.py checks.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LATE = 0.002
"""An open-loop send written this long after its scheduled time counts as late. asyncio's timers
on epoll wake up to a millisecond after their time (CPython's ``Lib/selectors.py``,
``EpollSelector.select``, rounds the timeout up to whole milliseconds), so lateness below that is
the clock's, not a client falling behind."""


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 < q <= 1): the smallest value with at least ``q`` of the
    values at or below it (the p99 of 100 values is the 99th smallest, never an interpolation)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 1:
        raise ValueError(f"quantile {q} not in (0, 1]")
    ordered = sorted(values)
    rank = math.ceil(q * len(ordered))
    return ordered[max(rank, 1) - 1]


def schedule(rate: float, count: int) -> list[float]:
    """Send offsets of an open loop, in seconds from its start: request ``i`` at ``i / rate``."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    return [i / rate for i in range(count)]


def http_request(
    method: str,
    path: str,
    *,
    host: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """One HTTP/1.1 request as bytes, ready to write on a keep-alive connection."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    if body:
        head.append("Content-Type: application/json")
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def json_request(
    path: str, payload: Any, *, host: str, headers: Mapping[str, str] | None = None
) -> bytes:
    return http_request("POST", path, host=host, body=json.dumps(payload).encode(), headers=headers)


class ResponseParser:
    """Incremental parser of HTTP/1.1 responses framed by ``Content-Length``.

    :meth:`feed` takes bytes as they arrive (split anywhere) and returns the responses they
    complete, as ``(status, body)``.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._status = 0
        self._length = -1
        self._body_start = -1

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buffer += data
        done: list[tuple[int, bytes]] = []
        while True:
            if self._body_start < 0 and not self._read_head():
                return done
            end = self._body_start + self._length
            if len(self._buffer) < end:
                return done
            done.append((self._status, bytes(self._buffer[self._body_start : end])))
            del self._buffer[:end]
            self._body_start = -1

    def _read_head(self) -> bool:
        head_end = self._buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        lines = bytes(self._buffer[:head_end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP/1.1 status line: {lines[0][:80]!r}")
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding":
                raise ProtocolError(f"Transfer-Encoding {value.strip()!r} is not supported")
        if length is None:
            raise ProtocolError("an answer without Content-Length is not supported")
        self._status, self._length, self._body_start = int(parts[1]), length, head_end + 4
        return True


class ProtocolError(Exception):
    """The server answered something this lean client does not read."""


class Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self._parser = ResponseParser()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(cls, host, port)
        return connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            answers = self._parser.feed(data)
        except ProtocolError as error:
            self._fail(error)
            return
        for answer in answers:
            waiter, self._waiter = self._waiter, None
            if waiter is None or waiter.done():
                self._fail(ProtocolError("an answer nobody asked for"))
                return
            waiter.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("the server closed the connection"))

    def _fail(self, error: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        if self._transport is not None:
            self._transport.close()

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        if self._transport is None or self._transport.is_closing():
            raise ConnectionError("connection closed")
        if self._waiter is not None:
            raise RuntimeError("one request at a time per connection")
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(payload)
        return await self._waiter

    @property
    def closed(self) -> bool:
        return self._transport is None or self._transport.is_closing()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


@dataclass
class Run:
    """What one loop measured. Times are the event loop's clock (monotonic seconds)."""

    started: float
    finished: float
    latencies: list[float] = field(default_factory=list)
    """Seconds per request: the round trip (closed loop) or from the scheduled send (open loop)."""
    failures: list[tuple[int, bytes]] = field(default_factory=list)
    """Answers other than 200, with their bodies."""
    connections: int = 0
    """Connections used (an open loop opens more when all are busy at a scheduled send)."""
    late_sends: int = 0
    """Open loop: requests written more than :data:`LATE` after their scheduled time."""
    latest_send: float = 0.0
    """Open loop: the longest a request was written after its scheduled time, in seconds."""

    def check(self, what: str) -> None:
        if self.failures:
            status, body = self.failures[0]
            raise SystemExit(
                f"{what}: {len(self.failures)} answers were not 200; first: {status} "
                f"{body[:300].decode(errors='replace')}"
            )


async def closed_loop(host: str, port: int, requests: Sequence[bytes], connections: int) -> Run:
    """Send every request over ``connections`` connections, each waiting for its answer."""
    loop = asyncio.get_running_loop()
    pool = [await Connection.open(host, port) for _ in range(connections)]
    latencies: list[float] = []
    failures: list[tuple[int, bytes]] = []
    cursor = iter(requests)

    async def worker(connection: Connection) -> None:
        clock = loop.time
        for payload in cursor:  # a shared iterator: each request is taken once
            began = clock()
            status, body = await connection.request(payload)
            latencies.append(clock() - began)
            if status != 200:
                failures.append((status, body))

    started = loop.time()
    try:
        await asyncio.gather(*(worker(connection) for connection in pool))
        finished = loop.time()
    finally:
        for connection in pool:
            connection.close()
    return Run(started, finished, latencies, failures, connections=connections)


async def open_loop(
    host: str, port: int, requests: Sequence[bytes], rate: float, connections: int
) -> Run:
    """Send request ``i`` at ``i / rate`` seconds from the start, whatever the earlier answers.

    Idle connections are used oldest first, so each is used again well within a server's
    keep-alive timeout (uvicorn closes a connection idle for 5 s); one the server closed anyway is
    dropped and replaced.
    """
    loop = asyncio.get_running_loop()
    idle = deque([await Connection.open(host, port) for _ in range(connections)])
    everyone = list(idle)
    latencies: list[float] = []
    failures: list[tuple[int, bytes]] = []
    late, latest = 0, 0.0

    async def send(connection: Connection, payload: bytes, due: float) -> None:
        status, body = await connection.request(payload)
        latencies.append(loop.time() - due)
        idle.append(connection)
        if status != 200:
            failures.append((status, body))

    started = loop.time() + 0.05
    tasks = []
    try:
        for offset, payload in zip(schedule(rate, len(requests)), requests, strict=True):
            due = started + offset
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            while idle and idle[0].closed:
                idle.popleft()
            if idle:
                connection = idle.popleft()
            else:
                connection = await Connection.open(host, port)
                everyone.append(connection)
            behind = loop.time() - due
            latest = max(latest, behind)
            if behind > LATE:
                late += 1
            tasks.append(asyncio.create_task(send(connection, payload, due)))
        await asyncio.gather(*tasks)
        finished = loop.time()
    finally:
        for connection in everyone:
            connection.close()
    return Run(
        started,
        finished,
        latencies,
        failures,
        connections=len(everyone),
        late_sends=late,
        latest_send=latest,
    )


async def get_json(host: str, port: int, path: str) -> Any:
    """One GET on a fresh connection (control routes, between measurements)."""
    connection = await Connection.open(host, port)
    try:
        status, body = await connection.request(http_request("GET", path, host=host))
    finally:
        connection.close()
    if status != 200:
        raise SystemExit(f"GET {path}: {status} {body[:300].decode(errors='replace')}")
    return json.loads(body)
