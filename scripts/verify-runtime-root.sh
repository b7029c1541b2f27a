#!/usr/bin/env bash
# Proves the Dockerfile's runtime stage is complete without a Docker engine:
#
#   1. builds asgi-demo the way the build stage does (release, --static-swift-stdlib), stripped;
#   2. checks with ldd that it needs nothing beyond the allowed libraries (libuv, libhttp_parser,
#      libhiredis, libz, libcrypto + what bookworm-slim already has: libstdc++, libgcc_s, libm, libc, ld-linux);
#   3. makes a minimal Debian bookworm root (debootstrap --variant=minbase, the variant
#      debian:bookworm-slim is built from; cached as a tarball), installs into it ONLY the Dockerfile's
#      RUNTIME_PACKAGES, copies the binary in, and runs it there as an unprivileged user (65534) with
#      /proc and a Docker-like /dev mounted, like a container;
#   4. requests / and /healthz, runs the Dockerfile's HEALTHCHECK command inside the root, and, when a
#      redis-server can be started on the host (the chroot shares the host's network), /set and /get;
#   5. sends SIGTERM and expects exit status 0 (graceful shutdown).
#
# Steps 3-5 need root, mount, chroot, debootstrap and HTTP access to a Debian mirror; without them the
# script prints SKIPPED and exits 0 after steps 1-2. Any failed check exits 1.
#
#   scripts/verify-runtime-root.sh
#   DEBIAN_MIRROR=http://deb.debian.org/debian scripts/verify-runtime-root.sh   # override the mirror
#   SWIFTASGI_REFRESH_ROOT=1 scripts/verify-runtime-root.sh                     # re-debootstrap
#
# The mirror is read from /etc/apt/sources.list(.d) (the bookworm entry), falling back to
# deb.debian.org. The root is cached in ${XDG_CACHE_HOME:-$HOME/.cache}/swiftasgi/bookworm-minbase.tar
# (rebuilt when older than 30 days): the first run takes a few minutes, later runs seconds plus the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

readonly SUITE=bookworm
readonly SCRATCH=.build-static
readonly CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/swiftasgi"
readonly CACHE_TAR="$CACHE_DIR/$SUITE-minbase.tar"
readonly RUN_AS=65534:65534 # nobody:nogroup in every Debian root
# ldd names the binary may need: the three runtime packages + what debian:bookworm-slim already has.
readonly ALLOWED_LIBS='^(linux-vdso|linux-gate|ld-linux[-a-z0-9_.]*|libuv|libhttp_parser|libhiredis|libz|libcrypto|libstdc\+\+|libgcc_s|libm|libc)\.so'
readonly BASE_PACKAGES="libc6 libstdc++6 libgcc-s1" # in bookworm-slim already

started=$(date +%s)
phase_started=$started
phase() { # phase NAME: prints the time the previous phase took, then the new phase's name
    local now
    now=$(date +%s)
    [[ -n "${phase_name:-}" ]] && echo "    (${phase_name}: $((now - phase_started)) s)"
    phase_name=$1
    phase_started=$now
    [[ -n "$phase_name" ]] && echo "==> $phase_name"
    return 0
}
fail() {
    echo "FAILED: $*" >&2
    exit 1
}
skip() {
    phase ""
    echo
    echo "######################################################################################"
    echo "## SKIPPED: runtime-root check (debootstrap + chroot) — $*"
    echo "## Only the build and the ldd check ran. The runtime stage is NOT verified."
    echo "######################################################################################"
    exit 0
}

# --- state the EXIT trap cleans up ---------------------------------------------------------------
work=""
root=""
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    redis_stop
    if [[ -n "$root" ]]; then
        local target
        for target in "$root/dev" "$root/proc"; do
            if mountpoint -q "$target" 2>/dev/null; then
                umount "$target" 2>/dev/null || umount -l "$target" || true
            fi
        done
    fi
    if [[ -n "$work" && -d "$work" ]]; then
        # Never delete through a mount point: only when nothing is mounted below the work directory.
        local mounts
        mounts=$(findmnt -rn -o TARGET 2>/dev/null) || mounts="$work/ (findmnt failed)"
        if grep -q -F "$work/" <<<"$mounts"; then
            echo "warning: mounts remain under $work; not deleting it" >&2
        else
            rm -rf --one-file-system "$work"
        fi
    fi
    echo "==> total $(($(date +%s) - started)) s, exit status $status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the Dockerfile is the source of truth for the package list and the health check -------------
