#!/usr/bin/env python3
"""Connections queued in the kernel when SIGTERM arrives must be served, not reset.

usage: queued_at_shutdown.py HOST PORT PID COUNT

Stops the server (SIGSTOP), opens COUNT connections that each send `GET /` (the kernel completes
the handshakes into the listen backlog), sends SIGTERM, lets the server run again (SIGCONT) and
reads every answer. Prints one JSON line: {"ok": n, "reset": n, "other": [...]}.
"""
import json
import os
import signal
import socket
import sys


def main():
    host, port, pid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    os.kill(pid, signal.SIGSTOP)
    sockets = []
    try:
        for _ in range(count):
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            sockets.append(s)
    finally:
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGCONT)
    ok, reset, other = 0, 0, []
    for s in sockets:
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            reset += 1
            continue
        except OSError as error:
            other.append(repr(error))
            continue
        finally:
            s.close()
        if data.startswith(b"HTTP/1.1 200 ") and b"connection: close" in data.lower():
            ok += 1
        else:
            other.append(data[:80].decode("latin-1"))
    print(json.dumps({"ok": ok, "reset": reset, "other": other[:5]}))


if __name__ == "__main__":
    main()
