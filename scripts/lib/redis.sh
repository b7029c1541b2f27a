# shellcheck shell=bash
# Start and stop a throwaway redis-server on loopback. Sourced by .ci/run, scripts/test.sh and
# scripts/run-demo.sh; defines functions only (no side effects when sourced).
#
#   redis_answers URL        -> 0 when a Redis at URL answers PING (bounded to 3 s)
#   redis_free_port          -> prints a free loopback TCP port (bind to port 0, then release)
#   redis_start PORT         -> starts redis-server on 127.0.0.1:PORT in the background, waits
#                               (bounded) until it answers PING; sets REDIS_PID and REDIS_DIR
#   redis_start_free         -> redis_start on a free port (retries if the port got taken); sets REDIS_PORT
#   redis_stop               -> stops what redis_start started (idempotent; safe in an EXIT trap)
#   redis_for_tests          -> unless REDIS_URL is set: redis_start_free, then exports REDIS_URL and
#                               SWIFTASGI_TEST_REDIS_PORT for the tests (a warning when not installed)

REDIS_PID=""
REDIS_DIR=""
REDIS_PORT=""

redis_answers() {
    local url=$1
    command -v redis-cli >/dev/null 2>&1 || return 1
    [[ "$(timeout 3 redis-cli -u "$url" ping 2>/dev/null)" == "PONG" ]]
}

redis_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

redis_start() {
    local port=$1
    REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/swiftasgi-redis.XXXXXX")
    # setsid: its own session, so a Ctrl-C in the terminal reaches only our traps, which stop
    # Redis after the server that uses it.
    setsid redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" &
    REDIS_PID=$!
    REDIS_PORT=$port
    local i
    for ((i = 0; i < 100; i++)); do # bounded: 100 x 0.1 s
        if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
            echo "redis-server pid $REDIS_PID answering on 127.0.0.1:$port (log: $REDIS_DIR/redis.log)" >&2
            return 0
        fi
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            echo "redis-server on port $port exited at start:" >&2
            tail -n 5 "$REDIS_DIR/redis.log" >&2 || true
            REDIS_PID=""
            redis_stop
            return 1
        fi
        sleep 0.1
    done
    echo "redis-server on port $port did not answer PING within 10 s" >&2
    redis_stop
    return 1
}

redis_start_free() {
    local attempt
    for attempt in 1 2 3; do
        redis_start "$(redis_free_port)" && return 0
    done
    return 1
}

redis_stop() {
    if [[ -n "$REDIS_PID" ]]; then
        kill -TERM "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        echo "redis-server pid $REDIS_PID stopped" >&2
        REDIS_PID=""
    fi
    if [[ -n "$REDIS_DIR" ]]; then
        rm -rf "$REDIS_DIR"
        REDIS_DIR=""
    fi
}

redis_for_tests() {
    if [[ -z "${REDIS_URL:-}" ]]; then
        if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
            redis_start_free
            export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
            export SWIFTASGI_TEST_REDIS_PORT="$REDIS_PORT"
        else
            echo "warning: redis-server/redis-cli not installed: the Redis-backed end-to-end tests are skipped" >&2
        fi
    fi
    echo "REDIS_URL=${REDIS_URL:-<unset>}" >&2
}
