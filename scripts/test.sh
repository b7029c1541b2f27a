#!/usr/bin/env bash
# The test command: builds everything (asgi-demo included, the end-to-end tests run it) and runs
# every test target. Redis-backed tests need a redis-server: when REDIS_URL is not set this script
# starts a throwaway one on a free loopback port and stops it on exit.
#
#   scripts/test.sh                        # all tests
#   scripts/test.sh --filter DemoTests     # extra arguments go to `swift test`
#   SCRATCH_PATH=.build-x scripts/test.sh  # another build directory
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/redis.sh
source scripts/lib/python-venv.sh

trap redis_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis_for_tests
python_venv_for_tests

build_flags=()
if [[ -n "${SCRATCH_PATH:-}" ]]; then
    build_flags+=(--scratch-path "$SCRATCH_PATH")
fi

swift build --build-tests "${build_flags[@]}"
swift test --skip-build "${build_flags[@]}" "$@"
