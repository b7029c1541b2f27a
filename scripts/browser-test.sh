#!/usr/bin/env bash
# The /chat page in headless Chromium, across two asgi-demo processes that share one Redis:
# a person on server A types a message, a person on server B must see it (and B's reply reaches A).
# The browser side is scripts/e2e/chat_browser.py; this script gets what it needs and cleans up.
#
#   scripts/browser-test.sh [ASGI_DEMO_BINARY]     (default: $ASGI_DEMO_BINARY or .build/debug/asgi-demo)
#
# - Chromium: chromium, chromium-browser or google-chrome from PATH; when none is there, Debian's
#   `chromium` is installed with apt-get (as root or with password-less sudo only).
# - Python: $SWIFTASGI_TEST_PYTHON, else .build-venv/ (made by scripts/lib/python-venv.sh), with `websockets`.
# - Redis: $REDIS_URL when set, else a throwaway redis-server on a free loopback port.
# No browser or no Python with websockets: prints "SKIPPED: browser chat test: <reason>", exits 0.
# Otherwise prints PASSED (exit 0) or FAILED (exit 1) with the servers' last log lines.
# Screenshots and server logs go to $ARTIFACT_DIR (default .build/artifacts/browser).
# CHAT_BROWSER_ARGS: extra arguments for chat_browser.py (--expect-wrong: a run that must fail).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

binary=${1:-${ASGI_DEMO_BINARY:-.build/debug/asgi-demo}}
export ARTIFACT_DIR=${ARTIFACT_DIR:-.build/artifacts/browser}
started=$(date +%s)

skip() { echo "SKIPPED: browser chat test: $*"; exit 0; }
fail() { echo "FAILED: browser chat test: $*"; exit 1; }

[[ -x "$binary" ]] || fail "no asgi-demo executable at $binary (build it first)"

# --- the browser -----------------------------------------------------------------------------
find_browser() {
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}
install_browser() { # Debian's chromium, bounded; says why not when it cannot
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); else
            echo "not root and no password-less sudo to install chromium" >&2; return 1; fi
    fi
    command -v apt-get >/dev/null 2>&1 || { echo "no apt-get to install chromium" >&2; return 1; }
    export DEBIAN_FRONTEND=noninteractive
    echo "installing chromium with apt-get (bounded to 600 s)" >&2
    # The package lists first when they do not know chromium yet (a fresh container has none).
    if ! apt-cache show chromium >/dev/null 2>&1; then
        "${sudo[@]}" timeout 300 apt-get update -qq >&2 || true
    fi
    "${sudo[@]}" timeout 600 apt-get install -y -qq --no-install-recommends chromium >/dev/null
}
browser=$(find_browser) || { install_browser || true; browser=$(find_browser) || true; }
[[ -n "$browser" ]] || skip "no chromium, chromium-browser or google-chrome, and it could not be installed"
"$browser" --version 2>/dev/null | grep -v '^\s*$' | tail -n 1 || true # (Debian's launcher may warn first)

# --- Python with websockets --------------------------------------------------------------------
source scripts/lib/python-venv.sh
python_venv_for_tests >/dev/null || true # sets SWIFTASGI_TEST_PYTHON when it can; never fails
python=${SWIFTASGI_TEST_PYTHON:-}
[[ -n "$python" ]] && "$python" -c 'import websockets.asyncio.client' 2>/dev/null \
    || skip "no Python with the websockets library (python3-venv and PyPI needed for .build-venv/)"

# --- cleanup: the browser test, the servers (SIGTERM, SIGKILL after 10 s), then Redis ---------
server_pids=()
test_pid=""
logs=$(mktemp -d "${TMPDIR:-/tmp}/browser-test.XXXXXX")
cleanup() {
    local status=$? pid i
    if [[ -n "$test_pid" ]]; then kill -TERM "$test_pid" 2>/dev/null || true; wait "$test_pid" 2>/dev/null || true; fi
    for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${server_pids[@]}"; do
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    redis_stop
    mkdir -p "$ARTIFACT_DIR"
    cp "$logs"/*.log "$ARTIFACT_DIR"/ 2>/dev/null || true
    rm -rf "$logs"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Redis ---------------------------------------------------------------------------------------
if [[ -n "${REDIS_URL:-}" ]]; then
    if command -v redis-cli >/dev/null 2>&1 && ! redis_answers "$REDIS_URL"; then
        fail "the Redis at REDIS_URL=$REDIS_URL does not answer PING"
    fi
else
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
        || fail "redis-server/redis-cli not installed and REDIS_URL not set"
    redis_start_free || fail "could not start a redis-server"
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

# --- two asgi-demo processes, each on a port of its own choosing ------------------------------
# --port 0: the kernel picks a free port; the server prints it ("running on http://127.0.0.1:P").
start_server() { # start_server NAME -> sets server_port
    local name=$1 log="$logs/server-$1.log" i
    : >"$log" # made here: the background start may open it only after the first look below
    setsid "$binary" --host 127.0.0.1 --port 0 --redis-url "$REDIS_URL" --timeout-graceful-shutdown 5 \
        </dev/null >"$log" 2>&1 &
    server_pids+=($!)
    server_port=""
    for ((i = 0; i < 200; i++)); do # bounded: 200 x 0.1 s
        server_port=$(sed -n 's|.*running on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" 2>/dev/null \
            | head -n 1 || true)
        [[ -n "$server_port" ]] && break
        kill -0 "${server_pids[-1]}" 2>/dev/null || { tail -n 5 "$log"; fail "server $name exited at start"; }
        sleep 0.1
    done
    [[ -n "$server_port" ]] || { tail -n 5 "$log"; fail "server $name printed no address within 20 s"; }
    for ((i = 0; i < 100; i++)); do # bounded: /healthz within 10 s
        if "$python" -c 'import sys, urllib.request
sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).read() != b"ok")' \
            "http://127.0.0.1:$server_port/healthz" 2>/dev/null; then
            echo "server $name: pid ${server_pids[-1]} on 127.0.0.1:$server_port (redis $REDIS_URL)"
            return 0
        fi
        sleep 0.1
    done
    tail -n 5 "$log"
    fail "server $name does not answer /healthz on port $server_port"
}
start_server A; port_a=$server_port
start_server B; port_b=$server_port

# --- the browser test itself (bounded as a whole) ---------------------------------------------
# In the background with `wait`, so a SIGTERM/Ctrl-C here stops it at once (cleanup sends it SIGTERM,
# and it stops Chromium) instead of waiting for it to finish.
test_status=0
timeout 120 "$python" scripts/e2e/chat_browser.py --browser "$browser" \
    --url-a "http://127.0.0.1:$port_a/chat" --url-b "http://127.0.0.1:$port_b/chat" \
    ${CHAT_BROWSER_ARGS:-} &
test_pid=$!
wait "$test_pid" || test_status=$?
test_pid=""
if ((test_status != 0)); then
    for name in A B; do echo "--- last lines of server $name's log:"; tail -n 8 "$logs/server-$name.log"; done
    fail "status $test_status after $(($(date +%s) - started)) s (screenshots and logs in $ARTIFACT_DIR)"
fi
echo "PASSED: browser chat test ($(($(date +%s) - started)) s; screenshots in $ARTIFACT_DIR)"
