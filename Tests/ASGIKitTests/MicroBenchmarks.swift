import ASGI
import Foundation
import Testing

@testable import ASGIKit

/// Measurements, not checks: run with `ASGIKIT_BENCH=1` on a release build
/// (`swift build -c release --build-tests -Xswiftc -enable-testing`). They print nanoseconds per
/// operation; the numbers are reported in the ASGIKit issue and README.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ASGIKIT_BENCH"] == "1"), .serialized)
struct MicroBenchmarks {
    static func measure(_ label: String, iterations: Int = 1_000_000, _ body: () throws -> Void) rethrows {
        for _ in 0..<(iterations / 10) { try body() }  // warm up
        var best = Duration.seconds(1000)
        for _ in 0..<5 {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try body() }
            best = min(best, ContinuousClock.now - start)
        }
        let nanos = Double(best.components.seconds) * 1e9 + Double(best.components.attoseconds) / 1e9
        print("BENCH \(label): \(String(format: "%.1f", nanos / Double(iterations))) ns/op")
    }

    static func table(routes: Int) -> RouteTable {
        let router = Router()
        for i in 0..<(routes / 2) {
            router.get("/static/\(i)/leaf") { _ in .text("") }
            router.get("/param/\(i)/:id/leaf") { _ in .text("") }
        }
        return router.frozen().table
    }

    @Test func routerLookup() {
        for count in [10, 1000] {
            let table = Self.table(routes: count)
            let last = count / 2 - 1
            let staticPath = Array("/static/\(last)/leaf".utf8)
            let paramPath = Array("/param/\(last)/42/leaf".utf8)
            let missing = Array("/nothing/here".utf8)
            Self.measure("lookup static, \(count) routes") {
                guard case .found = table.match(method: "GET", rawPath: staticPath) else { fatalError() }
            }
            Self.measure("lookup :param, \(count) routes") {
                guard case .found = table.match(method: "GET", rawPath: paramPath) else { fatalError() }
            }
            Self.measure("lookup miss (404), \(count) routes") {
                guard case .notFound = table.match(method: "GET", rawPath: missing) else { fatalError() }
            }
        }
    }

    struct Greeting: Codable { let message: String }
    struct Item: Codable {
        let id: Int
        let name: String
        let price: Double
        let tags: [String]
        let active: Bool
        let note: String?
    }
    struct Catalog: Codable { let items: [Item]; let total: Int }

    static let catalog = Catalog(
        items: (0..<20).map {
            Item(
                id: $0, name: "Item \($0) \"quoted\"", price: Double($0) * 1.25, tags: ["a", "b\($0)"], active: $0 % 2 == 0,
                note: $0 % 3 == 0 ? nil : "note")
        }, total: 20)

    @Test func jsonEncoding() throws {
        let greeting = Greeting(message: "Hello, JSON!")
        let foundation = JSONEncoder()
        try Self.measure("encode greeting: ASGIKit JSON") { _ = try JSON.encode(greeting) }
        try Self.measure("encode greeting: Foundation JSONEncoder (reused)") { _ = try foundation.encode(greeting) }
        try Self.measure("encode greeting: Foundation JSONEncoder (new each time)") { _ = try JSONEncoder().encode(greeting) }
        try Self.measure("encode greeting: Foundation + copy to [UInt8]") { _ = [UInt8](try foundation.encode(greeting)) }
        try Self.measure("encode catalog (20 items): ASGIKit JSON", iterations: 20_000) { _ = try JSON.encode(Self.catalog) }
        try Self.measure("encode catalog (20 items): Foundation JSONEncoder", iterations: 20_000) { _ = try foundation.encode(Self.catalog) }
        let body = Array(#"{"message":"Hello, JSON!"}"#.utf8)
        try Self.measure("decode greeting: FoundationEssentials JSONDecoder", iterations: 200_000) {
            _ = try JSON.decode(Greeting.self, from: body)
        }
    }

    /// In-process cost of one request through the router against a raw ASGI app (no sockets).
    @Test func dispatchOverhead() async throws {
        let raw: Application = { _, _, send in
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.responseBody(Array("Hello, ASGI!".utf8)))
        }
        let router = Router()
        router.get("/") { _ in .text("Hello, ASGI!") }
        router.get("/json") { _ in try .json(Greeting(message: "Hello, JSON!")) }
        let app = router.application
        let root = Scope(method: "GET", path: "/", rawPath: Array("/".utf8))
        let json = Scope(method: "GET", path: "/json", rawPath: Array("/json".utf8))
        for (label, application, scope) in [("raw ASGI app", raw, root), ("router GET /", app, root), ("router GET /json", app, json)] {
            let iterations = 200_000
            var best = Duration.seconds(1000)
            for _ in 0..<5 {
                let start = ContinuousClock.now
                for _ in 0..<iterations {
                    try await application(scope, { .request(body: [], moreBody: false) }, { _ in })
                }
                best = min(best, ContinuousClock.now - start)
            }
            let nanos = Double(best.components.seconds) * 1e9 + Double(best.components.attoseconds) / 1e9
            print("BENCH dispatch \(label): \(String(format: "%.1f", nanos / Double(iterations))) ns/request")
        }
    }
}
