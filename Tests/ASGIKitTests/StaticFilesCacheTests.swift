import ASGI
import ASGIKit
import Foundation
import Testing

/// StaticFiles remembers a lookup for `cacheSeconds`: a new, changed or removed file is seen
/// once that time has passed, at once with the cache off. Called without sockets: the answer is
/// the path handed to the server's pathsend.
@Suite struct StaticFilesCacheTests {
    private static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("static-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aLookupIsReusedForItsValidityThenDoneAgain() async throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = try StaticFiles(directory: root, cacheSeconds: 0.3)
        #expect(try await call(files.application, "GET", "/a.txt").status == 404)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: root + "/a.txt"))
        #expect(try await call(files.application, "GET", "/a.txt").status == 404, "the 404 is remembered")
        try await Task.sleep(for: .milliseconds(400))
        let found = try await call(files.application, "GET", "/a.txt")
        #expect(found.status == 200)
        #expect(found.pathsend?.hasSuffix("/a.txt") == true)
        try FileManager.default.removeItem(atPath: root + "/a.txt")
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await call(files.application, "GET", "/a.txt").status == 404, "a removed file is gone after the validity")
    }

    @Test func withTheCacheOffEveryRequestLooksAgain() async throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = try StaticFiles(directory: root, cacheSeconds: 0)
        #expect(try await call(files.application, "GET", "/a.txt").status == 404)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: root + "/a.txt"))
        let found = try await call(files.application, "GET", "/a.txt")
        #expect(found.status == 200)
        #expect(found.pathsend?.hasSuffix("/a.txt") == true)
    }

    @Test func manyDifferentPathsDoNotGrowTheCacheWithoutBound() async throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/x"))
        let files = try StaticFiles(directory: root)
        for index in 0..<3000 {
            #expect(try await call(files.application, "GET", "/missing-\(index)").status == 404)
        }
        #expect(files.cachedLookups <= 1024)
        #expect(try await call(files.application, "GET", "/x").pathsend?.hasSuffix("/x") == true)
    }
}
