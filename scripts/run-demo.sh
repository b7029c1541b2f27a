#!/usr/bin/env bash
# The newcomer's one command: install what is missing, build the release asgi-demo, make sure a
# Redis answers (starting a throwaway local redis-server when none does), and serve on :6000.
#
#   scripts/run-demo.sh                          # http://127.0.0.1:6000
#   PORT=8080 HOST=0.0.0.0 scripts/run-demo.sh   # another address
#   REDIS_URL=redis://127.0.0.1:6380 scripts/run-demo.sh --log-level debug   # flags go to asgi-demo
#   SCRATCH_PATH=.build-x scripts/run-demo.sh    # another build directory
#
# Ctrl-C (or SIGTERM to this script) stops the server gracefully, then the redis-server it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

packages=(libuv1-dev libhttp-parser-dev libhiredis-dev zlib1g-dev libssl-dev pkg-config redis-server redis-tools)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing packages: ${missing[*]}. Install them, then run this again:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "==> installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scratch=${SCRATCH_PATH:-.build}
echo "==> swift build -c release --product asgi-demo --scratch-path $scratch"
swift build -c release --product asgi-demo --scratch-path "$scratch"
demo=$scratch/release/asgi-demo

demo_pid=""
cleanup() {
    if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then
        kill -TERM "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    redis_stop
}
trap cleanup EXIT

export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
if redis_answers "$REDIS_URL"; then
    echo "==> Redis answers on $REDIS_URL"
else
    # Only a loopback URL without a password can be stood in for by a local redis-server.
    if [[ "$REDIS_URL" =~ ^redis://(127\.0\.0\.1|localhost)(:([0-9]+))?(/[0-9]*)?$ ]]; then
        echo "==> no Redis on $REDIS_URL: starting a local redis-server (stopped on exit)"
        redis_start "${BASH_REMATCH[3]:-6379}"
    else
        echo "warning: no Redis answers on $REDIS_URL; /get, /set and /readyz will answer 503" >&2
    fi
fi

args=(--host "${HOST:-127.0.0.1}" --port "${PORT:-6000}")
if "$demo" --help 2>&1 | grep -q -- '--redis-url'; then
    args+=(--redis-url "$REDIS_URL")
fi

echo "==> $demo ${args[*]} $*"
# In its own session: a terminal Ctrl-C reaches this script only, which forwards it once.
setsid "$demo" "${args[@]}" "$@" &
demo_pid=$!
trap 'kill -INT "$demo_pid" 2>/dev/null || true' INT
trap 'kill -TERM "$demo_pid" 2>/dev/null || true' TERM
status=0
while true; do
    # `wait` returns early (status > 128) when a trapped signal arrives; wait again until it exits.
    wait "$demo_pid" && status=0 || status=$?
    kill -0 "$demo_pid" 2>/dev/null || break
done
demo_pid=""
exit "$status"