[[ -f Dockerfile ]] || fail "no Dockerfile at the repository root"
runtime_packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\([^"]*\)"$/\1/p' Dockerfile)
[[ -n "$runtime_packages" ]] || fail 'Dockerfile has no one-line ARG RUNTIME_PACKAGES="..."'
healthcheck_cmd=$(sed -n 's/^HEALTHCHECK .*CMD \(\[.*\]\)$/\1/p' Dockerfile | python3 -c '
import json, sys
argv = json.loads(sys.stdin.read())
assert argv[:2] == ["bash", "-c"] and len(argv) == 3, argv
print(argv[2])') || fail "cannot read the HEALTHCHECK [\"bash\", \"-c\", \"...\"] line of the Dockerfile"
grep -q '/dev/tcp/127.0.0.1/6000' <<<"$healthcheck_cmd" || fail "HEALTHCHECK does not probe 127.0.0.1:6000"
echo "Dockerfile: RUNTIME_PACKAGES=$runtime_packages"

# --- 1. the binary --------------------------------------------------------------------------------
phase "swift build -c release --static-swift-stdlib --product asgi-demo --scratch-path $SCRATCH"
swift build -c release --static-swift-stdlib --product asgi-demo --scratch-path "$SCRATCH"
binary="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/asgi-demo"
[[ -x "$binary" ]] || fail "no binary at $binary"
echo "binary: $binary ($(du -h "$binary" | cut -f1))"

# --- 2. its shared libraries ----------------------------------------------------------------------
phase "ldd: only the allowed libraries"
ldd_out=$(ldd "$binary")
sed 's/^/    /' <<<"$ldd_out"
! grep -q 'not found' <<<"$ldd_out" || fail "unresolved libraries on the build host"
! grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' <<<"$ldd_out" ||
    fail "the Swift runtime is linked dynamically (expected --static-swift-stdlib)"
needed_packages=()
while read -r name _ path _; do
    [[ -n "$name" ]] || continue
    base=$(basename "$name")
    [[ "$base" =~ $ALLOWED_LIBS ]] || fail "library not in the allowed set: $base"
    [[ "$path" == /* ]] || continue # linux-vdso, and ld-linux (first field is the path)
    for candidate in "$path" "$(readlink -f "$path")" "$(readlink -f "$path" | sed 's|^/usr||')"; do
        if owner=$(dpkg -S "$candidate" 2>/dev/null); then
            needed_packages+=("${owner%%:*}")
            break
        fi
    done
done <<<"$(sed 's/^[[:space:]]*//; s/ (0x[0-9a-f]*)$//' <<<"$ldd_out")"
if ((${#needed_packages[@]})); then
    mapfile -t needed_packages < <(printf '%s\n' "${needed_packages[@]}" | sort -u)
    echo "host packages providing them: ${needed_packages[*]}"
    for package in "${needed_packages[@]}"; do
        [[ " $runtime_packages $BASE_PACKAGES " == *" $package "* ]] ||
            fail "$package provides a needed library but is neither in RUNTIME_PACKAGES nor in bookworm-slim"
    done
fi

# --- 3. can we make a root? -----------------------------------------------------------------------
phase "preflight for the runtime root"
[[ $(id -u) -eq 0 ]] || skip "not running as root (debootstrap, mount and chroot need root)"
for tool in debootstrap chroot mount umount curl python3; do
    command -v "$tool" >/dev/null 2>&1 || skip "'$tool' is not installed (apt-get install debootstrap curl)"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/swiftasgi-runtime-root.XXXXXX")
mkdir "$work/probe"
if ! mount -t proc proc "$work/probe" 2>/dev/null; then
    skip "cannot mount /proc here (an unprivileged container?)"
fi
umount "$work/probe"
rmdir "$work/probe"

# The bookworm mirror (and its -updates / -security siblings, like the image) from the apt config.
apt_entries() { # prints "URI SUITE" for each enabled deb entry with the main component
    local file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$file" ]] || continue
        awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                           main = 0; for (c = i + 2; c <= NF; c++) if ($c == "main") main = 1
                           if (main) print $i, $(i + 1) }' "$file"
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$file" ]] || continue
        awk 'function flush() { if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ && enabled != "no") {
                                  n = split(uris, u, " "); m = split(suites, s, " ")
                                  for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b] }
                              types = uris = suites = comps = enabled = "" }
             /^[[:space:]]*#/ { next }
             /^[[:space:]]*$/ { flush(); next }
             { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ /, "")
               if (key == "types") types = $0; else if (key == "uris") uris = $0
               else if (key == "suites") suites = $0; else if (key == "components") comps = $0
               else if (key == "enabled") enabled = tolower($0) }
             END { flush() }' "$file"
    done
}
entries=$(apt_entries 2>/dev/null || true)
mirror_for() { awk -v suite="$1" '$2 == suite { sub(/\/$/, "", $1); print $1; exit }' <<<"$entries"; }
mirror=${DEBIAN_MIRROR:-$(mirror_for "$SUITE")}
mirror=${mirror:-http://deb.debian.org/debian}
updates_mirror=$(mirror_for "$SUITE-updates")
security_mirror=$(mirror_for "$SUITE-security")
echo "mirror: $mirror${updates_mirror:+ (+ $SUITE-updates)}${security_mirror:+ (+ $SUITE-security: $security_mirror)}"
curl -fsS --max-time 20 -o /dev/null "$mirror/dists/$SUITE/Release" ||
    skip "the Debian mirror $mirror is not reachable"

# --- 3b. the root: from the cache, or debootstrap (then cached) ----------------------------------
root="$work/root"
mkdir "$root"
if [[ -f "$CACHE_TAR" && -z "${SWIFTASGI_REFRESH_ROOT:-}" && -z "$(find "$CACHE_TAR" -mtime +30)" ]]; then
    phase "minimal $SUITE root from the cache ($CACHE_TAR)"
    tar --numeric-owner -xpf "$CACHE_TAR" -C "$root"
else
    phase "debootstrap --variant=minbase $SUITE (then cached)"
    if ! debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" "$SUITE" "$root" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        [[ -f "$root/debootstrap/debootstrap.log" ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
        fail "debootstrap failed (log above)"
    fi
    for target in "$root/proc" "$root/sys"; do # debootstrap unmounts these, but be sure
        if mountpoint -q "$target"; then umount "$target"; fi
    done
    rm -rf "${root:?}"/var/cache/apt/archives/*.deb "${root:?}"/var/lib/apt/lists/*_* "${root:?}"/debootstrap
    mkdir -p "$CACHE_DIR"
    tar --numeric-owner -cf "$CACHE_TAR.$$.tmp" -C "$root" . && mv "$CACHE_TAR.$$.tmp" "$CACHE_TAR"
    echo "cached: $CACHE_TAR ($(du -h "$CACHE_TAR" | cut -f1))"
fi
echo "root: $root ($(du -sh --one-file-system "$root" | cut -f1))"

# What a container gets: /proc, and a small /dev of its own (never the host's /dev). /proc is required:
# without it asgi-demo silently ignored its command line (served the default port 6000) — the Swift
# runtime reads the arguments from /proc/self/cmdline here. The random --port below catches that.
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$root/dev"
for node in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
    read -r name type major minor <<<"$node"
    mknod -m 666 "$root/dev/$name" "$type" "$major" "$minor"
done
ln -s /proc/self/fd "$root/dev/fd"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# --- 3c. only the runtime packages ----------------------------------------------------------------
phase "apt-get install --no-install-recommends $runtime_packages (in the root)"
{
    echo "deb $mirror $SUITE main"
    [[ -n "$updates_mirror" ]] && echo "deb $updates_mirror $SUITE-updates main"
    [[ -n "$security_mirror" ]] && echo "deb $security_mirror $SUITE-security main"
    true
} >"$root/etc/apt/sources.list"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_root dpkg-query -W -f='${Package}\n' | sort >"$work/packages.before"
in_root apt-get update -q >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; fail "apt-get update in the root"; }
# shellcheck disable=SC2086 # the list is words on purpose
in_root apt-get install -y -q --no-install-recommends $runtime_packages >>"$work/apt.log" 2>&1 ||
    { tail -n 20 "$work/apt.log" >&2; fail "apt-get install in the root"; }
in_root dpkg-query -W -f='${Package}\n' | sort >"$work/packages.after"
added=$(comm -13 "$work/packages.before" "$work/packages.after" | tr '\n' ' ')
echo "packages added to the root: $added"
in_root dpkg-query -W -f='    ${Package} ${Version}\n' $runtime_packages

# --- 4. the binary in the root --------------------------------------------------------------------
phase "run asgi-demo in the root as $RUN_AS"
strip -o "$root/usr/local/bin/asgi-demo" "$binary" 2>/dev/null || cp "$binary" "$root/usr/local/bin/asgi-demo"
chmod 0755 "$root/usr/local/bin/asgi-demo"
echo "stripped binary: $(du -h "$root/usr/local/bin/asgi-demo" | cut -f1)"
root_ldd=$(in_root ldd /usr/local/bin/asgi-demo)
sed 's/^/    /' <<<"$root_ldd"
! grep -q 'not found' <<<"$root_ldd" || fail "libraries missing in the runtime root (above)"

help=$(in_root /usr/local/bin/asgi-demo --help 2>&1) || fail "asgi-demo --help fails in the root: $help"
redis_url=""
if grep -q -- '--redis-url' <<<"$help" && command -v redis-server >/dev/null 2>&1; then
    redis_start_free
    redis_url="redis://127.0.0.1:$REDIS_PORT"
else
    echo "note: no Redis check (asgi-demo has no --redis-url yet, or no redis-server on this host)"
fi

port=$(redis_free_port)
args=(--host 127.0.0.1 --port "$port")
[[ -n "$redis_url" ]] && args+=(--redis-url "$redis_url")
# Like `docker run`: a clean environment, a non-root user, the image's entry point.
chroot --userspec="$RUN_AS" "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent \
    ${redis_url:+REDIS_URL="$redis_url"} /usr/local/bin/asgi-demo "${args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for ((i = 0; i < 100; i++)); do # bounded: 100 x 0.1 s
    curl -s -o /dev/null --max-time 1 "$url/" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; fail "asgi-demo exited at start (log above)"; }
    sleep 0.1
done
((i < 100)) || { cat "$work/server.log" >&2; fail "asgi-demo did not answer on $url within 10 s"; }
read -r _ uid _ < <(grep '^Uid:' "/proc/$server_pid/status")
[[ "$uid" == "${RUN_AS%%:*}" ]] || fail "the server runs as uid $uid, not ${RUN_AS%%:*}"
echo "serving on $url as uid $uid (pid $server_pid)"

expect() { # expect PATH STATUS BODY ('*' = any body)
    local path=$1 want_status=$2 want_body=$3 response status body
    response=$(curl -sS --max-time 5 -w '\n%{http_code}' "$url$path") || fail "GET $path: no response"
    status=${response##*$'\n'}
    body=${response%$'\n'*}
    [[ "$status" == "$want_status" && ("$want_body" == '*' || "$body" == "$want_body") ]] ||
        fail "GET $path -> $status '$body', expected $want_status '$want_body'"
    echo "    GET $path -> $status '$body'"
}
expect / 200 'Hello, ASGI!'
expect /healthz 200 ok
probe=${healthcheck_cmd//\/dev\/tcp\/127.0.0.1\/6000//dev/tcp/127.0.0.1/$port}
timeout 10 chroot --userspec="$RUN_AS" "$root" /usr/bin/env -i PATH=/usr/bin:/bin bash -c "$probe" ||
    fail "the Dockerfile's HEALTHCHECK command fails in the root"
echo "    HEALTHCHECK command (Dockerfile, run in the root as $RUN_AS) -> exit 0"
if [[ -n "$redis_url" ]]; then
    key="verify-runtime-root-$$-$RANDOM"
    expect "/get?key=$key" 404 '*' 
    expect "/set?key=$key&value=from-the-root" 200 OK
    expect "/get?key=$key" 200 from-the-root
    [[ "$(redis-cli -p "$REDIS_PORT" get "$key")" == from-the-root ]] || fail "the value is not in Redis"
    echo "    redis-cli GET $key -> from-the-root"
fi

# --- 5. graceful stop -----------------------------------------------------------------------------
phase "SIGTERM"
kill -TERM "$server_pid"
for ((i = 0; i < 400; i++)); do # bounded: 40 s (> the 30 s default graceful-shutdown timeout)
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail "asgi-demo still runs 40 s after SIGTERM"
status=0
wait "$server_pid" || status=$?
server_pid=""
[[ "$status" -eq 0 ]] || { tail -n 20 "$work/server.log" >&2; fail "asgi-demo exited with $status after SIGTERM"; }
echo "    exit status 0 after SIGTERM"
phase ""
echo "PASSED: the runtime stage ($SUITE minbase + $runtime_packages) runs asgi-demo"
