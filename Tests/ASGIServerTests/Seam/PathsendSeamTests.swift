import ASGI
import Foundation
import Synchronization
import Testing
import UVLoop

@testable import ASGIServer

extension SeamTests {
    /// `http.response.pathsend` and large bodies over the in-memory transport: what the connection
    /// writes, and that a large body reaches the transport as the application's own array.
    @Suite struct PathsendSeamTests {
        private static func file(_ bytes: [UInt8]) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("pathsend-\(UUID().uuidString)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }

        private final class Seen: Sendable { let error = Mutex("") }

        private static func app(path: String, range: Range<Int>? = nil, seen: Seen? = nil) -> Application {
            { scope, _, send in
                guard scope.type == .http else { return }
                #expect(scope.extensions.contains("http.response.pathsend"))
                try await send(.responseStart(status: range == nil ? 200 : 206, headers: [("content-type", "application/octet-stream")]))
                do {
                    try await send(.responsePathsend(path: path, range: range))
                } catch {
                    seen?.error.withLock { $0 = "\(error)" }
                    throw error
                }
            }
        }

        @Test func sendsTheFileWithItsLength() throws {
            let bytes = (0..<70_000).map { UInt8($0 % 251) }
            let path = try Self.file(bytes)
            defer { unlink(path) }
            let harness = try ConnectionHarness(app: Self.app(path: path))
            harness.send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n")
            harness.run { harness.transport.written.count >= 70_000 }
            let out = harness.transport.written
            let split = try #require(out.firstRange(of: Array("\r\n\r\n".utf8)))
            #expect(String(decoding: out[..<split.lowerBound], as: UTF8.self).contains("content-length: 70000"))
            #expect(Array(out[split.upperBound...]) == bytes)
            #expect(!harness.transport.isClosed, "keep-alive after a file")
            harness.finish()
        }

        @Test func sendsARangeAndHeadSendsTheHeadOnly() throws {
            let bytes = (0..<1000).map { UInt8($0 % 256) }
            let path = try Self.file(bytes)
            defer { unlink(path) }
            let ranged = try ConnectionHarness(app: Self.app(path: path, range: 100..<200))
            ranged.send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(ranged.output(containing: "content-length: 100").hasPrefix("HTTP/1.1 206"))
            ranged.run {
                guard let end = ranged.transport.written.firstRange(of: Array("\r\n\r\n".utf8)) else { return false }
                return ranged.transport.written.count - end.upperBound >= 100
            }
            #expect(Array(ranged.transport.written.suffix(100)) == Array(bytes[100..<200]))
            ranged.finish()

            let head = try ConnectionHarness(app: Self.app(path: path))
            head.send("HEAD /f HTTP/1.1\r\nHost: a\r\n\r\n")
            let out = head.output(containing: "\r\n\r\n")
            #expect(out.contains("content-length: 1000"))
            #expect(out.hasSuffix("\r\n\r\n"), "HEAD sends no body: \(out)")
            head.finish()
        }

        @Test(arguments: ["/nonexistent/file", "relative/path", "/"])
        func aFileThatCannotBeSentIs500(_ path: String) throws {
            let seen = Seen()
            let harness = try ConnectionHarness(app: Self.app(path: path, seen: seen))
            harness.send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n")
            let out = harness.output(containing: "500")
            #expect(out.hasPrefix("HTTP/1.1 500"), "\(out)")
            #expect(!seen.error.withLock { $0 }.isEmpty, "send threw")
            harness.finish()
        }

        @Test func aLargeBodyIsNotCopiedAndASmallOneIs() throws {
            let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let address = large.withUnsafeBytes { $0.baseAddress! }
            let app: Application = { scope, _, send in
                let body = scope.path == "/large" ? large : Array("small".utf8)
                try await send(.responseStart(status: 200))
                try await send(.responseBody(body))
            }
            let harness = try ConnectionHarness(app: app)
            harness.send("GET /large HTTP/1.1\r\nHost: a\r\n\r\nGET /small HTTP/1.1\r\nHost: a\r\n\r\n")
            // The condition is checked every turn: the bytes' tail, not a 1 MiB string each time.
            harness.run { harness.transport.written.suffix(5).elementsEqual("small".utf8) }
            #expect(harness.transport.uncopiedBodies == [address], "the 1 MiB body was copied on its way to the socket")
            #expect(harness.transport.written.count > 1 << 20)
            #expect(harness.transport.written.suffix(5).elementsEqual("small".utf8))
            harness.finish()
        }
        /// Sends `GET /f` and returns the body of the response (content-length framed).
        private static func fetch(_ harness: ConnectionHarness) throws -> [UInt8] {
            let before = harness.transport.written.count
            harness.send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n")
            var body: [UInt8]?
            harness.run {
                let out = Array(harness.transport.written[before...])
                guard let split = out.firstRange(of: Array("\r\n\r\n".utf8)),
                    let line = String(decoding: out[..<split.lowerBound], as: UTF8.self)
                        .split(separator: "\r\n").first(where: { $0.hasPrefix("content-length: ") }),
                    let length = Int(line.dropFirst(16)), out.count - split.upperBound >= length
                else { return false }
                body = Array(out[split.upperBound..<(split.upperBound + length)])
                return true
            }
            return try #require(body)
        }

        @Test func anOpenFileIsSharedForItsValidityThenOpenedAgain() throws {
            let path = try Self.file(Array("first".utf8))
            defer { unlink(path) }
            let harness = try ConnectionHarness({ $0.openFileCacheSeconds = 0.3 }, app: Self.app(path: path))
            #expect(try Self.fetch(harness) == Array("first".utf8))
            #expect(harness.core.openFiles.count == 1)
            // Replaced the way deployments do it (a new file renamed over the old one).
            let replacement = try Self.file(Array("second!".utf8))
            #expect(rename(replacement, path) == 0)
            #expect(try Self.fetch(harness) == Array("first".utf8), "within the validity the open file is reused")
            harness.run(forAtMost: 400) { false }
            #expect(harness.core.openFiles.count == 0, "the sweep closed the expired file")
            #expect(try Self.fetch(harness) == Array("second!".utf8), "after it the path is opened again")
            harness.finish()
        }

        @Test func withTheCacheOffEveryRequestOpensTheFile() throws {
            let path = try Self.file(Array("first".utf8))
            defer { unlink(path) }
            let harness = try ConnectionHarness({ $0.openFileCacheSeconds = 0 }, app: Self.app(path: path))
            #expect(try Self.fetch(harness) == Array("first".utf8))
            let replacement = try Self.file(Array("second!".utf8))
            #expect(rename(replacement, path) == 0)
            #expect(try Self.fetch(harness) == Array("second!".utf8))
            #expect(harness.core.openFiles.count == 0)
            harness.finish()
        }
    }
}
