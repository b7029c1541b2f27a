#!/usr/bin/env python3
"""Standard-library HTTP clients used by Tests/DemoTests against a running asgi-demo.

    client.py keepalive HOST PORT N        N GETs of / on one http.client connection
    client.py malformed HOST PORT          'Host : x' over a raw socket -> 400 + close; next client 200
    client.py head-then-get HOST PORT      HEAD and GET pipelined in one write: HEAD carries no body
    client.py http10 HOST PORT             HTTP/1.0 without keep-alive: 200, then the server closes
    client.py slow-echo HOST PORT SIZE     POST /echo sending half the body, printing HALF-SENT, then
                                           waiting for a line on stdin before sending the rest
    client.py idle HOST PORT               one GET, print IDLE, then wait for the server to close

Each prints one JSON object on stdout (the last line) and exits 0 when it could run; the Swift
tests assert on the JSON. Everything is bounded by socket timeouts.
"""
import hashlib
import http.client
import json
import os
import socket
import sys
import time

TIMEOUT = 20


def out(**result):
    print(json.dumps(result), flush=True)


def read_until_close(sock):
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def parse_head(data):
    head, sep, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1]) if lines and len(lines[0].split(b" ")) > 1 else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode()] = value.strip().decode()
    return status, headers, rest, bool(sep)


def keepalive(host, port, n):
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    statuses, bodies_ok, local_ports = [], 0, set()
    for _ in range(n):
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
        statuses.append(response.status)
        bodies_ok += body == b"Hello, ASGI!"
        local_ports.add(conn.sock.getsockname()[1] if conn.sock else None)
    conn.close()
    out(requests=n, ok=statuses.count(200), bodies_ok=bodies_ok, connections=len(local_ports))


def malformed(host, port):
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.sendall(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n")
    data = read_until_close(sock)  # returns only when the server closes
    sock.close()
    status, headers, _, _ = parse_head(data)
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    conn.request("GET", "/")
    response = conn.getresponse()
    next_body = response.read().decode(errors="replace")
    conn.close()
    out(status=status, connection=headers.get("connection", ""), closed=True,
        next_status=response.status, next_body=next_body)


def head_then_get(host, port):
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = read_until_close(sock)
    sock.close()
    head_status, head_headers, rest, _ = parse_head(data)
    # Right after the HEAD response's blank line the GET's status line must start.
    get_status, get_headers, get_body, _ = parse_head(rest)
    out(head_status=head_status, head_content_length=head_headers.get("content-length", ""),
        next_starts_with=rest[:9].decode(errors="replace"), get_status=get_status,
        get_body=get_body.decode(errors="replace"))


def http10(host, port):
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = read_until_close(sock)  # a server that keeps the connection open times this out
    sock.close()
    status, headers, body, _ = parse_head(data)
    out(status=status, body=body.decode(errors="replace"), closed=True,
        status_line=data.split(b"\r\n", 1)[0].decode(errors="replace"))


def slow_echo(host, port, size):
    payload = os.urandom(size)
    half = size // 2
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                 b"Content-Length: %d\r\n\r\n" % size + payload[:half])
    print("HALF-SENT", flush=True)
    sys.stdin.readline()  # the test sends SIGTERM to the server, sees it shutting down, then says go
    try:
        sock.sendall(payload[half:])
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        out(status=0, same=False, error=repr(error))
        return
    finally:
        sock.close()
    out(status=response.status, same=body == payload, received=len(body),
        sha256=hashlib.sha256(body).hexdigest())


def idle(host, port):
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    print("IDLE", flush=True)
    started = time.monotonic()
    try:
        rest = conn.sock.recv(1)  # b"" once the server closes the idle connection
        closed = rest == b""
    except OSError as error:  # a reset is a close too
        closed, rest = True, repr(error).encode()
    out(status=response.status, closed=closed, extra=rest.decode(errors="replace"),
        waited=round(time.monotonic() - started, 3))


def main(argv):
    command, host, port = argv[1], argv[2], int(argv[3])
    if command == "keepalive":
        keepalive(host, port, int(argv[4]))
    elif command == "malformed":
        malformed(host, port)
    elif command == "head-then-get":
        head_then_get(host, port)
    elif command == "http10":
        http10(host, port)
    elif command == "idle":
        idle(host, port)
    elif command == "slow-echo":
        slow_echo(host, port, int(argv[4]))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
