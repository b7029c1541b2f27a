#!/usr/bin/env bash
# libFuzzer fuzzing of the protocol parsers. The targets live in Tests/Fuzz/ (not a SwiftPM
# target): each module under fuzz is compiled here with swiftc, its sources together with
# Tests/Fuzz/Support/ and Tests/Fuzz/MODULE/ as ONE module, so that a target reaches the
# module's internal types, with -sanitize=fuzzer,address. Everything goes to .build-fuzz/.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer args]   # fuzz one target (see `list`)
#   scripts/fuzz.sh all SECONDS [libFuzzer args]      # every target, one after the other
#   scripts/fuzz.sh ci                                # every target, compile included <= 3 min
#   scripts/fuzz.sh build [TARGET|all]                # compile only
#   scripts/fuzz.sh list                              # the targets
#
# A run fuzzes a work corpus, .build-fuzz/corpus/TARGET/, into which the seeds of
# Tests/Fuzz/corpus/TARGET/ are copied first (the repository's corpus is never written), on one
# core. Crash inputs go to .build-fuzz/artifacts/TARGET/, libFuzzer's output to
# .build-fuzz/logs/TARGET.log. Each run ends with the line
# `fuzz TARGET: N executions, M crashes`; the script exits non-zero if anything crashed.
# Reproduce a crash with `SWIFT_BACKTRACE=enable=no .build-fuzz/bin/TARGET ARTIFACT`.
#
# Environment: FUZZ_OPT (default -O; -Onone compiles faster and fuzzes 7 times slower),
# FUZZ_CI_BUDGET (seconds for all of `ci`, compiling included, default 170), FUZZ_VERBOSE=1
# (libFuzzer's output on the terminal too).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trap 'exit 130' INT
trap 'exit 143' TERM

build=.build-fuzz
opt=${FUZZ_OPT:--O}

# The targets: name, module under fuzz, entry symbol (a `@_cdecl` function of the target file,
# linked in as LLVMFuzzerTestOneInput, so that one object of the module serves every target of
# it), dictionary under Tests/Fuzz/ ("-" for none).
targets=(
    "request-parser  HTTP1 fuzz_request_parser  http.dict"
    "chunked-decoder HTTP1 fuzz_chunked_decoder http.dict"
    "ws-frame-reader WebSocket fuzz_ws_frame_reader websocket.dict"
    "ws-deflate      WebSocket fuzz_ws_deflate      websocket.dict"
)
# The modules: dependencies (built first, in this order), C module map folders, libraries.
declare -A module_deps=([ASGI]="" [HTTP1]="ASGI" [WebSocket]="")
declare -A module_includes=([ASGI]="" [HTTP1]="Modules/CHTTPParser" [WebSocket]="Modules/CZlib Modules/CCrypto")
declare -A module_libs=([ASGI]="" [HTTP1]="-lhttp_parser" [WebSocket]="-lz -lcrypto")

# Package.swift's settings for every target (Swift 6 mode, the upcoming features), plus the
# sanitizers. -g only adds debug info, so that crash reports show file and line.
swift_flags=(
    -swift-version 6
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature InternalImportsByDefault
    -enable-upcoming-feature NonisolatedNonsendingByDefault
    -parse-as-library -wmo "$opt" -g -sanitize=fuzzer,address
    # One package, as SwiftPM builds it: `package` declarations are shared between the modules.
    -package-name SwiftASGI
)
# One core (no -fork/-jobs); -timeout and -rss_limit_mb make a hang or a runaway allocation a
# reported failure; -max_len admits heads past the default 16 KiB limit (431 cases).
fuzz_flags=(-timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1)

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

target_field() { # target_field TARGET N: the Nth field of TARGET's row (1 is the name)
    local row
    for row in "${targets[@]}"; do
        read -r -a fields <<<"$row"
        if [[ ${fields[0]} == "$1" ]]; then
            echo "${fields[$2 - 1]}"
            return
        fi
    done
    echo "error: unknown target '$1' (targets: $(target_names))" >&2
    exit 2
}
target_names() {
    local row
    for row in "${targets[@]}"; do echo -n "${row%% *} "; done
}

