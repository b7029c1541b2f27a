# syntax=docker/dockerfile:1
#
# SwiftASGI demo server (`asgi-demo`), multistage:
#   build   — official Swift toolchain image + the three C libraries' -dev packages; the Swift
#             runtime is linked statically (--static-swift-stdlib), the binary is stripped.
#   runtime — debian:bookworm-slim + ONLY the three C runtime libraries (no curl, no toolchain).
#
#   docker build -t swiftasgi .
#   docker run --rm -p 6000:6000 -e REDIS_URL=redis://HOST:6379 swiftasgi
#   docker compose up          # app + redis:7 (see compose.yaml)
#
# No Docker engine runs on the development machines: scripts/verify-runtime-root.sh proves the runtime
# stage is complete by building the same binary, installing the same RUNTIME_PACKAGES into a
# debootstrap'd bookworm root and serving requests from it (it reads RUNTIME_PACKAGES and the
# HEALTHCHECK probe from this file, so keep their one-line form).

# ---------------------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# Unpinned on purpose (DL3008): bookworm point releases replace versions; the suite pins the ABI.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        libuv1-dev libhttp-parser-dev libhiredis-dev zlib1g-dev libssl-dev pkg-config binutils \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first: this layer is rebuilt only when the manifest (or the lock file) changes.
# `Package.resolve[d]` is a glob so the COPY works when the lock file is absent (it is git-ignored).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

# Then the sources. Tests/ and Benchmarks/ are copied because the manifest declares targets there
# (SwiftPM checks every target's directory exists) even though only asgi-demo is built.
COPY Modules ./Modules
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks

RUN swift build -c release --static-swift-stdlib --product asgi-demo \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/asgi-demo" /out/asgi-demo \
    && strip /out/asgi-demo \
    && /out/asgi-demo --help >/dev/null

# ---------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# The only packages the binary needs beyond the base image (libc6, libstdc++6 and libgcc-s1 are
# already in bookworm-slim). Kept on one line: scripts/verify-runtime-root.sh installs exactly these.
ARG RUNTIME_PACKAGES="libuv1 libhttp-parser2.9 libhiredis0.14 zlib1g libssl3"

# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends ${RUNTIME_PACKAGES} \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 asgi \
    && useradd --system --uid 10001 --gid asgi --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin asgi

COPY --from=build /out/asgi-demo /usr/local/bin/asgi-demo

# Numeric so orchestrators can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001

# Redis for /get, /set and /readyz: set REDIS_URL (or pass --redis-url), e.g.
# REDIS_URL=redis://redis:6379 for the `redis` service of compose.yaml. Without it the demo uses
# redis://127.0.0.1:6379, which inside a container is nothing: those routes answer 503.
EXPOSE 6000

# SIGTERM (docker stop) = graceful shutdown: in-flight requests finish, bounded by
# --timeout-graceful-shutdown (30 s; compose's stop_grace_period is 35 s), then exit 0.
STOPSIGNAL SIGTERM

# No curl in the image: bash (part of bookworm-slim) speaks HTTP/1.1 over /dev/tcp.
# Keep the port in step with CMD's --port if you change it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/6000 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/asgi-demo"]
CMD ["--host", "0.0.0.0", "--port", "6000"]
