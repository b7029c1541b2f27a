import Foundation
import Glibc
import WebSocket

/// A blocking WebSocket client over ``TestClient`` for live tests: exact frames out (masked or
/// not, any opcode), the server's frames back as ``FrameEvent``s.
final class WSClient: @unchecked Sendable {
    // Safety: used by one test thread at a time.
    let socket: TestClient
    private let reader: FrameReader
    private var buffered: [UInt8] = []
    private var events: [FrameEvent] = []

    /// The handshake response: status line and lower-cased header names.
    struct HandshakeResponse {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    }

    init(port: Int, timeoutSeconds: Int = 10, decompressor: Decompressor? = nil) throws {
        socket = try TestClient(port: port, timeoutSeconds: timeoutSeconds)
        reader = FrameReader(role: .client, maxMessageSize: 64 << 20, decompressor: decompressor)
    }

    static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    static func upgradeRequest(_ path: String, key: String = sampleKey, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
    }

    /// Sends the upgrade request (plus `after`, bytes pipelined behind it) and reads the response
    /// head; for a non-101 answer also the body (by content-length or until close).
    func handshake(_ path: String, extra: String = "", after: [UInt8] = []) throws -> HandshakeResponse {
        try socket.send(Array(Self.upgradeRequest(path, extra: extra).utf8) + after)
        var data: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let chunk = try socket.readSome()
            if chunk.isEmpty { throw TestClientError("closed during the handshake: \(String(decoding: data, as: UTF8.self))") }
            data += chunk
            headEnd = Self.find([13, 10, 13, 10], in: data)
        }
        let head = String(decoding: data[..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = Int(statusLine[1]) ?? 0
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var rest = Array(data[(headEnd! + 4)...])
        var response = HandshakeResponse(status: status, headers: headers, body: [])
        if status == 101 {
            buffered = rest
        } else {
            if let length = response.header("content-length").flatMap({ Int($0) }) {
                while rest.count < length {
                    let chunk = try socket.readSome()
                    if chunk.isEmpty { break }
                    rest += chunk
                }
            } else {
                rest += try socket.readToEnd()
            }
            response.body = rest
        }
        return response
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }

    static func frame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        payload.withUnsafeBytes {
            FrameWriter.appendFrame(opcode, payload: $0, fin: fin, rsv1: rsv1, mask: masked ? 0x1234_5678 : nil, into: &out)
        }
        return out
    }

    func send(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) throws {
        try socket.send(Self.frame(opcode, payload, fin: fin, masked: masked))
    }

    func send(text: String) throws { try send(.text, Array(text.utf8)) }

    func sendClose(code: UInt16?, reason: String = "") throws {
        var out: [UInt8] = []
        FrameWriter.appendClose(code: code, reason: reason, mask: 0x0bad_cafe, into: &out)
        try socket.send(out)
    }

    /// The next frame event from the server; nil at EOF.
    func next() throws -> FrameEvent? {
        while events.isEmpty {
            if !buffered.isEmpty {
                let bytes = buffered
                buffered = []
                let used = try bytes.withUnsafeBytes { raw in
                    try reader.feed(raw) { event in
                        events.append(event)
                        return true
                    }
                }
                if used < bytes.count { buffered = Array(bytes[used...]) }
                if !events.isEmpty { break }
            }
            let chunk = try socket.readSome()
            if chunk.isEmpty { return nil }
            buffered += chunk
        }
        return events.removeFirst()
    }

    /// Reads until the server's close frame; returns its code and reason (nil code: empty close).
    func readClose() throws -> (code: UInt16?, reason: String)? {
        while let event = try next() {
            if case .close(let code, let reason) = event { return (code, reason) }
        }
        return nil
    }
}
