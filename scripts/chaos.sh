#!/usr/bin/env bash
# Faults under load, with figures: runs the release asgi-demo (it builds nothing), puts a wrk load
# on it and injects one fault per scenario, then prints one line per scenario
#   chaos <name>: PASS|FAIL <figures> (load <1, 5, 15 min load average>)
# and a final "N passed, M failed" line; exit status 1 when any scenario failed.
#
#   scripts/chaos.sh                          # every scenario (the soak takes CHAOS_SOAK_SECONDS)
#   scripts/chaos.sh sighup worker-kill       # only these
#   ASGI_DEMO_BINARY=.build-x/asgi-demo CHAOS_SOAK_SECONDS=120 scripts/chaos.sh soak
#
# Scenarios: redis-restart worker-kill sighup slowloris slow-readers soak (a function each, below).
# The server runs pinned to CPU $CHAOS_SERVER_CPU (0), wrk, the Python clients and redis-server to
# CPU $CHAOS_LOAD_CPU (1). Loopback only; every wait and every load is bounded in time; whatever a
# scenario starts is stopped by its EXIT trap (also on Ctrl-C). Logs stay in a temporary folder
# (printed) when a scenario fails, or always with CHAOS_KEEP=1. Needs wrk, python3, curl, ss,
# taskset, redis-server and redis-cli.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

BIN=${ASGI_DEMO_BINARY:-.build/release/asgi-demo}
SOAK_SECONDS=${CHAOS_SOAK_SECONDS:-600}
SOAK_WARMUP=${CHAOS_SOAK_WARMUP:-60}
SERVER_CPU=${CHAOS_SERVER_CPU:-0}
LOAD_CPU=${CHAOS_LOAD_CPU:-1}
RECOVERY_MAX=${CHAOS_RECOVERY_MAX:-2.0} # seconds from "Redis answers again" to the first 200
CLIENTS=scripts/chaos/clients.py
WRK_LUA=scripts/chaos/wrk.lua
ALL_SCENARIOS=(redis-restart worker-kill sighup slowloris slow-readers soak)

for tool in wrk python3 curl ss taskset redis-server redis-cli; do
    command -v "$tool" >/dev/null || { echo "chaos: $tool is not installed" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "chaos: no executable at $BIN (set ASGI_DEMO_BINARY)" >&2; exit 2; }
# 1,000 slowloris connections + wrk + the server's own descriptors: raise the soft open-file limit.
nofile=$(ulimit -Sn)
if [[ $nofile != unlimited ]] && ((nofile < 8192)); then ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/swiftasgi-chaos.XXXXXX")
KEEP_WORK=${CHAOS_KEEP:-0}
trap 'if [[ $KEEP_WORK == 1 ]]; then echo "chaos: logs in $WORK" >&2; else rm -rf "$WORK"; fi' EXIT
# Ctrl-C / TERM: the running scenario (a background subshell) gets TERM and cleans up after itself.
SCENARIO_PID=""
abort() {
    [[ -z $SCENARIO_PID ]] || { kill -TERM "$SCENARIO_PID" 2>/dev/null; wait "$SCENARIO_PID" 2>/dev/null; }
    exit "$1"
}
trap 'abort 130' INT
trap 'abort 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers. Scenario state (set by start_server / wrk_bg, cleared by cleanup_scenario).
SCENARIO="" SERVER_PID="" SERVER_PORT="" SERVER_LOG="" WRK_PID=""
PIDS=()   # background processes of this scenario, stopped in reverse order
FAILS=()  # failed expectations of this scenario

log() { echo "[chaos $(date +%T)] $*" >&2; }
now() { date +%s.%N; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fle() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }   # $1 <= $2 (floats)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# expect WHAT COMMAND...: records WHAT as failed unless COMMAND succeeds.
expect() { local what=$1; shift; if ! "$@"; then FAILS+=("$what"); fi; }

