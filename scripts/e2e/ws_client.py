#!/usr/bin/env python3
"""WebSocket clients used by Tests/DemoTests/WebSocketTests against a running asgi-demo.

Needs the `websockets` library (PyPI, test-only; scripts/lib/python-venv.sh installs the pinned
version into .build-venv/); the misbehaving clients (unmasked frames, bad UTF-8, never answering
pings) are raw sockets, because `websockets` cannot misbehave on purpose.

    ws_client.py echo HOST PORT deflate|none     /ws echo of 0, 125, 126, 65535, 65536 and 1 MiB,
                                                 text and bytes; reports the negotiated extensions
    ws_client.py subprotocol HOST PORT A,B,...   offers those subprotocols to /ws; reports the chosen one
    ws_client.py ping HOST PORT                  client pings (empty, short, 125 bytes) get their pongs
    ws_client.py no-pong HOST PORT               raw client that never answers the server's pings:
                                                 reports the close code the server sends
    ws_client.py pongs HOST PORT SECONDS         a `websockets` client (answers pings) is still open
                                                 and echoing after SECONDS
    ws_client.py oversize HOST PORT LIMIT        LIMIT bytes echo; LIMIT+1 closes (with and without
                                                 deflate); reports the close codes
    ws_client.py raw HOST PORT bad-utf8|unmasked raw frames: a valid echo first, then the bad frame;
                                                 reports the close code
    ws_client.py many HOST PORT N                N WebSockets open at once, each echoes, all close;
                                                 then GET / on a new connection
    ws_client.py hold HOST PORT N                opens N WebSockets, prints OPEN, waits (bounded) for
                                                 the server to close each; reports the close codes
    ws_client.py chat HOST PORT_A PORT_B         chat rooms across two asgi-demo processes
    ws_client.py chat-outage HOST PORT_A PORT_B  chat while Redis goes away and comes back: prints
                                                 READY and waits for a line on stdin (Redis killed),
                                                 prints DOWN and waits for another (Redis restarted)

Each prints one JSON object on stdout (the last line) and exits 0 when it could run; the Swift
tests assert on the JSON. Everything is bounded by timeouts.
"""
import asyncio
import base64
import hashlib
import http.client
import json
import os
import random
import resource
import socket
import string
import struct
import sys
import time
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

TIMEOUT = 20
SIZES = [0, 125, 126, 65535, 65536, 1 << 20]


def out(**result):
    print(json.dumps(result), flush=True)


def marker(text):
    print(text, flush=True)


def url(host, port, path="/ws"):
    return f"ws://{host}:{port}{path}"


def options(**extra):
    """Client defaults: no client pings (they would only add noise), big enough messages."""
    base = dict(open_timeout=TIMEOUT, close_timeout=TIMEOUT, ping_interval=None, max_size=4 << 20)
    base.update(extra)
    return base


def extensions_header(ws):
    return ws.response.headers.get("Sec-WebSocket-Extensions")


def random_text(size):
    # ASCII, so `size` characters are `size` bytes; letters so that deflate has something to do
    # but cannot shrink it to nothing.
    rng = random.Random(size)
    return "".join(rng.choice(string.ascii_letters + " ") for _ in range(size))


def http_get(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException) as error:
        return 0, repr(error)
    finally:
        conn.close()


def close_info(error):
    """(code, reason) of the close frame the server sent, or (None, why) when it sent none."""
    if isinstance(error, ConnectionClosed):
        if error.rcvd is not None:
            return error.rcvd.code, error.rcvd.reason
        return None, "no close frame received: " + str(error)
    return None, repr(error)


# --- echo, subprotocols, pings -------------------------------------------------------------

async def echo(host, port, mode):
    compression = "deflate" if mode == "deflate" else None
    results, error = [], None
    async with connect(url(host, port), **options(compression=compression)) as ws:
        header = extensions_header(ws)
        for size in SIZES:
            for kind in ("text", "bytes"):
                message = random_text(size) if kind == "text" else os.urandom(size)
                try:
                    await ws.send(message)
                    reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
                except (ConnectionClosed, asyncio.TimeoutError) as failure:
                    # The connection is gone (or stuck): report where, and what was said.
                    # (With deflate a reply can fail to inflate because of the one before it:
                    # the inflate stream spans messages.)
                    previous = (results[-1]["size"], results[-1]["kind"]) if results else None
                    error = dict(size=size, kind=kind, after=previous, error=repr(failure)[:300])
                    break
                results.append(dict(size=size, kind=kind, same=reply == message,
                                    reply_type=type(reply).__name__, reply_length=len(reply)))
            if error:
                break
        await ws.close()
        close_code = ws.close_code
    out(mode=mode, extensions=header, results=results, expected=2 * len(SIZES),
        same=sum(r["same"] for r in results), error=error, close_code=close_code)


