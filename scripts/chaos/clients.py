#!/usr/bin/env python3
"""Misbehaving clients for scripts/chaos.sh. Every mode is bounded by --duration and prints one
JSON object on stdout at the end. Loopback only.

  clients.py poll URL --duration S --out FILE     GET URL every --interval s; one "time status" line
                                                  per answer ("ERR" for a socket error) in FILE
  clients.py recovery FILE T_KILL T_BACK          from a poll file: status counts, first 200 after
                                                  T_KILL, and that time minus T_BACK
  clients.py slowloris HOST PORT --conns N        N connections trickling a request head 1 byte/s,
                                                  never finishing it; reconnect when closed
  clients.py slowread HOST PORT --conns N         N connections asking GET /stream?n=10000 with a small
                                                  receive buffer; even ones read 1 byte / 100 ms, odd
                                                  ones never read; at the end each drains what is left
                                                  (bounded) to tell complete / cut by the server / open
"""
import argparse
import asyncio
import http.client
import json
import os
import select
import socket
import sys
import time
import urllib.parse


def poll(args):
    url = urllib.parse.urlsplit(args.url)
    path = url.path + ("?" + url.query if url.query else "")
    conn = None
    end = time.time() + args.duration
    with open(args.out, "w") as out:
        while time.time() < end:
            started = time.time()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=2)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = "ERR"
                if conn is not None:
                    conn.close()
                conn = None
            out.write(f"{time.time():.6f} {status}\n")
            out.flush()
            time.sleep(max(0.0, args.interval - (time.time() - started)))
    if conn is not None:
        conn.close()
    print(json.dumps({"mode": "poll", "done": True}))


def recovery(args):
    t_kill, t_back = float(args.t_kill), float(args.t_back)
    counts, first_503, first_200_after = {}, None, None
    with open(args.file) as lines:
        for line in lines:
            stamp, status = line.split()
            stamp = float(stamp)
            counts[status] = counts.get(status, 0) + 1
            if status == "503" and first_503 is None:
                first_503 = stamp
            if status == "200" and stamp > t_kill and first_200_after is None and first_503 is not None:
                first_200_after = stamp
    result = {
        "codes": ",".join(f"{k}:{v}" for k, v in sorted(counts.items())),
        "first_503_after_kill_s": None if first_503 is None else round(first_503 - t_kill, 3),
        "recovery_s": None if first_200_after is None else round(first_200_after - t_back, 3),
    }
    print(json.dumps(result))


async def slowloris(args):
    # Callback protocols and one ticker that writes the next byte on every open connection once a
    # second: cheap on the client side (it shares the load CPU with wrk).
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + args.duration
    prefix = f"GET / HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n".encode()
    filler = b"X-Slow: 1\r\n"  # never the empty line that would end the head
    stats = {"mode": "slowloris", "conns": args.conns, "opened": 0, "open": 0, "peak_open": 0,
             "closed_by_server": 0, "answered_408": 0, "answered_other": 0, "resets": 0,
             "connect_errors": 0, "bytes_sent": 0}
    live = set()
    state = {"stopping": False, "ready": False}

    def byte_at(pos):
        if pos < len(prefix):
            return prefix[pos:pos + 1]
        pos = (pos - len(prefix)) % len(filler)
        return filler[pos:pos + 1]

    class Loris(asyncio.Protocol):
        def __init__(self):
            self.transport, self.pos, self.answered, self.by_us = None, 0, False, False

        def connection_made(self, transport):
            self.transport = transport
            live.add(self)
            stats["opened"] += 1
            stats["open"] += 1
            stats["peak_open"] = max(stats["peak_open"], stats["open"])
            if not state["ready"] and stats["open"] >= args.conns:
                state["ready"] = True
                if args.ready_file:
                    with open(args.ready_file, "w") as ready:
                        ready.write("ready\n")

        def data_received(self, data):
            if not self.answered:
                self.answered = True
                stats["answered_408" if data.startswith(b"HTTP/1.1 408") else "answered_other"] += 1

        def eof_received(self):
            stats["closed_by_server"] += 1
            return False

        def connection_lost(self, exc):
            live.discard(self)
            stats["open"] -= 1
            if exc is not None and not self.by_us:
                stats["resets"] += 1
            if not state["stopping"]:
                loop.call_later(0.05, spawn)

    async def connect_one():
        try:
            await asyncio.wait_for(loop.create_connection(Loris, args.host, args.port), 5)
        except (OSError, asyncio.TimeoutError):
            stats["connect_errors"] += 1
            if not state["stopping"]:
                loop.call_later(0.5, spawn)

    def spawn():
        if not state["stopping"]:
            loop.create_task(connect_one())

    for index in range(args.conns):
        loop.call_later(index * args.ramp / args.conns, spawn)
    while time.monotonic() < deadline:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        await asyncio.sleep(1.0)
        for conn in list(live):
            conn.transport.write(byte_at(conn.pos))
            conn.pos += 1
            stats["bytes_sent"] += 1
    state["stopping"] = True
    for conn in list(live):
        conn.by_us = True
        conn.transport.close()
    await asyncio.sleep(0.2)
    print(json.dumps(stats))