# finish FIGURES: prints the scenario's result line; returns 1 when an expectation failed.
finish() {
    local verdict=PASS
    ((${#FAILS[@]} == 0)) || verdict=FAIL
    local line="chaos $SCENARIO: $verdict $1 (load $(load_avg))"
    ((${#FAILS[@]} == 0)) || line+=" failed: $(IFS=';'; echo "${FAILS[*]}")"
    echo "$line" | tee "$WORK/result-$SCENARIO"
    [[ $verdict == PASS ]]
}

# stop_pid PID [SECONDS]: TERM, wait (bounded), then KILL.
stop_pid() {
    local pid=$1 tenths=$((${2:-5} * 10)) i
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    for ((i = 0; i < tenths; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup_scenario() {
    local i pid workers=()
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 2; done
    if [[ -n "$SERVER_PID" ]]; then
        mapfile -t workers < <(pgrep -P "$SERVER_PID" || true)
        stop_pid "$SERVER_PID" 40 # graceful: in-flight requests finish (≤ 30 s), workers too
        for pid in "${workers[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
        SERVER_PID=""
    fi
    redis_stop 2>/dev/null
}

workers_of() { pgrep -P "$SERVER_PID" | sort -n || true; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }    # utime + stime
# conns_of PID: established connections to the server port held by process PID.
conns_of() { ss -tnpH state established "( sport = :$SERVER_PORT )" | grep -c "pid=$1," || true; }
server_conns() { ss -tnH state established "( sport = :$SERVER_PORT )" | wc -l; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SERVER_PORT$1" || true; }
running_lines() { grep -c "SwiftASGI running on" "$SERVER_LOG" || true; }

# start_server [FLAGS...]: asgi-demo on a free loopback port, pinned; waits until it (and every
# worker of --workers N) serves.
start_server() {
    local workers=1 i a prev=""
    for a in "$@"; do [[ $prev == --workers ]] && workers=$a; prev=$a; done
    SERVER_PORT=$(redis_free_port)
    SERVER_LOG="$WORK/server-$SCENARIO.log"
    taskset -c "$SERVER_CPU" "$BIN" --host 127.0.0.1 --port "$SERVER_PORT" --no-access-log "$@" \
        >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do # bounded: 10 s
        if [[ $(http_code /healthz) == 200 ]] && (($(running_lines) >= workers)); then
            log "asgi-demo pid $SERVER_PID on 127.0.0.1:$SERVER_PORT: $*"
            return 0
        fi
        sleep 0.1
    done
    log "asgi-demo did not start:"; tail -n 20 "$SERVER_LOG" >&2
    return 1
}

# wrk_bg OUT SECONDS CONNECTIONS PATH [WRK FLAGS...]: one wrk thread on the load CPU, in the
# background (WRK_PID). STATUS=1 counts statuses per code, MIX=1 rotates the soak's requests.
wrk_bg() {
    local out=$1 seconds=$2 conns=$3 path=$4
    shift 4
    env CHAOS_STATUS="${STATUS:-0}" CHAOS_MIX="${MIX:-0}" taskset -c "$LOAD_CPU" \
        wrk -t1 -c"$conns" -d"${seconds}s" --timeout 5s -s "$WRK_LUA" "$@" \
        "http://127.0.0.1:$SERVER_PORT$path" >"$out" 2>&1 &
    WRK_PID=$!
    PIDS+=("$WRK_PID")
}
# wrk_run: wrk_bg and wait; OUT.cpu gets the server's CPU µs per request during the run (a
# figure that the other tenants of a shared machine disturb less than req/s).
wrk_run() {
    local out=$1 t0 ticks
    t0=$(cpu_ticks "$SERVER_PID")
    wrk_bg "$@"
    wait "$WRK_PID" || true
    ticks=$(($(cpu_ticks "$SERVER_PID") - t0))
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$(wrk_field "$out" requests)" \
        'BEGIN { printf "%.1f\n", (n > 0 ? t * 1e6 / hz / n : 0) }' >"$out.cpu"
}
cpu_us() { cat "$1.cpu"; }
# wrk_field OUT KEY: a value of the CHAOS_WRK line (requests rps connect read write status timeout codes).
wrk_field() { grep -o 'CHAOS_WRK .*' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
wrk_socket_errors() { echo $(($(wrk_field "$1" connect) + $(wrk_field "$1" read) + $(wrk_field "$1" write) + $(wrk_field "$1" timeout))); }
wrk_summary() { # requests, socket errors by kind, non-2xx (wrk's status > 399), codes
    local f=$1
    echo "requests=$(wrk_field "$f" requests) rps=$(wrk_field "$f" rps) errors(connect/read/write/timeout)=$(wrk_field "$f" connect)/$(wrk_field "$f" read)/$(wrk_field "$f" write)/$(wrk_field "$f" timeout) non2xx=$(wrk_field "$f" status) codes=$(wrk_field "$f" codes)"
}
# codes_only CODES ALLOWED...: every code of "200:5,503:2" is one of ALLOWED.
codes_only() {
    local codes=$1 code; shift
    for code in $(tr ',' '\n' <<<"$codes" | cut -d: -f1); do
        [[ " $* " == *" $code "* ]] || return 1
    done
}
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

pin_redis() { taskset -pc "$LOAD_CPU" "$REDIS_PID" >/dev/null; }

# Restarts redis-server on the same port and --dir as before, so it loads the dump.rdb saved
# before the kill before it answers anything: no window in which the key is missing (404).
redis_restart_same_port() {
    local i
    setsid taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize no --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" &
    REDIS_PID=$!
    for ((i = 0; i < 250; i++)); do # bounded: 5 s
        [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] && return 0
        sleep 0.02
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# 1. Redis SIGKILLed under load on /get and restarted on the same port ~3 s later.
scenario_redis_restart() {
    redis_start_free && pin_redis
    start_server --redis-url "redis://127.0.0.1:$REDIS_PORT"
    expect "GET /set answers OK" test "$(curl -s --max-time 2 "http://127.0.0.1:$SERVER_PORT/set?key=k&value=v")" = OK
    taskset -c "$LOAD_CPU" python3 "$CLIENTS" poll "http://127.0.0.1:$SERVER_PORT/get?key=k" \
        --duration 22 --interval 0.01 --out "$WORK/poll.txt" >/dev/null &
    local poller=$! && PIDS+=("$poller")
    STATUS=1 wrk_bg "$WORK/wrk-redis.txt" 20 32 "/get?key=k"
    sleep 6
    redis-cli -p "$REDIS_PORT" SAVE >/dev/null # the restarted Redis loads k=v from this dump
    local t_back t_kill=$(now)
    kill -KILL "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
    log "redis-server SIGKILLed"
    sleep 3
    expect "redis-server restarts" redis_restart_same_port
    t_back=$(now)
    pin_redis
    expect "re-SET k" test "$(redis-cli -p "$REDIS_PORT" SET k v)" = OK
    log "redis-server back after $(fsub "$t_back" "$t_kill") s"
    wait "$WRK_PID" "$poller" || true
    python3 "$CLIENTS" recovery "$WORK/poll.txt" "$t_kill" "$t_back" >"$WORK/recovery.json"
    local f=$WORK/wrk-redis.txt codes recovery poll_codes
    codes=$(wrk_field "$f" codes)
    recovery=$(json_field "$WORK/recovery.json" recovery_s)
    poll_codes=$(json_field "$WORK/recovery.json" codes)
    expect "wrk statuses only 200/503" codes_only "$codes" 200 503
    expect "poller statuses only 200/503" codes_only "$poll_codes" 200 503
    expect "some 503 during the outage" grep -q '503:' <<<"$codes"
    expect "no wrk timeout (hung request)" test "$(wrk_field "$f" timeout)" -eq 0
    expect "no socket errors" test "$(wrk_socket_errors "$f")" -eq 0
    expect "recovery < ${RECOVERY_MAX}s" fle "${recovery/None/999}" "$RECOVERY_MAX"
    finish "$(wrk_summary "$f") redis_down=$(fsub "$t_back" "$t_kill")s recovery=${recovery}s (first 200 after Redis answered again) poller=$poll_codes"
}

# 2. One of two workers SIGKILLed under load on /.
scenario_worker_kill() {
    start_server --workers 2
    local before victim victim_conns other_conns t_kill t_ready="" i new="" after
    mapfile -t before < <(workers_of)
    STATUS=1 wrk_bg "$WORK/wrk-kill.txt" 12 32 /
    sleep 4
    # The victim: the worker holding more of wrk's connections (one worker may hold them all).
    victim=${before[0]} victim_conns=$(conns_of "${before[0]}") other_conns=$(conns_of "${before[1]}")
    ((other_conns <= victim_conns)) || { victim=${before[1]}; i=$victim_conns; victim_conns=$other_conns; other_conns=$i; }
    t_kill=$(now)
    kill -KILL "$victim"
    log "worker $victim SIGKILLed holding $victim_conns of wrk's connections (other worker: $other_conns)"
    for ((i = 0; i < 100; i++)); do # bounded: 10 s for the replacement to serve
        new=$(workers_of | grep -vx -e "${before[0]}" -e "${before[1]}" || true)
        [[ -n $new ]] && (($(running_lines) >= 3)) && { t_ready=$(now); break; }
        sleep 0.1
    done
    wait "$WRK_PID" || true
    local f=$WORK/wrk-kill.txt failed
    failed=$(($(wrk_socket_errors "$f") + $(wrk_field "$f" status)))
    expect "failed requests <= victim's connections ($victim_conns)" test "$failed" -le "$victim_conns"
    expect "victim held connections" test "$victim_conns" -gt 0
    expect "a new worker serves" test -n "$t_ready"
    # After the restart: one new connection per request (Connection: close), so the accept queue
    # shared by both workers spreads the load; each worker's CPU time must grow.
    mapfile -t after < <(workers_of)
    expect "2 workers after the restart" test "${#after[@]}" -eq 2
    local t0=() t1=() shares=() total=0 w
    for w in "${after[@]}"; do t0+=("$(cpu_ticks "$w")"); done
    wrk_bg "$WORK/wrk-kill-after.txt" 5 32 / -H "Connection: close" && { wait "$WRK_PID" || true; }
    for i in "${!after[@]}"; do t1+=($(($(cpu_ticks "${after[i]}") - t0[i]))); total=$((total + t1[i])); done
    for i in "${!after[@]}"; do
        shares+=("${after[i]}:$((total > 0 ? 100 * t1[i] / total : 0))%")
        expect "worker ${after[i]} takes >= 10% of the load" test $((total > 0 ? 100 * t1[i] / total : 0)) -ge 10
    done
    expect "load after the restart served" test "$(wrk_socket_errors "$WORK/wrk-kill-after.txt")" -eq 0
    finish "$(wrk_summary "$f") failed=$failed victim=$victim conns_on_victim=$victim_conns new_worker=${new:-none} restart=$( [[ -n $t_ready ]] && fsub "$t_ready" "$t_kill" || echo -)s after(Connection: close, 5 s): requests=$(wrk_field "$WORK/wrk-kill-after.txt" requests) cpu_share=${shares[*]}"
}

# 3. SIGHUP (rolling restart) to the supervisor under load on /.
scenario_sighup() {
    start_server --workers 2
    local before after t_hup t_done="" i
    mapfile -t before < <(workers_of)
    STATUS=1 wrk_bg "$WORK/wrk-hup.txt" 15 32 /
    sleep 5
    t_hup=$(now)
    kill -HUP "$SERVER_PID"
    for ((i = 0; i < 200; i++)); do # bounded: 20 s for both old workers to be replaced and gone
        mapfile -t after < <(workers_of)
        if ((${#after[@]} == 2)) && ! printf '%s\n' "${after[@]}" | grep -qx -e "${before[0]}" -e "${before[1]}"; then
            t_done=$(now); break
        fi
        sleep 0.1
    done
    wait "$WRK_PID" || true
    mapfile -t after < <(workers_of)
    local f=$WORK/wrk-hup.txt && expect "rolling restart finished" test -n "$t_done"
    expect "0 socket errors" test "$(wrk_socket_errors "$f")" -eq 0
    expect "0 non-2xx" test "$(wrk_field "$f" status)" -eq 0
    expect "only 200" test "$(wrk_field "$f" codes)" = "200:$(wrk_field "$f" requests)"
    finish "$(wrk_summary "$f") wrk_connections=32 workers ${before[*]} -> ${after[*]} roll=$( [[ -n $t_done ]] && fsub "$t_done" "$t_hup" || echo -)s"
}

# 4. 1,000 slowloris connections beside the normal load on /.
scenario_slowloris() {
    start_server
    wrk_run "$WORK/wrk-base.txt" 10 32 /
    taskset -c "$LOAD_CPU" python3 "$CLIENTS" slowloris 127.0.0.1 "$SERVER_PORT" --conns 1000 \
        --duration 60 --ready-file "$WORK/loris.ready" --stop-file "$WORK/loris.stop" >"$WORK/loris.json" &
    local loris=$! i held && PIDS+=("$loris")
    for ((i = 0; i < 200; i++)); do [[ -e "$WORK/loris.ready" ]] && break; sleep 0.1; done # ≤ 20 s
    expect "1,000 slowloris connections open" test -e "$WORK/loris.ready"
    held=$(server_conns)
    wrk_run "$WORK/wrk-loris.txt" 10 32 /
    touch "$WORK/loris.stop"
    wait "$loris" || true
    wrk_run "$WORK/wrk-base-after.txt" 10 32 /
    # The baseline is the mean of a clean run before and one after: other tenants of a shared
    # machine move req/s by 10-20 % within a minute (the server's CPU µs/request moves far less).
    local before loaded after base
    before=$(wrk_field "$WORK/wrk-base.txt" rps)
    loaded=$(wrk_field "$WORK/wrk-loris.txt" rps)
    after=$(wrk_field "$WORK/wrk-base-after.txt" rps)
    base=$(((before + after) / 2))
    expect "req/s under slowloris >= 80% of the baseline" fle "$(awk -v b="$base" 'BEGIN { print 0.8 * b }')" "$loaded"
    expect "no socket errors under slowloris" test "$(wrk_socket_errors "$WORK/wrk-loris.txt")" -eq 0
    finish "baseline=${base} req/s (before ${before}, after ${after}), with slowloris=${loaded} req/s ($(ratio "$loaded" "$base")x); server CPU µs/request $(cpu_us "$WORK/wrk-base.txt") / $(cpu_us "$WORK/wrk-loris.txt") / $(cpu_us "$WORK/wrk-base-after.txt"); server held $held connections; under load: $(wrk_summary "$WORK/wrk-loris.txt"); slowloris: $(tr -d '{}"' <"$WORK/loris.json")"
}

# 5. 200 slow readers of GET /stream?n=10000 (small window and MSS, see clients.py) beside the
# normal load on /, with --timeout-send 5.
scenario_slow_readers() {
    start_server --timeout-send 5 --log-level debug # debug: one line per send timeout
    wrk_run "$WORK/wrk-base.txt" 10 32 /
    local before peak after left i sampler reader
    before=$(rss_kb "$SERVER_PID")
    (for ((i = 0; i < 400; i++)); do rss_kb "$SERVER_PID"; sleep 0.1; done) >"$WORK/rss.txt" &
    sampler=$! && PIDS+=("$sampler")
    taskset -c "$LOAD_CPU" python3 "$CLIENTS" slowread 127.0.0.1 "$SERVER_PORT" --conns 200 \
        --duration 20 --drain 5 >"$WORK/slowread.json" &
    reader=$! && PIDS+=("$reader")
    sleep 3
    wrk_run "$WORK/wrk-slow.txt" 10 32 /
    wait "$reader" || true
    stop_pid "$sampler" 1
    sleep 2
    peak=$(sort -n "$WORK/rss.txt" | tail -n 1)
    after=$(rss_kb "$SERVER_PID")
    for ((i = 0; i < 50; i++)); do left=$(server_conns); ((left == 0)) && break; sleep 0.1; done
    local closed base loaded
    closed=$(grep -c "did not read the response in time" "$SERVER_LOG" || true)
    base=$(wrk_field "$WORK/wrk-base.txt" rps)
    loaded=$(wrk_field "$WORK/wrk-slow.txt" rps)
    expect "slow readers connected" test -s "$WORK/slowread.json"
    expect "RSS growth <= 200 x 256 KiB" test $((peak - before)) -le $((200 * 256))
    expect "req/s beside slow readers >= 50% of the baseline" fle "$(awk -v b="$base" 'BEGIN { print 0.5 * b }')" "$loaded"
    expect "no socket errors in the normal load" test "$(wrk_socket_errors "$WORK/wrk-slow.txt")" -eq 0
    expect "answers after the slow readers left" test "$(http_code /)" = 200
    expect "no connection left open" test "$left" -eq 0
    finish "rss_kb before=$before peak=$peak after=$after (peak +$(((peak - before) / 200)) KiB per slow connection); baseline=$base req/s, beside slow readers=$loaded req/s ($(ratio "$loaded" "$base")x), server CPU µs/request $(cpu_us "$WORK/wrk-base.txt") / $(cpu_us "$WORK/wrk-slow.txt"); server closed $closed slow connections (send timeout); clients: $(tr -d '{}"' <"$WORK/slowread.json"); connections left=$left"
}

# 6. CHAOS_SOAK_SECONDS of mixed load with VmRSS sampled every 10 s.
scenario_soak() {
    redis_start_free && pin_redis
    start_server --redis-url "redis://127.0.0.1:$REDIS_PORT"
    expect "GET /set answers OK" test "$(curl -s --max-time 2 "http://127.0.0.1:$SERVER_PORT/set?key=k&value=v")" = OK
    STATUS=1 MIX=1 wrk_bg "$WORK/wrk-soak.txt" "$SOAK_SECONDS" 32 /
    local samples=() t=0 i ref="" worst=0 dev s start=$SECONDS
    for ((i = 0; i <= SOAK_SECONDS / 10 + 2; i++)); do # bounded; ends with wrk
        kill -0 "$WRK_PID" 2>/dev/null || break
        t=$((SECONDS - start))
        s=$(rss_kb "$SERVER_PID")
        samples+=("$t:$s")
        if ((t >= SOAK_WARMUP)); then
            [[ -n $ref ]] || ref=$s
            dev=$(awk -v a="$s" -v r="$ref" 'BEGIN { d = (a - r) / r * 100; printf "%.1f", d < 0 ? -d : d }')
            fle "$dev" "$worst" || worst=$dev
        fi
        sleep 10
    done
    wait "$WRK_PID" || true
    echo "chaos soak samples (s:VmRSS KiB): ${samples[*]}"
    local f=$WORK/wrk-soak.txt && expect "a post-warm-up sample" test -n "$ref"
    expect "every post-warm-up sample within 10% of the first" fle "$worst" 10
    expect "no socket errors" test "$(wrk_socket_errors "$f")" -eq 0
    expect "only 200" test "$(wrk_field "$f" codes)" = "200:$(wrk_field "$f" requests)"
    finish "${SOAK_SECONDS}s, ${#samples[@]} samples, reference (t=${SOAK_WARMUP}s)=${ref:-none} KiB, max deviation ${worst}%; $(wrk_summary "$f")"
}

# ---------------------------------------------------------------------------------------------
scenarios=("$@")
((${#scenarios[@]} > 0)) || scenarios=("${ALL_SCENARIOS[@]}")
for name in "${scenarios[@]}"; do
    [[ " ${ALL_SCENARIOS[*]} " == *" $name "* ]] || { echo "chaos: unknown scenario '$name' (${ALL_SCENARIOS[*]})" >&2; exit 64; }
done
log "binary $BIN, server CPU $SERVER_CPU, load CPU $LOAD_CPU, work dir $WORK, load $(load_avg)"
passed=0 failed=0
for name in "${scenarios[@]}"; do
    log "scenario $name (load $(load_avg))"
    (
        set -e
        SCENARIO=$name
        trap cleanup_scenario EXIT
        trap 'exit 143' TERM
        "scenario_${name//-/_}"
    ) &
    SCENARIO_PID=$!
    rc=0
    wait "$SCENARIO_PID" || rc=$?
    SCENARIO_PID=""
    if [[ ! -e "$WORK/result-$name" ]]; then
        echo "chaos $name: FAIL script error (exit $rc) (load $(load_avg))"
        rc=1
    fi
    if ((rc == 0)); then passed=$((passed + 1)); else failed=$((failed + 1)); KEEP_WORK=1; fi
done
echo "$passed passed, $failed failed"
((failed == 0))