# stale OUT INPUT...: whether OUT must be rebuilt (missing, older than an input, or built with
# other flags than now, which OUT.flags records).
stale() {
    local out=$1
    shift
    [[ -f $out && -f $out.flags ]] || return 0
    [[ $(cat "$out.flags") == "${swift_flags[*]}" ]] || return 0
    [[ -z $(find "$@" -newer "$out" -print -quit) ]] && return 1
    return 0
}

# compile_module NAME FUZZED: NAME's sources (plus the fuzz support and targets when FUZZED is
# 1) into $build/obj/NAME.o and its .swiftmodule into $build/modules/.
compile_module() {
    local name=$1 fuzzed=$2 sources includes=() dir dep
    mapfile -t sources < <(find "Sources/$name" -name '*.swift' | sort)
    if [[ $fuzzed == 1 ]]; then
        mapfile -t -O "${#sources[@]}" sources < <(find Tests/Fuzz/Support "Tests/Fuzz/$name" -name '*.swift' | sort)
    fi
    for dir in ${module_includes[$name]}; do includes+=(-I "$dir"); done
    local inputs=("${sources[@]}")
    for dep in ${module_deps[$name]}; do inputs+=("$build/obj/$dep.o"); done
    if stale "$build/obj/$name.o" "${inputs[@]}"; then
        echo "compiling $name (${#sources[@]} files)" >&2
        swiftc "${swift_flags[@]}" -module-name "$name" -I "$build/modules" "${includes[@]}" \
            -emit-module -emit-module-path "$build/modules/$name.swiftmodule" \
            -c "${sources[@]}" -o "$build/obj/$name.o"
        echo "${swift_flags[*]}" >"$build/obj/$name.o.flags"
    fi
}

# build_target TARGET: compiles what TARGET needs and links $build/bin/TARGET.
build_target() {
    local target=$1 module entry objects=() libs=() dep
    module=$(target_field "$target" 2)
    entry=$(target_field "$target" 3)
    mkdir -p "$build/obj" "$build/modules" "$build/bin"
    for dep in ${module_deps[$module]}; do
        compile_module "$dep" 0
        objects+=("$build/obj/$dep.o")
        libs+=(${module_libs[$dep]})
    done
    compile_module "$module" 1
    objects+=("$build/obj/$module.o")
    libs+=(${module_libs[$module]})
    if stale "$build/bin/$target" "${objects[@]}"; then
        echo "linking $target" >&2
        # lld when the toolchain has it: gold warns about every ASan check routine.
        local linker=()
        [[ -x $(dirname "$(command -v swiftc)")/ld.lld ]] && linker=(-use-ld=lld)
        swiftc -sanitize=fuzzer,address "${linker[@]}" "${objects[@]}" "${libs[@]}" \
            -Xlinker "--defsym=LLVMFuzzerTestOneInput=$entry" -o "$build/bin/$target"
        echo "${swift_flags[*]}" >"$build/bin/$target.flags"
    fi
}

# has_fuzzer_runtime: whether swiftc can link a -sanitize=fuzzer,address program (the libFuzzer
# and ASan runtimes ship with the toolchain on Linux; some toolchains leave libFuzzer out). Sets
# `skip_reason` when not.
has_fuzzer_runtime() {
    if ! command -v swiftc >/dev/null; then
        skip_reason="no swiftc on PATH"
        return 1
    fi
    mkdir -p "$build/probe"
    printf '%s\n' '@_cdecl("LLVMFuzzerTestOneInput")' \
        'public func probe(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }' >"$build/probe/probe.swift"
    if ! swiftc -parse-as-library -sanitize=fuzzer,address "$build/probe/probe.swift" -o "$build/probe/probe" \
        >"$build/probe/log" 2>&1; then
        skip_reason="this Swift toolchain cannot link -sanitize=fuzzer,address (no libFuzzer runtime?):"
        skip_reason+=" $(grep -m1 -i error "$build/probe/log" || head -n1 "$build/probe/log")"
        return 1
    fi
}