def slowread(args):
    request = f"GET /stream?n={args.lines} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n\r\n".encode()
    conns = []
    for index in range(args.conns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect: a small receive window, and a small MSS, which keeps the server's
        # kernel send buffer small (Linux sizes it per segment: ~4 MB on loopback otherwise, enough
        # to swallow a whole 149 KB /stream answer so the server itself would never wait).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, args.mss)
        sock.settimeout(5)
        sock.connect((args.host, args.port))
        sock.sendall(request)
        sock.setblocking(False)
        conns.append({"sock": sock, "trickle": index % 2 == 0, "bytes": 0, "tail": b"", "state": "open"})
    started = time.monotonic()
    deadline = started + args.duration

    def take(conn, data):
        conn["bytes"] += len(data)
        conn["tail"] = (conn["tail"] + data)[-5:]
        if conn["tail"] == b"0\r\n\r\n":
            conn["state"] = "complete"

    def read_into(conn, size):
        try:
            data = conn["sock"].recv(size)
        except BlockingIOError:
            return
        except OSError:
            conn["state"] = "reset"
            return
        if not data:
            conn["state"] = "cut" if conn["state"] == "open" else conn["state"]
        else:
            take(conn, data)

    closed_while_slow = 0
    while time.monotonic() < deadline:  # slow phase
        for conn in conns:
            if conn["trickle"] and conn["state"] == "open":
                read_into(conn, 1)
                if conn["state"] in ("cut", "reset"):
                    closed_while_slow += 1
        time.sleep(args.interval)
    drain_end = time.monotonic() + args.drain  # the readers leave: read the rest fast, bounded
    while time.monotonic() < drain_end:
        live = [c for c in conns if c["state"] == "open"]
        if not live:
            break
        readable, _, _ = select.select([c["sock"] for c in live], [], [], 0.2)
        by_sock = {c["sock"]: c for c in live}
        for sock in readable:
            read_into(by_sock[sock], 65536)
    for conn in conns:
        conn["sock"].close()
    states = {}
    for conn in conns:
        states[conn["state"]] = states.get(conn["state"], 0) + 1
    print(json.dumps({"mode": "slowread", "conns": args.conns, "closed_while_slow": closed_while_slow,
                      "complete": states.get("complete", 0), "cut_by_server": states.get("cut", 0),
                      "reset_by_server": states.get("reset", 0), "still_open": states.get("open", 0),
                      "bytes": sum(c["bytes"] for c in conns)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("poll")
    p.add_argument("url")
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--interval", type=float, default=0.01)
    p.add_argument("--out", required=True)
    p = sub.add_parser("recovery")
    p.add_argument("file")
    p.add_argument("t_kill")
    p.add_argument("t_back")
    for name in ("slowloris", "slowread"):
        p = sub.add_parser(name)
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("--conns", type=int, default=1000 if name == "slowloris" else 200)
        p.add_argument("--duration", type=float, required=True)
    p = sub.choices["slowloris"]
    p.add_argument("--ramp", type=float, default=1.0, help="seconds over which the connections open")
    p.add_argument("--ready-file", help="written once all connections are open at the same time")
    p.add_argument("--stop-file", help="stop (within ~1 s) once this file exists")
    p = sub.choices["slowread"]
    p.add_argument("--lines", type=int, default=10000)
    p.add_argument("--rcvbuf", type=int, default=4096)
    p.add_argument("--mss", type=int, default=536)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--drain", type=float, default=5.0)
    args = parser.parse_args()
    if args.mode == "poll":
        poll(args)
    elif args.mode == "recovery":
        recovery(args)
    elif args.mode == "slowloris":
        asyncio.run(slowloris(args))
    else:
        slowread(args)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
