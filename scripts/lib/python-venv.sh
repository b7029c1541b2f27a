# shellcheck shell=bash
# The Python the WebSocket end-to-end tests run (scripts/e2e/ws_client.py needs the `websockets`
# library from PyPI, scripts/e2e/check_manifests.py needs PyYAML, scripts/e2e/metrics_check.py
# prometheus_client's text parser: test-only dependencies). Sourced
# by scripts/test.sh; defines functions only.
#
#   python_venv_for_tests  -> unless SWIFTASGI_TEST_PYTHON is already set: creates (once) the virtual
#                             environment .build-venv/ at the repository root with the pinned
#                             websockets and PyYAML installed, and exports SWIFTASGI_TEST_PYTHON=<venv>/bin/python.
#                             When that fails (no python3 venv module, no PyPI) it says why and leaves
#                             the variable unset (Tests/DemoTests/WebSocketTests then report the reason).
#                             Never fails the calling script.

SWIFTASGI_WEBSOCKETS_VERSION="17.4"
SWIFTASGI_PYYAML_VERSION="6.0.2"
SWIFTASGI_PROMETHEUS_CLIENT_VERSION="0.21.1"

python_venv_for_tests() {
    if [[ -n "${SWIFTASGI_TEST_PYTHON:-}" ]]; then
        echo "SWIFTASGI_TEST_PYTHON=$SWIFTASGI_TEST_PYTHON (given)" >&2
        return 0
    fi
    local root venv python
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    venv="$root/.build-venv"
    python="$venv/bin/python"
    local check="import sys, websockets, yaml, prometheus_client, importlib.metadata as m; sys.exit(websockets.__version__ != '$SWIFTASGI_WEBSOCKETS_VERSION' or yaml.__version__ != '$SWIFTASGI_PYYAML_VERSION' or m.version('prometheus_client') != '$SWIFTASGI_PROMETHEUS_CLIENT_VERSION')"
    local packages=("websockets==$SWIFTASGI_WEBSOCKETS_VERSION" "PyYAML==$SWIFTASGI_PYYAML_VERSION" "prometheus_client==$SWIFTASGI_PROMETHEUS_CLIENT_VERSION")
    if ! "$python" -c "$check" >/dev/null 2>&1; then
        echo "creating $venv with ${packages[*]} (for the WebSocket and deployment end-to-end tests)" >&2
        rm -rf "$venv"
        local log
        if ! log=$(python3 -m venv "$venv" 2>&1); then
            echo "warning: python3 -m venv failed (install python3-venv): the WebSocket end-to-end tests will not run" >&2
            echo "$log" | tail -n 3 >&2
            rm -rf "$venv"
            return 0
        fi
        # Bounded: without PyPI pip would otherwise retry for minutes.
        if ! log=$(timeout 300 "$python" -m pip install --disable-pip-version-check --no-input -q \
            --timeout 20 --retries 2 "${packages[@]}" 2>&1) \
            || ! "$python" -c "$check" >/dev/null 2>&1; then
            echo "warning: could not install ${packages[*]} from PyPI: the WebSocket end-to-end tests will not run" >&2
            echo "$log" | tail -n 3 >&2
            rm -rf "$venv"
            return 0
        fi
    fi
    export SWIFTASGI_TEST_PYTHON="$python"
    echo "SWIFTASGI_TEST_PYTHON=$SWIFTASGI_TEST_PYTHON" >&2
}