# fuzz TARGET SECONDS [ARGS]: one run; prints the summary line, returns 1 on a crash.
fuzz() {
    local target=$1 seconds=$2
    shift 2
    local dict seeds="Tests/Fuzz/corpus/$target" work="$build/corpus/$target"
    local artifacts="$build/artifacts/$target" log="$build/logs/$target.log"
    dict=$(target_field "$target" 4)
    build_target "$target"
    mkdir -p "$work" "$artifacts" "$build/logs"
    [[ -d $seeds ]] && cp -p "$seeds"/* "$work"/
    local flags=("${fuzz_flags[@]}" -max_total_time="$seconds" -artifact_prefix="$artifacts/")
    [[ $dict == - ]] || flags+=(-dict="Tests/Fuzz/$dict")
    local symbolizer
    symbolizer=$(dirname "$(command -v swiftc)")/llvm-symbolizer
    [[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer
    # Swift's own crash backtracer would run first and trip ASan while it reads the stack;
    # libFuzzer and ASan report the crash instead.
    export SWIFT_BACKTRACE=enable=no

    echo "fuzzing $target for $seconds s: $build/bin/$target ${flags[*]} $* $work" >&2
    touch "$build/logs/$target.started"
    local status=0 started=$SECONDS
    if [[ ${FUZZ_VERBOSE:-0} == 1 ]]; then
        "$build/bin/$target" "${flags[@]}" "$@" "$work" 2>&1 | tee "$log" || status=$?
    else
        "$build/bin/$target" "${flags[@]}" "$@" "$work" >"$log" 2>&1 || status=$?
    fi
    local elapsed=$((SECONDS - started))

    local executions crashes corpus
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [[ -n $executions ]] || executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    crashes=$(find "$artifacts" -type f -newer "$build/logs/$target.started" | wc -l)
    corpus=$(find "$work" -type f | wc -l)
    if ((status != 0 && crashes == 0)); then crashes=1; fi # died without writing an artifact
    if ((crashes > 0)) && [[ ${FUZZ_VERBOSE:-0} != 1 ]]; then
        echo "---- the end of $log ----" >&2
        tail -n 60 "$log" >&2
        echo "----" >&2
    fi
    local rate=$((${executions:-0} / (elapsed > 0 ? elapsed : 1)))
    echo "  $target: $elapsed s, $rate exec/s, corpus $corpus files, log $log" >&2
    find "$artifacts" -type f -newer "$build/logs/$target.started" | sed 's/^/  crash input: /' >&2
    echo "fuzz $target: ${executions:-0} executions, $crashes crashes"
    ((crashes == 0))
}

# every TARGET of `all` and `ci`, one after another; fails if any crashed.
fuzz_all() {
    local seconds=$1 failed=0 name
    shift
    for name in $(target_names); do
        fuzz "$name" "$seconds" "$@" || failed=1
    done
    return "$failed"
}

(($# >= 1)) || usage
case $1 in
list)
    printf '%s\n' "${targets[@]}"
    ;;
build)
    if [[ ${2:-all} == all ]]; then
        for name in $(target_names); do build_target "$name"; done
    else
        build_target "$2"
    fi
    ;;
ci)
    # All fuzzing in CI within FUZZ_CI_BUDGET seconds (default 170, 10 s short of the 3-minute
    # budget), compiling included: ASGI and HTTP1 took 28 to 40 s on 2 shared cores at -O, and
    # WebSocket about 15 s more (45 s for the three); each target then gets an equal share of
    # what is left (at least 10 s; about 28 s with the four targets), less ~3 s each for libFuzzer to
    # start and load the seeds.
    started=$SECONDS
    if ! has_fuzzer_runtime; then
        echo "fuzz: SKIPPED: $skip_reason"
        exit 0
    fi
    for name in $(target_names); do build_target "$name"; done
    count=${#targets[@]}
    share=$(((${FUZZ_CI_BUDGET:-170} - (SECONDS - started) - 3 * count) / count))
    ((share >= 10)) || share=10
    echo "compiled in $((SECONDS - started)) s; $share s per target" >&2
    status=0
    fuzz_all "$share" || status=$?
    echo "fuzz ci: $((SECONDS - started)) s in all" >&2
    exit "$status"
    ;;
all)
    (($# >= 2)) || usage
    seconds=$2
    shift 2
    fuzz_all "$seconds" "$@"
    ;;
-h | --help | help)
    usage
    ;;
*)
    (($# >= 2)) || usage
    target_field "$1" 1 >/dev/null
    name=$1 seconds=$2
    shift 2
    fuzz "$name" "$seconds" "$@"
    ;;
esac
