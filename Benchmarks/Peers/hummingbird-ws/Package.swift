// swift-tools-version:6.0
// Peer for the Benchmarks `websocket` scenario: a Hummingbird 2 WebSocket echo server, one NIO
// event-loop thread. Not part of the main package (its Benchmarks target excludes Peers/): the
// driver copies this file and Sources/HBWSEcho/main.swift to --hb-dir (default
// /tmp/swiftasgi-bench-hbws) and runs `swift build -c release` there when they differ or the
// binary is missing, so no build output or Package.resolved lands in the source tree.
import PackageDescription

let package = Package(
    name: "HBWSEcho",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", exact: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        .executableTarget(
            name: "HBWSEcho",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/HBWSEcho"
        )
    ]
)
