#!/usr/bin/env bash
# The test suite under one sanitizer: builds everything (asgi-demo included, the end-to-end tests
# run it) with SwiftPM's --sanitize, which instruments the Swift targets and our C target
# (CRedisUV) and links the sanitizer runtime, in a scratch folder of its own, then runs the tests
# like scripts/test.sh (a throwaway redis-server when REDIS_URL is not set), with the tests pointed
# at the sanitized asgi-demo.
#
#   scripts/sanitize.sh address                                  # all tests, AddressSanitizer
#   scripts/sanitize.sh thread                                   # all tests, ThreadSanitizer
#   scripts/sanitize.sh address --filter 'HTTP1Tests|ASGIServerTests'  # extra arguments go to `swift test`
#   SWIFT_BUILD_JOBS=2 scripts/sanitize.sh thread                # bound the build's parallelism
#   SANITIZE_DETECT_LEAKS=1 scripts/sanitize.sh address          # LeakSanitizer on (see below)
#
# Scratch folders: .build-asan and .build-tsan (git-ignored by .build-*/).
#
# Failure: exits non-zero when the build fails, when `swift test` fails, or when any sanitized
# process (the test runner or an asgi-demo a test started) wrote a sanitizer report. Reports go to
# files (log_path=) rather than stderr, because the tests capture the demo's stderr and a report
# there would be seen by no one; the files are printed at the end and the run fails if there is
# any. ASan stops a process at its first error (its default); TSan is left to continue
# (halt_on_error=0) so one run lists every race, and exits 66 at the end when it reported one.
#
# Known-foreign TSan reports are suppressed by scripts/tsan.supp (each entry says why).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh

usage() {
    echo "usage: scripts/sanitize.sh address|thread [swift test arguments...]" >&2
    exit 2
}
(($# >= 1)) || usage
sanitizer=$1
shift
case "$sanitizer" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) usage ;;
esac
root=$(pwd)

# Sanitizer reports land in $scratch/sanitizer-reports/report.<pid> (see log_path below); they
# are kept after the run (printed at the end too), emptied at the start of the next.
report_dir="$root/$scratch/sanitizer-reports"
rm -rf "$report_dir"
mkdir -p "$report_dir"
# The closing line for an early exit (the build failed, a signal): the normal end prints its own.
phase="setup"
finish() {
    local status=$?
    redis_stop
    if [[ "$phase" != "done" ]]; then
        echo "FAILED: $sanitizer sanitizer: $phase did not complete (exit status $status)" >&2
        ((status != 0)) || status=1
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis_for_tests

flags=(--scratch-path "$scratch" --sanitize="$sanitizer")
build_flags=()
if [[ -n "${SWIFT_BUILD_JOBS:-}" ]]; then
    build_flags+=(-j "$SWIFT_BUILD_JOBS")
fi

started=$(date +%s)
phase="swift build"
swift build --build-tests "${flags[@]}" "${build_flags[@]}"
built=$(date +%s)
echo "==> $sanitizer build: $((built - started)) s" >&2

# The tests find asgi-demo through ASGI_DEMO_BINARY (Tests/ASGIServerTests/Workers/DemoProcess.swift
# would otherwise take .build/debug/asgi-demo, an unsanitized one).
bin=$(swift build --show-bin-path "${flags[@]}")
export ASGI_DEMO_BINARY="$bin/asgi-demo"
[[ -x "$ASGI_DEMO_BINARY" ]] || {
    echo "error: no $ASGI_DEMO_BINARY after the build" >&2
    exit 1
}

# The options reach asgi-demo too: the tests start it with their own environment.
#
# SWIFT_BACKTRACE=enable=no: the Swift runtime's crash backtracer copies the crashed process'
# stack with memcpy from a helper thread (CrashHandlerLinux.cpp memserver_read), which ASan
# reports as a stack-buffer-underflow and turns into exit status 1; the tests that make a worker
# trap on purpose (WorkerTests) then see "exit status 1" instead of "killed by signal 4". Without
# the backtracer a trap is a plain SIGILL, as the tests expect.
export SWIFT_BACKTRACE=enable=no
# Sanitized code runs several times slower: tests with a time bound scale it by this.
export SWIFTASGI_TIME_SCALE=4
case "$sanitizer" in
    address)
        # detect_leaks=0 (SANITIZE_DETECT_LEAKS=1 turns LeakSanitizer on, to look at leaks, not
        # to pass): with it on, every process that exits reports leaks and exits 1 instead of its
        # own status. The XCTest pass of the test binary (it runs no test) leaks XCTest's own
        # XCTestSuiteRun objects; asgi-demo leaks a swift-argument-parser InputKey array when it
        # exits from the argument parser; workers and the supervisor exit with their long-lived
        # objects still in retain cycles; the WorkerTests check those exit statuses and fail.
        export ASAN_OPTIONS="log_path=$report_dir/report:detect_leaks=${SANITIZE_DETECT_LEAKS:-0}"
        ;;
    thread)
        export TSAN_OPTIONS="log_path=$report_dir/report:halt_on_error=0:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp"
        ;;
esac

phase="swift test"
test_status=0
swift test --skip-build "${flags[@]}" "$@" || test_status=$?
finished=$(date +%s)
echo "==> $sanitizer tests: $((finished - built)) s (swift test exit status $test_status)" >&2

reports=("$report_dir"/report.*)
if [[ -e "${reports[0]}" ]]; then
    for report in "${reports[@]}"; do
        echo "==> sanitizer report ${report##*/} (pid ${report##*.})" >&2
        cat "$report" >&2
    done
fi

count=0
[[ -e "${reports[0]}" ]] && count=${#reports[@]}
phase="done"
if ((test_status != 0 || count != 0)); then
    echo "FAILED: $sanitizer sanitizer: swift test exit status $test_status, $count process(es) with a sanitizer report (build $((built - started)) s, tests $((finished - built)) s)" >&2
    ((test_status != 0)) && exit "$test_status"
    exit 1
fi
echo "OK: $sanitizer sanitizer: all tests passed, no sanitizer report (build $((built - started)) s, tests $((finished - built)) s)" >&2
