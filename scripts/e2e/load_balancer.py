#!/usr/bin/env python3
"""Two asgi-demo processes sharing one Redis, behind nginx run with deploy/nginx.conf (only the
upstream addresses, the listen address and the /tmp/ prefix substituted), checked from outside:

  1. /set through nginx, then /get through each instance directly and through nginx: the same
     value; nginx's X-Forwarded-For reaches the instances (their access log shows that client);
  2. chat across instances through nginx's WebSocket proxying: two clients connect to nginx; each
     instance's access log tells which one accepted each (more are opened until the two sit on
     different instances), and nginx's log must name the same upstream for each; a message sent
     by either client reaches the other (instance → Redis → instance, both legs through nginx);
  3. a restart under load: CLIENTS threads send GET / (or POST /echo) through nginx on keep-alive
     connections while instance B gets SIGTERM, exits, and is started again on the same port;
     every request must be answered 200, some while B was down, and B must serve through nginx
     again once it is back. What nginx retried, and why (its error log), is printed.

    load_balancer.py --binary PATH [--redis-url URL] [--nginx PATH] [--conf PATH] [--clients N]
                     [--duration S] [--method GET|POST]

REDIS_URL (or --redis-url) names the Redis to share; without it a redis-server of its own is
started on a free port. Prints PASS/FAIL lines and exits 1 on any FAIL; prints `SKIPPED: reason`
and exits 0 when nginx is not installed. Needs the `websockets` library (the test venv).
"""
import argparse, contextlib, http.client, json, os, re, shutil, signal, socket, subprocess, sys, tempfile
import threading, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NGINX_CONF = os.path.join(ROOT, "deploy", "nginx.conf")
failures, passes = [], []