async def subprotocol(host, port, offer):
    offered = [p for p in offer.split(",") if p]
    async with connect(url(host, port), **options(subprotocols=offered or None)) as ws:
        chosen = ws.subprotocol
        header = ws.response.headers.get("Sec-WebSocket-Protocol")
        await ws.send("still echoing")
        reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
    out(offered=offered, subprotocol=chosen, header=header, echo=reply)


async def ping(host, port):
    payloads = [b"", b"hello", bytes(range(125))]
    answered = []
    async with connect(url(host, port), **options()) as ws:
        for payload in payloads:
            waiter = await ws.ping(payload)  # resolved only by a pong with this payload
            try:
                latency = await asyncio.wait_for(waiter, 5)
                answered.append(dict(size=len(payload), pong=True, latency=round(latency, 4)))
            except asyncio.TimeoutError:
                answered.append(dict(size=len(payload), pong=False))
        await ws.send("after pings")
        reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
    out(pings=len(payloads), pongs=sum(a["pong"] for a in answered), details=answered, echo=reply)


async def pongs(host, port, seconds):
    # `websockets` answers the server's pings by itself.
    async with connect(url(host, port), **options()) as ws:
        await asyncio.sleep(seconds)
        try:
            await ws.send("still here")
            reply = await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as error:
            code, reason = close_info(error)
            out(open=False, close_code=code, close_reason=reason)
            return
    out(open=True, echo=reply)


async def oversize(host, port, limit):
    results = {}
    for mode in ("none", "deflate"):
        compression = "deflate" if mode == "deflate" else None
        # Without deflate random bytes (the frame header already says too big); with it bytes that
        # compress to a few dozen, so only the inflated size tells.
        make = (lambda n: os.urandom(n)) if mode == "none" else (lambda n: b"a" * n)
        entry = {}
        async with connect(url(host, port), **options(compression=compression)) as ws:
            entry["extensions"] = extensions_header(ws)
            await ws.send(make(limit))
            reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
            entry["at_limit_echoed"] = len(reply) == limit
            await ws.send(make(limit + 1))
            try:
                extra = await asyncio.wait_for(ws.recv(), TIMEOUT)
                entry["over_limit"] = f"echoed {len(extra)} bytes"
                code, reason = None, "no close"
            except ConnectionClosed as error:
                code, reason = close_info(error)
            entry["close_code"] = code
            entry["close_reason"] = reason
        results[mode] = entry
    out(limit=limit, **results)


