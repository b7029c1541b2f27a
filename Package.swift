// swift-tools-version:6.0
// SwiftASGI: an ASGI-shaped HTTP/1.1 server for Swift on Linux, over libuv, http-parser and hiredis.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "SwiftASGI",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ASGI", targets: ["ASGI"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "UVLoop", targets: ["UVLoop"]),
        .library(name: "ASGIServer", targets: ["ASGIServer"]),
        .library(name: "ASGIServerCLI", targets: ["ASGIServerCLI"]),
        .library(name: "ASGITesting", targets: ["ASGITesting"]),
        .library(name: "ASGIKit", targets: ["ASGIKit"]),
        .library(name: "ASGIRedis", targets: ["ASGIRedis"]),
        .library(name: "WebSocket", targets: ["WebSocket"]),
        .executable(name: "asgi-demo", targets: ["Demo"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
        .executable(name: "service-example", targets: ["ServiceExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped as system-library targets (no logic in the shims).
        .systemLibrary(
            name: "CLibUV", path: "Modules/CLibUV", pkgConfig: "libuv",
            providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(
            name: "CHTTPParser", path: "Modules/CHTTPParser",
            providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(
            name: "CHiredis", path: "Modules/CHiredis",
            providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Modules/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        // The ASGI interface: no dependencies.
        .target(name: "ASGI", swiftSettings: strict),
        // Bytes in, events out. Knows nothing of libuv.
        .target(name: "HTTP1", dependencies: ["ASGI", "CHTTPParser"], swiftSettings: strict),
        // RFC 6455 framing and RFC 7692 permessage-deflate: bytes in, frames out. Knows nothing of libuv.
        .target(name: "WebSocket", dependencies: ["CZlib", "CCrypto"], swiftSettings: strict),
        // Every libuv call lives here.
        .target(
            name: "UVLoop", dependencies: ["CLibUV", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict),
        // The protocol server, its configuration and process management (no command-line parser).
        .target(
            name: "ASGIServer",
            dependencies: [
                "ASGI", "HTTP1", "UVLoop", "WebSocket", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // uvicorn-style flags, the environment and --env-file, for executables that want them.
        .target(
            name: "ASGIServerCLI",
            dependencies: [
                "ASGI", "ASGIServer", "UVLoop",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // An in-process test client: HTTP and WebSocket through the server, no sockets.
        .target(name: "ASGITesting", dependencies: ["ASGI", "ASGIServer", "WebSocket"], swiftSettings: strict),
        // hiredis' async API attached to the worker loop through our own adapter (C).
        .target(name: "CRedisUV", dependencies: ["CHiredis", "CLibUV"]),
        .target(
            name: "ASGIRedis",
            dependencies: [
                "ASGI", "CRedisUV", "CHiredis", "UVLoop", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The small web framework: router, request, response, JSON, middleware, blocking handlers.
        .target(
            name: "ASGIKit",
            dependencies: [
                "ASGI", "UVLoop", "CZlib", .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict),

        .executableTarget(
            name: "Demo",
            dependencies: [
                "ASGI", "ASGIServer", "ASGIServerCLI", "ASGIKit", "ASGIRedis", "UVLoop",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Demo",
            swiftSettings: strict),
        .executableTarget(
            name: "Benchmarks", dependencies: [], path: "Benchmarks",
            // Peer servers (a Python app, a Hummingbird package) the benchmark builds and runs itself.
            exclude: ["Peers"], swiftSettings: strict),
        // A server and a Redis client run by swift-service-lifecycle's ServiceGroup.
        .executableTarget(
            name: "ServiceExample",
            dependencies: [
                "ASGIKit", "ASGIRedis", "ASGIServer", "UVLoop", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/ServiceExample",
            swiftSettings: strict),

        .testTarget(name: "ASGITests", dependencies: ["ASGI"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "ASGI"], exclude: ["Differential/corpus.json"]),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket"]),
        .testTarget(name: "UVLoopTests", dependencies: ["UVLoop", "CLibUV"]),
        .testTarget(name: "ASGIServerTests", dependencies: ["ASGIServer", "ASGI", "UVLoop", "HTTP1", "WebSocket"]),
        .testTarget(name: "ASGITestingTests", dependencies: ["ASGITesting", "ASGIServer", "ASGIKit", "ASGI"]),
        .testTarget(name: "ASGIServerCLITests", dependencies: ["ASGIServerCLI", "ASGIServer"]),
        // Counts the test process's heap allocations per thread (the allocation-count test).
        .target(name: "CAllocationCount", path: "Tests/CAllocationCount"),
        .testTarget(
            name: "ASGIKitTests", dependencies: ["ASGIKit", "ASGIServer", "ASGITesting", "ASGI", "UVLoop", "CAllocationCount"]),
        .testTarget(name: "ASGIRedisTests", dependencies: ["ASGIRedis", "UVLoop"]),
        .testTarget(name: "DemoTests", dependencies: []),
        .testTarget(
            name: "ASGIServiceTests",
            dependencies: [
                "ASGIServer", "ASGIRedis", "ASGI", "UVLoop", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
    ]
)
