#!/usr/bin/env python3
"""Checks asgi-demo's /static/ (StaticFiles over http.response.pathsend) from outside, with raw
sockets so that every byte of the request target goes out as written.

    static_files.py GROUP HOST PORT ROOT SECRET

GROUP: files | conditional | range | html | traversal | slow-reader | shrink
ROOT is the folder served at /static/ (the script fills it); SECRET a file outside it whose
content must never appear in a response. Prints one JSON line: {"checked": N, "failures": [...]}.
"""
import json, os, socket, sys, time

group, host, port, root, secret = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
failures, checked = [], 0


def request(target, headers=(), method="GET", timeout=30):
    """One request on a fresh connection: (status, {header: value}, body)."""
    s = socket.create_connection((host, port), timeout=timeout)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    s.sendall(f"{method} ".encode() + (target if isinstance(target, bytes) else target.encode())
              + f" HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return status, fields, body


def check(name, condition, detail=""):
    global checked
    checked += 1
    if not condition:
        failures.append(f"{name}: {detail}")


def write(name, data):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


if group == "files":
    for name, size in [("zero.bin", 0), ("one.bin", 1), ("k64.bin", 65536)]:
        data = write(name, os.urandom(size))
        status, fields, body = request(f"/static/{name}")
        check(name, status == 200 and body == data and fields.get("content-length") == str(size),
              f"status {status}, {len(body)} bytes, content-length {fields.get('content-length')}")
        status, fields, body = request(f"/static/{name}", method="HEAD")
        check(name + " HEAD", status == 200 and body == b"" and fields.get("content-length") == (str(size) if size else fields.get("content-length")),
              f"status {status}, body {len(body)} bytes, content-length {fields.get('content-length')}")
    for name, expected in [("page.html", "text/html"), ("style.css", "text/css"), ("app.js", "text/javascript"),
                           ("data.json", "application/json"), ("img.png", "image/png"), ("doc.txt", "text/plain"),
                           ("font.woff2", "font/woff2"), ("pic.svg", "image/svg+xml"), ("blob.unknownext", "application/octet-stream")]:
        write(name, b"x")
        status, fields, _ = request(f"/static/{name}")
        check("type " + name, status == 200 and fields.get("content-type", "").startswith(expected), fields.get("content-type"))
    status, fields, _ = request("/static/one.bin", method="POST")
    check("POST → 405", status == 405 and "GET" in fields.get("allow", ""), f"{status} {fields.get('allow')}")

elif group == "conditional":
    write("c.txt", b"conditional")
    status, fields, _ = request("/static/c.txt")
    etag, modified = fields.get("etag"), fields.get("last-modified")
    check("etag and last-modified", status == 200 and etag and modified, str(fields))
    for headers, want, name in [
        ([("If-None-Match", etag)], 304, "if-none-match same"),
        ([("If-None-Match", "W/" + etag)], 304, "if-none-match weak"),
        ([("If-None-Match", f'"nope", {etag}')], 304, "if-none-match list"),
        ([("If-None-Match", "*")], 304, "if-none-match *"),
        ([("If-None-Match", '"nope"')], 200, "if-none-match other"),
        ([("If-Modified-Since", modified)], 304, "if-modified-since same"),
        ([("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT")], 200, "if-modified-since older"),
        ([("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")], 304, "if-modified-since later"),
        ([("If-Modified-Since", "garbage")], 200, "if-modified-since unparseable"),
        ([("If-None-Match", '"nope"'), ("If-Modified-Since", modified)], 200, "if-none-match wins"),
    ]:
        status, fields, body = request("/static/c.txt", headers)
        check(name, status == want and (want != 304 or (body == b"" and fields.get("etag") == etag)),
              f"status {status} (wanted {want}), body {body[:20]!r}")

elif group == "range":
    data = write("r.bin", os.urandom(10000))
    for spec, part in [("bytes=0-99", (0, 100)), ("bytes=9900-", (9900, 10000)), ("bytes=-100", (9900, 10000)),
                       ("bytes=5000-5999", (5000, 6000)), ("bytes=9990-20000", (9990, 10000)), ("bytes=-20000", (0, 10000))]:
        status, fields, body = request("/static/r.bin", [("Range", spec)])
        want = f"bytes {part[0]}-{part[1] - 1}/10000"
        check("range " + spec, status == 206 and body == data[part[0]:part[1]] and fields.get("content-range") == want,
              f"status {status}, {len(body)} bytes, content-range {fields.get('content-range')}")
    for spec in ["bytes=10000-", "bytes=20000-30000", "bytes=-0"]:
        status, fields, _ = request("/static/r.bin", [("Range", spec)])
        check("416 " + spec, status == 416 and fields.get("content-range") == "bytes */10000", f"{status} {fields.get('content-range')}")
    for spec in ["bytes=0-1,5-6", "items=0-5", "bytes=5-1", "bytes=abc"]:
        status, _, body = request("/static/r.bin", [("Range", spec)])
        check("whole for " + spec, status == 200 and body == data, f"status {status}, {len(body)} bytes")
    status, fields, _ = request("/static/r.bin")
    status, _, body = request("/static/r.bin", [("Range", "bytes=0-9"), ("If-Range", fields["etag"])])
    check("if-range match", status == 206 and body == data[:10], str(status))
    status, _, body = request("/static/r.bin", [("Range", "bytes=0-9"), ("If-Range", '"old"')])
    check("if-range stale", status == 200 and body == data, str(status))

elif group == "html":
    write("site/index.html", b"<h1>index</h1>")
    write("404.html", b"<h1>not here</h1>")
    status, _, body = request("/static/site/")
    check("index.html", status == 200 and body == b"<h1>index</h1>", f"{status} {body!r}")
    status, fields, _ = request("/static/site?x=1")
    check("folder redirect", status == 307 and fields.get("location") == "/static/site/?x=1", f"{status} {fields.get('location')}")
    status, _, body = request("/static/missing.txt")
    check("404.html", status == 404 and body == b"<h1>not here</h1>", f"{status} {body!r}")
    os.makedirs(os.path.join(root, "empty"), exist_ok=True)
    status, _, body = request("/static/empty/")
    check("no listing", status == 404 and b"empty" not in body, f"{status} {body[:60]!r}")

elif group == "traversal":
    write("inside.txt", b"inside")
    os.makedirs(os.path.join(root, "d"), exist_ok=True)
    link = os.path.join(root, "escape")
    if not os.path.lexists(link):
        os.symlink(os.path.dirname(secret), link)
    linkfile = os.path.join(root, "d", "secret-link")
    if not os.path.lexists(linkfile):
        os.symlink(secret, linkfile)
    name = os.path.basename(secret)
    marker = open(secret, "rb").read()
    payloads = [
        f"/static/../{name}", f"/static/../../{name}", f"/static/d/../../{name}", f"/static/./../{name}",
        f"/static/%2e%2e/{name}", f"/static/%2E%2E/{name}", f"/static/.%2e/{name}", f"/static/%2e./{name}",
        f"/static/%2e%2e%2f{name}", f"/static/%2e%2e%2F{name}", f"/static/d%2f..%2f..%2f{name}",
        f"/static/..%2f{name}", f"/static/..%5c{name}", f"/static/..%5C{name}", f"/static/%5c..%5c{name}",
        f"/static/..\\{name}", f"/static/d\\..\\..\\{name}", f"/static/%252e%252e/{name}", f"/static/%252e%252e%252f{name}",
        f"/static/..%252f{name}", f"/static/%c0%ae%c0%ae/{name}", f"/static/%c0%ae%c0%ae%c0%af{name}",
        f"/static/%e0%80%ae%e0%80%ae/{name}", f"/static/..%c0%af{name}", f"/static/..%c1%9c{name}",
        f"/static/inside.txt%00", f"/static/inside.txt%00.png", f"/static/%00../{name}", f"/static/d%00/../{name}",
        f"/static//{secret.lstrip('/')}", f"/static/%2f{secret.lstrip('/')}", f"/static/%2F{secret.lstrip('/')}",
        f"/static//etc/passwd", f"/static/%2fetc%2fpasswd", "/static/escape/" + name, "/static/d/secret-link",
        f"/static/escape%2f{name}", "/static/d/%2e%2e/%2e%2e/" + name, "/static/%2e", "/static/.",
        "/static/d/./../../" + name, "/static/....//" + name, "/static/%", "/static/%zz", "/static/%2",
        "/static/d/..", "/static/d/%2e%2e", f"/static/%u002e%u002e/{name}", "/static/..;/" + name,
        f"/static/d/..%00/{name}",
    ]
    for target in payloads:
        status, _, body = request(target)
        check("traversal " + target, status == 404 and marker not in body, f"status {status}, body {body[:40]!r}")
    status, _, body = request("/static/inside.txt")
    check("inside still served", status == 200 and body == b"inside", str(status))

elif group == "slow-reader":
    # A client that asks for a big file and stops reading: the server closes it after its send
    # timeout, and keeps serving others meanwhile.
    write("slow.bin", os.urandom(64 << 20))
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(b"GET /static/slow.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.5)
    status, _, _ = request("/healthz")
    check("others served while one stalls", status == 200, str(status))
    started = time.time()
    closed_after = None
    s.settimeout(1)
    deadline = started + float(sys.argv[6] if len(sys.argv) > 6 else 20)
    time.sleep(float(sys.argv[7]) if len(sys.argv) > 7 else 3)  # not reading at all for a while
    received = 0
    while time.time() < deadline:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            continue
        except ConnectionResetError:
            closed_after = time.time() - started
            break
        if not chunk:
            closed_after = time.time() - started
            break
        received += len(chunk)
    check("stalled client closed", closed_after is not None and received < (64 << 20), f"closed after {closed_after}, got {received} bytes")

elif group == "shrink":
    # A file cut short while it is being sent: the client sees a truncated body and a close.
    path = os.path.join(root, "shrink.bin")
    write("shrink.bin", os.urandom(64 << 20))
    s = socket.create_connection((host, port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(b"GET /static/shrink.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    first = s.recv(65536)
    os.truncate(path, 1 << 20)
    received = len(first)
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        received += len(chunk)
    check("truncated, then closed", b" 200 " in first[:20] and received < (64 << 20), f"received {received}")
    status, _, _ = request("/healthz")
    check("server fine after", status == 200, str(status))

print(json.dumps({"checked": checked, "failures": failures}))