# --- raw sockets ---------------------------------------------------------------------------

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawWebSocket:
    """A minimal RFC 6455 client over a blocking socket, able to break the rules."""

    def __init__(self, host, port, path="/ws", timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          % (path.encode(), host.encode(), port, key))
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("closed during the handshake: %r" % self.buffer)
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        self.status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode()
        expected = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if self.status != 101 or headers.get("sec-websocket-accept") != expected:
            raise RuntimeError("bad handshake answer: %r" % head)

    @staticmethod
    def frame(opcode, payload, fin=True, mask=True, rsv=0):
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        length = len(payload)
        mask_bit = 0x80 if mask else 0
        if length < 126:
            head = struct.pack("!BB", first, mask_bit | length)
        elif length < 65536:
            head = struct.pack("!BBH", first, mask_bit | 126, length)
        else:
            head = struct.pack("!BBQ", first, mask_bit | 127, length)
        if not mask:
            return head + payload
        key = os.urandom(4)
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

    def send(self, opcode, payload, **kwargs):
        self.sock.sendall(self.frame(opcode, payload, **kwargs))

    def _fill(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk

    def read_frame(self):
        """(fin, opcode, payload) of the next server frame; server frames must be unmasked."""
        self._fill(2)
        first, second = self.buffer[0], self.buffer[1]
        if second & 0x80:
            raise RuntimeError("the server sent a masked frame")
        length, offset = second & 0x7F, 2
        if length == 126:
            self._fill(4)
            length, offset = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            self._fill(10)
            length, offset = struct.unpack("!Q", self.buffer[2:10])[0], 10
        self._fill(offset + length)
        payload = self.buffer[offset:offset + length]
        self.buffer = self.buffer[offset + length:]
        return bool(first & 0x80), first & 0x0F, payload

    def read_until_close(self, on_ping=None):
        """Reads frames until a close frame; returns (code, reason, frames seen before it)."""
        seen = []
        while True:
            _, opcode, payload = self.read_frame()
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return code, payload[2:].decode(errors="replace"), seen
            seen.append(opcode)
            if opcode == 0x9 and on_ping:
                on_ping(payload)

    def finish_close(self, code):
        """Answers the server's close and reports whether it then closes the TCP connection."""
        try:
            self.send(0x8, struct.pack("!H", code) if code else b"")
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except socket.timeout:
            return False
        except OSError:  # a reset is a close too
            return True
        finally:
            self.sock.close()


def no_pong(host, port):
    started = time.monotonic()
    ws = RawWebSocket(host, port, timeout=10)
    pings = []
    try:
        code, reason, seen = ws.read_until_close(on_ping=lambda p: pings.append(time.monotonic() - started))
    except (OSError, EOFError) as error:
        out(close_code=None, error=repr(error), pings=len(pings))
        return
    elapsed = time.monotonic() - started
    tcp_closed = ws.finish_close(code)
    out(close_code=code, close_reason=reason, pings=len(pings), first_ping=round(pings[0], 3) if pings else None,
        closed_after=round(elapsed, 3), other_frames=[o for o in seen if o != 0x9], tcp_closed=tcp_closed)


def raw(host, port, kind):
    ws = RawWebSocket(host, port, timeout=10)
    # A valid masked text frame first: the raw client itself is right, and the server echoes.
    good = "héllo ✓".encode()
    ws.send(0x1, good)
    fin, opcode, payload = ws.read_frame()
    control_ok = fin and opcode == 0x1 and payload == good
    if kind == "bad-utf8":
        ws.send(0x1, b"abc\xc3\x28def")  # 0xC3 must be followed by a continuation byte
    elif kind == "unmasked":
        ws.send(0x1, b"hello", mask=False)
    else:
        raise SystemExit("unknown raw case " + kind)
    try:
        code, reason, seen = ws.read_until_close()
    except (OSError, EOFError) as error:
        out(kind=kind, control_echo=control_ok, close_code=None, error=repr(error))
        return
    tcp_closed = ws.finish_close(code)
    out(kind=kind, control_echo=control_ok, close_code=code, close_reason=reason, frames_before_close=seen,
        tcp_closed=tcp_closed)


# --- many at once, SIGTERM -----------------------------------------------------------------

def raise_nofile(needed):
    """Raises the soft open-file limit to the hard one when it is below `needed`; returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def many(host, port, n):
    nofile = raise_nofile(n + 100)
    started = time.monotonic()
    # Connect in waves of 100 concurrent handshakes so the listen backlog is never the question.
    gate = asyncio.Semaphore(100)

    async def open_one(i):
        async with gate:
            return await connect(url(host, port), **options())

    opened = await asyncio.gather(*(open_one(i) for i in range(n)), return_exceptions=True)
    sockets = [ws for ws in opened if not isinstance(ws, BaseException)]
    open_errors = sorted({repr(e)[:200] for e in opened if isinstance(e, BaseException)})
    open_time = time.monotonic() - started
    all_open_at_once = len(sockets) == n and all(ws.close_code is None for ws in sockets)

    async def echo_one(i, ws):
        message = f"message {i} {uuid.uuid4()}"
        await ws.send(message)
        return await asyncio.wait_for(ws.recv(), 60) == message

    echo_started = time.monotonic()
    echoed = await asyncio.gather(*(echo_one(i, ws) for i, ws in enumerate(sockets)), return_exceptions=True)
    echo_time = time.monotonic() - echo_started
    echo_errors = sorted({repr(e)[:200] for e in echoed if isinstance(e, BaseException)})

    close_started = time.monotonic()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    close_time = time.monotonic() - close_started
    codes = {}
    for ws in sockets:
        codes[str(ws.close_code)] = codes.get(str(ws.close_code), 0) + 1
    status, body = await asyncio.to_thread(http_get, host, port, "/")
    out(requested=n, nofile=nofile, opened=len(sockets), all_open_at_once=all_open_at_once,
        open_errors=open_errors[:5], echoed=sum(e is True for e in echoed), echo_errors=echo_errors[:5],
        close_codes=codes, get_status=status, get_body=body, open_s=round(open_time, 2),
        echo_s=round(echo_time, 2), close_s=round(close_time, 2), total_s=round(time.monotonic() - started, 2))


async def hold(host, port, n):
    raise_nofile(n + 100)
    sockets = await asyncio.gather(*(connect(url(host, port), **options()) for _ in range(n)))
    for i, ws in enumerate(sockets):  # all really open and served
        await ws.send(f"hold {i}")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == f"hold {i}"
    marker(f"OPEN {len(sockets)}")
    started = time.monotonic()

    async def wait_one(ws):
        try:
            await asyncio.wait_for(ws.wait_closed(), 30)
        except asyncio.TimeoutError:
            return "timeout", None
        return ws.close_code, ws.close_reason

    closed = await asyncio.gather(*(wait_one(ws) for ws in sockets))
    codes = {}
    for code, _ in closed:
        codes[str(code)] = codes.get(str(code), 0) + 1
    out(opened=len(sockets), close_codes=codes, reasons=sorted({r for _, r in closed if r}),
        closed_within=round(time.monotonic() - started, 3))


# --- chat ----------------------------------------------------------------------------------

class ChatClient:
    """A chat WebSocket whose incoming JSON events are queued by a reader task."""

    def __init__(self, name, ws):
        self.name = name
        self.ws = ws
        self.events = asyncio.Queue()
        self.closed = None
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, name, host, port, room):
        return cls(name, await connect(url(host, port, f"/ws/chat/{room}"), **options()))

    async def _read(self):
        try:
            async for message in self.ws:
                try:
                    self.events.put_nowait(json.loads(message))
                except ValueError:
                    self.events.put_nowait({"type": "not-json", "raw": str(message)[:200]})
        except ConnectionClosed as error:
            self.closed = close_info(error)
        self.closed = self.closed or (self.ws.close_code, self.ws.close_reason)

    async def next(self, timeout, types=None):
        """The next event (of one of `types`), or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = await asyncio.wait_for(self.events.get(), left)
            except asyncio.TimeoutError:
                return None
            if types is None or event.get("type") in types:
                return event

    def drain(self):
        events = []
        while not self.events.empty():
            events.append(self.events.get_nowait())
        return events

    async def close(self):
        await self.ws.close()
        await asyncio.wait_for(self.reader, TIMEOUT)


async def deliver(sender, text, receivers, timeout=5):
    """Sends `text` from `sender`; returns which receivers got exactly that message."""
    await sender.ws.send(text)
    got = {}
    for client in receivers:
        event = await client.next(timeout, types={"message"})
        got[client.name] = event
    return got


def delivered_ok(got, room, text):
    return {name: (event == {"type": "message", "room": room, "text": text}) for name, event in got.items()}


async def open_room(host, port_a, port_b, room, other):
    a1 = await ChatClient.open("a1", host, port_a, room)
    a2 = await ChatClient.open("a2", host, port_a, room)
    b1 = await ChatClient.open("b1", host, port_b, room)
    b2 = await ChatClient.open("b2", host, port_b, room)
    a_other = await ChatClient.open("a_other", host, port_a, other)
    b_other = await ChatClient.open("b_other", host, port_b, other)
    return [a1, a2, b1, b2], [a_other, b_other]


async def chat(host, port_a, port_b):
    room = "e2e-" + uuid.uuid4().hex[:12]
    other = room + "-other"
    members, outsiders = await open_room(host, port_a, port_b, room, other)
    a1, a2, b1, b2 = members
    text_a = 'from A: "quoted" \\ wörld ✓ ' + uuid.uuid4().hex
    got_a = delivered_ok(await deliver(a1, text_a, members), room, text_a)
    text_b = "from B " + uuid.uuid4().hex
    got_b = delivered_ok(await deliver(b2, text_b, members), room, text_b)
    # The other room: a message there reaches its two members only.
    text_o = "other room " + uuid.uuid4().hex
    got_o = delivered_ok(await deliver(outsiders[0], text_o, outsiders), other, text_o)
    await asyncio.sleep(0.5)  # anything misrouted has arrived by now
    stray_members = {c.name: c.drain() for c in members}
    stray_outsiders = {c.name: c.drain() for c in outsiders}
    for client in members + outsiders:
        await client.close()
    out(room=room, from_a=got_a, from_b=got_b, other_room=got_o,
        extra_in_room={k: v for k, v in stray_members.items() if v},
        extra_in_other_room={k: v for k, v in stray_outsiders.items() if v},
        close_codes={c.name: c.closed[0] if c.closed else None for c in members + outsiders})


async def wait_line():
    return await asyncio.to_thread(sys.stdin.readline)


async def upgrade_status(host, port, room):
    try:
        ws = await connect(url(host, port, f"/ws/chat/{room}"), **options())
    except InvalidStatus as error:
        return error.response.status_code
    except Exception as error:  # noqa: BLE001 - reported, the test decides
        return repr(error)[:200]
    await ws.close()
    return 101


async def chat_outage(host, port_a, port_b):
    room = "e2e-" + uuid.uuid4().hex[:12]
    clients = [await ChatClient.open("a1", host, port_a, room),
               await ChatClient.open("a2", host, port_a, room),
               await ChatClient.open("b1", host, port_b, room)]
    a1, a2, b1 = clients
    result = {"room": room}
    text = "before " + uuid.uuid4().hex
    result["before"] = delivered_ok(await deliver(a1, text, clients), room, text)
    marker("READY")
    await wait_line()  # the test killed redis-server

    result["lost_notice"] = {}
    for client in clients:
        event = await client.next(10)
        result["lost_notice"][client.name] = event
    result["healthz_down"] = [(await asyncio.to_thread(http_get, host, p, "/healthz"))[0] for p in (port_a, port_b)]
    result["upgrade_down"] = [await upgrade_status(host, p, room) for p in (port_a, port_b)]
    await a1.ws.send("while down " + uuid.uuid4().hex)
    result["send_down"] = await a1.next(5, types={"error"})
    result["open_while_down"] = {c.name: c.closed is None for c in clients}
    marker("DOWN")
    await wait_line()  # the test restarted redis-server on the same port

    result["back_notice"] = {}
    for client in clients:
        event = await client.next(20, types={"notice"})
        result["back_notice"][client.name] = event
    # Messages flow again between the processes. The PUBLISH connection reconnects on its own
    # backoff, so a message refused with an error is sent again (bounded), and counted.
    retries = 0
    text = "after " + uuid.uuid4().hex
    deadline = time.monotonic() + 10
    while True:
        await b1.ws.send(text)
        first = await b1.next(5, types={"message", "error"})
        if first and first.get("type") == "error" and time.monotonic() < deadline:
            retries += 1
            await asyncio.sleep(0.5)
            continue
        break
    got = {"b1": first}
    for client in (a1, a2):
        got[client.name] = await client.next(5, types={"message"})
    result["after"] = delivered_ok(got, room, text)
    result["after_retries"] = retries
    text = "after from A " + uuid.uuid4().hex
    result["after_from_a"] = delivered_ok(await deliver(a2, text, clients), room, text)
    result["upgrade_after"] = [await upgrade_status(host, p, room) for p in (port_a, port_b)]
    result["healthz_after"] = [(await asyncio.to_thread(http_get, host, p, "/healthz"))[0] for p in (port_a, port_b)]
    result["open_after"] = {c.name: c.closed is None for c in clients}
    for client in clients:
        await client.close()
    out(**result)


def main(argv):
    command, host = argv[1], argv[2]
    port = int(argv[3])
    if command == "echo":
        asyncio.run(echo(host, port, argv[4]))
    elif command == "subprotocol":
        asyncio.run(subprotocol(host, port, argv[4] if len(argv) > 4 else ""))
    elif command == "ping":
        asyncio.run(ping(host, port))
    elif command == "no-pong":
        no_pong(host, port)
    elif command == "pongs":
        asyncio.run(pongs(host, port, float(argv[4])))
    elif command == "oversize":
        asyncio.run(oversize(host, port, int(argv[4])))
    elif command == "raw":
        raw(host, port, argv[4])
    elif command == "many":
        asyncio.run(many(host, port, int(argv[4])))
    elif command == "hold":
        asyncio.run(hold(host, port, int(argv[4])))
    elif command == "chat":
        asyncio.run(chat(host, port, int(argv[4])))
    elif command == "chat-outage":
        asyncio.run(chat_outage(host, port, int(argv[4])))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