def report(name, ok, detail=""):
    """One check: `detail` says what was seen (printed either way)."""
    (passes if ok else failures).append(name)
    print(f"{'PASS' if ok else 'FAIL'}: {name}" + (f" — {detail}" if detail != "" else ""), flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process whose stdout and stderr lines are collected (and timestamped)."""

    def __init__(self, name, argv, **kwargs):
        self.name, self.argv, self.lines, self.lock = name, argv, [], threading.Lock()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  text=True, errors="replace", **kwargs)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            with self.lock:
                self.lines.append((time.monotonic(), line.rstrip("\n")))

    def text(self):
        with self.lock:
            return "\n".join(line for _, line in self.lines)

    def matching(self, pattern, since=0.0):
        with self.lock:
            return [line for t, line in self.lines if t >= since and re.search(pattern, line)]

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.matching(pattern):
                return True
            if self.p.poll() is not None:
                self.reader.join(2)
                return bool(self.matching(pattern))
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        self.reader.join(5)
        return self.p.returncode


def start_demo(binary, name, port, redis_url):
    proc = Proc(name, [binary, "--host", "127.0.0.1", "--port", str(port), "--redis-url", redis_url],
                env={**os.environ, "REDIS_URL": redis_url})
    if not proc.wait_for(r"\(Press CTRL\+C to quit\)", 30):
        proc.stop(signal.SIGKILL)
        raise RuntimeError(f"asgi-demo {name} on port {port} did not start:\n{proc.text()}")
    return proc


def render_nginx_conf(text, tmpdir, upstream_a, upstream_b, listen):
    """deploy/nginx.conf with each substitution applied where its pattern matches exactly once."""
    for pattern, replacement in [
        (r"server app1:6000\b", f"server {upstream_a}"),
        (r"server app2:6000\b", f"server {upstream_b}"),
        (r"listen 8080;", f"listen {listen};"),
    ]:
        text, count = re.subn(pattern, replacement, text)
        if count != 1:
            raise RuntimeError(f"deploy/nginx.conf: {pattern!r} matched {count} times, not once")
    text, count = re.subn(r"(?<=[ \t])/tmp/", tmpdir.rstrip("/") + "/", text)
    if count < 6:  # pid + five temp paths
        raise RuntimeError(f"deploy/nginx.conf: only {count} /tmp/ paths (pid and the five temp paths expected)")
    return text


def http_get(port, path, source="127.0.0.1", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


# 1. ---------------------------------------------------------------------------------------------

def check_shared_state(nginx_port, ports):
    key, value = f"lb-{uuid.uuid4().hex[:12]}", f"v-{uuid.uuid4().hex}"
    status, body = http_get(nginx_port, f"/set?key={key}&value={value}")
    report("/set through nginx → 200 OK", status == 200 and body == "OK", f"{status} {body!r}")
    for name, port in ports.items():
        status, body = http_get(port, f"/get?key={key}")
        report(f"/get on instance {name} directly → the value set through nginx", status == 200 and body == value,
               f"{status} {body!r}")
    answers = [http_get(nginx_port, f"/get?key={key}") for _ in range(4)]
    report("/get through nginx ×4 → the value each time", all(a == (200, value) for a in answers), answers)
    status, _ = http_get(nginx_port, f"/get?key=missing-{uuid.uuid4().hex}")
    report("/get of a missing key through nginx → 404 (not retried into a 200)", status == 404, status)


def check_forwarded_for(nginx_port, demos):
    """nginx sets X-Forwarded-For and asgi-demo (trusting 127.0.0.1, nginx) logs that address with
    port 0 as the client; a request sent directly is logged with its real port."""
    status, _ = http_get(nginx_port, "/healthz", source="127.0.0.9")
    pattern = r'\] 127\.0\.0\.9:0 - "GET /healthz HTTP/1\.1" 200'
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(d.matching(pattern) for d in demos.values()):
        time.sleep(0.05)
    logged = [name for name, demo in demos.items() if demo.matching(pattern)]
    report("GET /healthz from 127.0.0.9 through nginx: 200, and logged by one instance with client 127.0.0.9 "
           "(X-Forwarded-For)", status == 200 and len(logged) == 1, f"{status}, logged by {logged}")


# 2. ---------------------------------------------------------------------------------------------

def ws_connect(stack, port, room, source):
    """A chat client connected to 127.0.0.1:port from the loopback address `source`."""
    from websockets.sync.client import connect
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return stack.enter_context(connect(f"ws://127.0.0.1:{port}/ws/chat/{room}", sock=sock, open_timeout=10,
                                       close_timeout=3))


def accept_counts(demos, room):
    """How many chat WebSockets of `room` each instance has logged as accepted. (asgi-demo logs a
    WebSocket's TCP peer, here nginx, not the X-Forwarded-For client as for HTTP requests; only this
    test opens WebSockets to `room`, so the instance whose count grows is the one that took it.)"""
    pattern = r'"WebSocket /ws/chat/' + re.escape(room) + r'" \[accepted\]'
    return {name: len(demo.matching(pattern)) for name, demo in demos.items()}


def accepted_on(demos, room, before, timeout=5):
    """The instances whose accept count for `room` grew past `before` (waits until one did)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        grown = [name for name, count in accept_counts(demos, room).items() if count > before[name]]
        if grown:
            return grown
        time.sleep(0.05)
    return []


def receive_message(ws, text, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        except TimeoutError:
            break
        if event.get("type") == "message" and event.get("text") == text:
            return event
    return None


def check_chat(nginx_port, demos, ports, nginx):
    room = f"lb{uuid.uuid4().hex[:10]}"
    placed = {}  # client source address -> the instance that accepted it
    with contextlib.ExitStack() as stack:
        before = accept_counts(demos, room)
        first_ws = ws_connect(stack, nginx_port, room, "127.0.0.2")
        first = accepted_on(demos, room, before)
        report("chat client 1 (from 127.0.0.2) accepted through nginx by exactly one instance", len(first) == 1,
               f"accepted by {first}")
        if len(first) != 1:
            return
        placed["127.0.0.2"] = first[0]
        other = None
        for i in range(3, 9):  # round-robin: the next one normally lands on the other instance
            source = f"127.0.0.{i}"
            before = accept_counts(demos, room)
            ws = ws_connect(stack, nginx_port, room, source)
            where = accepted_on(demos, room, before)
            if len(where) == 1:
                placed[source] = where[0]
            if len(where) == 1 and where[0] != first[0]:
                other = (ws, where[0])
                break
        report("chat client 2 accepted through nginx by the other instance", other is not None, f"placed {placed}")
        if other is None:
            return
        second_ws, second = other
        text = f"across-{uuid.uuid4().hex[:8]}"
        first_ws.send(text)
        event = receive_message(second_ws, text)
        report(f"a message sent by the client on {first[0]} reaches the client on {second} (via nginx, Redis)",
               event is not None and event.get("room") == room, f"received {event}")
        reply = f"back-{uuid.uuid4().hex[:8]}"
        second_ws.send(reply)
        event = receive_message(first_ws, reply)
        report(f"a message sent by the client on {second} reaches the client on {first[0]}",
               event is not None and event.get("room") == room, f"received {event}")
    # nginx logs a WebSocket when it closes: its upstream must be the instance that logged the accept.
    expected = {source: f"127.0.0.1:{ports[name]}" for source, name in placed.items()}
    seen, deadline = {}, time.monotonic() + 5
    while time.monotonic() < deadline and len(seen) < len(expected):
        for line in nginx.matching(r'"GET /ws/chat/' + room + r' HTTP/1\.1" 101 upstream='):
            seen[line.split()[0]] = line.split("upstream=")[1].split()[0]
        time.sleep(0.05)
    report("nginx proxied each chat upgrade (101) to the instance that accepted it", seen == expected,
           f"nginx {seen}, instances {expected}")


# 3. ---------------------------------------------------------------------------------------------

class Load:
    """CLIENTS threads doing GET / through nginx on keep-alive connections, counting outcomes."""

    def __init__(self, port, clients, method="GET"):
        self.port, self.method, self.stop, self.lock = port, method, threading.Event(), threading.Lock()
        self.ok, self.bad, self.errors, self.times = 0, [], [], []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if self.method == "POST":
                    sent = f"post-{uuid.uuid4().hex}".encode()
                    conn.request("POST", "/echo", body=sent, headers={"content-type": "text/plain"})
                else:
                    sent = None
                    conn.request("GET", "/")
                response = conn.getresponse()
                body = response.read()
                with self.lock:
                    if response.status == 200 and (body == b"Hello, ASGI!" if sent is None else sent in body):
                        self.ok += 1
                        self.times.append(time.monotonic())
                    else:
                        self.bad.append((response.status, body[:200]))
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as error:  # a reset or timeout seen by the client is a failed request
                with self.lock:
                    self.errors.append(repr(error))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def served_between(self, start, end):
        with self.lock:
            return sum(1 for t in self.times if start <= t < end)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(15)


def check_restart(binary, nginx_port, demos, ports, redis_url, clients, duration, nginx, method):
    target = "/" if method == "GET" else "/echo"
    b_log_get = rf'"{method} {target} HTTP/1\.1" 200'
    load = Load(nginx_port, clients, method)
    time.sleep(duration * 0.3)
    before = load.served_between(0, time.monotonic())
    report(f"load through nginx before the restart: requests served ({clients} clients, {method} {target})",
           before > 0, before)
    old_b = demos["B"]
    served_by_b = len(old_b.matching(b_log_get))
    report("nginx balanced the load onto instance B before the restart", served_by_b > 0, served_by_b)
    sigterm_at = time.monotonic()
    code = old_b.stop(signal.SIGTERM, timeout=40)
    exited_at = time.monotonic()
    report("instance B exits 0 on SIGTERM under load", code == 0,
           f"exit {code}" + ("" if code == 0 else "; log tail:\n" + "\n".join(old_b.text().splitlines()[-15:])))
    time.sleep(duration * 0.2)  # B is down: everything must go to A
    new_b = start_demo(binary, "B", ports["B"], redis_url)
    demos["B"] = new_b
    back_at = time.monotonic()
    # Until B served requests from nginx again (nginx retries it after fail_timeout), bounded.
    deadline = back_at + max(duration * 0.5, 12)
    while time.monotonic() < deadline and not new_b.matching(b_log_get):
        time.sleep(0.1)
    first_b_after = f"{time.monotonic() - back_at:.1f}"
    time.sleep(duration * 0.2)
    load.finish()
    down = load.served_between(sigterm_at, back_at)
    with load.lock:
        total, bad, errors = load.ok, list(load.bad), list(load.errors)
    print(f"load: {total} × 200, {len(bad)} other statuses, {len(errors)} client errors; SIGTERM→exit "
          f"{exited_at - sigterm_at:.2f} s; B down {back_at - exited_at:.2f} s, {down} requests served meanwhile",
          flush=True)
    report(f"restart under load: every {method} answered 200 (no 502/503/504, no resets)", not bad and not errors,
           f"statuses {bad[:5]}, errors {errors[:5]}")
    report("requests kept being served while B was stopping and down (by A)", down > 0, down)
    report("restarted instance B serves through nginx again", bool(new_b.matching(b_log_get)),
           f"{len(new_b.matching(b_log_get))} × {method} {target} in its log, the first {first_b_after} s after it was back")
    retried = nginx.matching(rf'"{method} {target} HTTP/1\.1" 200 upstream=[^ ]+, ')
    print(f"nginx retried {len(retried)} request(s) on the other upstream"
          + (": " + "; ".join(retried[:3]) if retried else ""), flush=True)
    # Why nginx gave up on an upstream attempt, from its error log: "connect() failed (111: Connection
    # refused)" while B is down; "upstream prematurely closed connection" or "(104: Connection reset
    # by peer)" would be B closing a connection under a request while shutting down.
    reasons = {}
    for line in nginx.matching(r"\[(error|warn)\]"):
        reason = re.sub(r"^.*?\*\d+ ", "", line).split(", client:")[0]
        reasons[reason] = reasons.get(reason, 0) + 1
    print(f"nginx error log: {reasons or 'nothing'}", flush=True)
    a_errors = demos["A"].matching(r"\b(error|critical)\b")
    report("instance A logged no errors", not a_errors, a_errors[:5])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or None)
    parser.add_argument("--nginx", default=os.environ.get("SWIFTASGI_TEST_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx",
                        help="the nginx binary (env SWIFTASGI_TEST_NGINX; default: nginx on PATH, else /usr/sbin/nginx)")
    parser.add_argument("--conf", default=NGINX_CONF, help="the nginx.conf to test (default: deploy/nginx.conf)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--method", choices=["GET", "POST"], default="GET",
                        help="the load: GET / (retried by nginx) or POST /echo (never retried once sent)")
    args = parser.parse_args()
    if not os.access(args.nginx, os.X_OK):
        print(f"SKIPPED: nginx is not installed (no {args.nginx}; apt-get install nginx-light)", flush=True)
        return 0
    try:
        import websockets  # noqa: F401
    except ImportError:
        print("FAIL: this Python has no `websockets` (use the venv: scripts/lib/python-venv.sh)", flush=True)
        return 1
    started, tmpdir, procs = time.monotonic(), tempfile.mkdtemp(prefix="asgi-lb-"), {}
    demos = {}
    try:
        redis_url = args.redis_url
        if not redis_url:
            redis_port = free_port()
            procs["redis"] = Proc("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no", "--dir", tmpdir])
            if not procs["redis"].wait_for(r"Ready to accept connections", 10):
                raise RuntimeError("redis-server did not start:\n" + procs["redis"].text())
            redis_url = f"redis://127.0.0.1:{redis_port}"
        ports = {"A": free_port(), "B": free_port()}
        for name, port in ports.items():
            demos[name] = start_demo(args.binary, name, port, redis_url)
        nginx_port = free_port()
        with open(args.conf) as f:
            conf = render_nginx_conf(f.read(), tmpdir, f"127.0.0.1:{ports['A']}", f"127.0.0.1:{ports['B']}",
                                     f"127.0.0.1:{nginx_port}")
        conf_path = os.path.join(tmpdir, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        syntax = subprocess.run([args.nginx, "-t", "-e", "stderr", "-p", tmpdir, "-c", conf_path],
                                capture_output=True, text=True, timeout=30)
        report("nginx -t accepts deploy/nginx.conf", syntax.returncode == 0, syntax.stderr.strip())
        if syntax.returncode != 0:
            return 1
        procs["nginx"] = nginx = Proc("nginx", [args.nginx, "-e", "stderr", "-p", tmpdir, "-c", conf_path,
                                                "-g", "daemon off;"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", nginx_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        print(f"redis {redis_url}; instance A :{ports['A']}, B :{ports['B']}; nginx :{nginx_port}", flush=True)
        status, body = http_get(nginx_port, "/readyz")
        report("/readyz through nginx → 200 ready", (status, body) == (200, "ready"), f"{status} {body!r}")

        t = time.monotonic()
        check_shared_state(nginx_port, ports)
        check_forwarded_for(nginx_port, demos)
        try:
            check_chat(nginx_port, demos, ports, nginx)
        except Exception as error:  # e.g. the upgrade refused: nginx did not pass it through
            report("chat WebSockets through nginx", False, repr(error)[:300])
        print(f"shared state and chat: {time.monotonic() - t:.1f} s", flush=True)
        t = time.monotonic()
        check_restart(args.binary, nginx_port, demos, ports, redis_url, args.clients, args.duration, nginx, args.method)
        print(f"restart under load: {time.monotonic() - t:.1f} s", flush=True)
        for name, demo in demos.items():
            code = demo.stop(signal.SIGTERM)
            report(f"instance {name} exits 0 on SIGTERM at the end", code == 0, f"exit {code}")
    except Exception as error:
        report("the run completed", False, repr(error))
    finally:
        for demo in demos.values():
            demo.stop(signal.SIGKILL, timeout=5)
        for proc in procs.values():
            proc.stop(signal.SIGTERM, timeout=10)
        if failures:
            for name, proc in list(demos.items()) + list(procs.items()):
                print(f"--- {name} log (last 30 lines) ---\n" + "\n".join(proc.text().splitlines()[-30:]), flush=True)
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(f"{len(passes)} passed, {len(failures)} failed in {time.monotonic() - started:.1f} s", flush=True)
    print(("FAIL: " + "; ".join(failures)) if failures else "PASS: load balancer end to end", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
