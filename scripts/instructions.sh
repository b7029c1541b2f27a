#!/usr/bin/env bash
# User-space instructions and heap allocations per request, measured the deterministic way:
# callgrind on a stripped copy of the release asgi-demo (valgrind cannot read Swift's DWARF 5),
# one keep-alive connection, sequential `GET /` through the router; the cost per request is the
# difference of a long and a short run divided by the difference in requests, so start-up and
# shutdown cancel out. Counts do not depend on the machine's load.
#
#   scripts/instructions.sh [BINARY] [PATH]     # default .build/release/asgi-demo and /
#   SHORT=1000 LONG=3000 scripts/instructions.sh
#
# Prints `instructions/request N` and `mallocs/request M` (calls to malloc, calloc, realloc and
# posix_memalign). Needs valgrind and a redis-server (started here on a free port).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

binary=${1:-.build/release/asgi-demo}
path=${2:-/}
short=${SHORT:-1000}
long=${LONG:-3000}
work=$(mktemp -d "${TMPDIR:-/tmp}/swiftasgi-instructions.XXXXXX")
trap 'redis_stop; rm -rf "$work"' EXIT

command -v valgrind >/dev/null || { echo "SKIPPED: valgrind is not installed"; exit 0; }
strip -o "$work/asgi-demo" "$binary"
redis_start_free

# run N: serves N sequential requests under callgrind; prints the total instructions and allocation calls.
run() {
    local requests=$1 port out
    port=$(redis_free_port)
    out="$work/callgrind.$requests"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$work/asgi-demo" --port "$port" \
        --no-access-log --log-level warning --redis-url "redis://127.0.0.1:$REDIS_PORT" \
        2>"$work/valgrind.$requests.log" &
    local server=$!
    python3 - "$port" "$requests" "$path" <<'PY'
import socket, sys, time
port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.time() + 120
while True:  # bounded wait for the server under valgrind to listen
    try:
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        break
    except OSError:
        if time.time() > deadline: raise
        time.sleep(0.2)
request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
buffer = b""
for _ in range(count):
    conn.sendall(request)
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            head = buffer[:end].decode("latin-1").lower()
            length = int(head.split("content-length:")[1].split("\r\n")[0])
            if len(buffer) >= end + 4 + length:
                buffer = buffer[end + 4 + length:]
                break
        chunk = conn.recv(65536)
        if not chunk: sys.exit("server closed the connection")
        buffer += chunk
conn.close()
PY
    kill -TERM "$server"
    wait "$server" || true
    local total allocs
    total=$(awk '/^summary:/ { print $2 }' "$out")
    allocs=$(python3 - "$out" <<'PY'
import re, sys
# Calls into the allocator entry points, from callgrind's raw call records: a `cfn=` line names
# the callee (by `(id)`, with the name where the id first appears), the `calls=` line after it
# counts.
names, callee, total = {}, None, 0
entry = {"malloc", "calloc", "realloc", "posix_memalign"}
for line in open(sys.argv[1], errors="replace"):
    if line.startswith(("fn=", "cfn=")):
        # A function's name is given once, where its id first appears (as caller or callee).
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
        if m and m.group(2): names[m.group(1)] = m.group(2)
        if m and line.startswith("cfn="): callee = names.get(m.group(1))
    elif line.startswith("calls=") and callee in entry:
        total += int(line.split("=")[1].split()[0])
        callee = None
    elif line.startswith("calls="):
        callee = None
print(total)
PY
)
    echo "$total $allocs"
}

read -r short_total short_allocs < <(run "$short")
read -r long_total long_allocs < <(run "$long")
requests=$((long - short))
echo "binary $binary, GET $path, runs of $short and $long requests"
echo "instructions/request $(((long_total - short_total) / requests))"
echo "allocations/request $(awk -v a="$long_allocs" -v b="$short_allocs" -v n="$requests" 'BEGIN { printf "%.2f", (a - b) / n }')"
