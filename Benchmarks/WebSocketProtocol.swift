// The client side of RFC 6455, just what the websocket scenario needs, without dependencies:
// the opening handshake (random 16-byte key, Sec-WebSocket-Accept checked with our own SHA-1),
// masked client frames with 7/16/64-bit lengths, and unmasked server frames read back. No
// extension is ever offered, so a server must answer without Sec-WebSocket-Extensions.
// WSBlocking is a blocking client (readiness checks, idle connections); the load generator
// (WebSocketLoad.swift) uses the same frame codec on non-blocking sockets.
import Foundation
import Glibc

enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + 4 * i
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<80 { w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = h
            for i in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let t = rotl(a, 5) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = rotl(b, 30); b = a; a = t
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
        var out: [UInt8] = []
        for word in [h.0, h.1, h.2, h.3, h.4] {
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return out
    }
}

enum WSOpcode {
    static let continuation: UInt8 = 0x0
    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2
    static let close: UInt8 = 0x8
    static let ping: UInt8 = 0x9
    static let pong: UInt8 = 0xA
}

/// A small, fast generator for mask keys (xorshift64*, seeded from the system's random source).
/// RFC 6455 wants unpredictable keys to protect intermediaries; on loopback with no proxy a
/// seeded PRNG is enough, and the masking work the server has to undo is the same.
struct MaskKeys {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next() | 1
    }

    mutating func next() -> UInt32 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return UInt32(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 32)
    }
}

enum WSFrame {
    /// Header bytes of a masked client frame carrying `length` payload bytes (2/6, 4/8 or 10/14).
    static func clientHeaderSize(_ length: Int) -> Int { (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10) + 4 }

    /// Writes a complete masked client frame (FIN set) to `out`, which must hold
    /// `clientHeaderSize(payload.count) + payload.count` bytes; returns the bytes written.
    static func encodeClient(
        opcode: UInt8, payload: UnsafeRawBufferPointer, maskKey: UInt32,
        into out: UnsafeMutablePointer<UInt8>
    ) -> Int {
        let length = payload.count
        out[0] = 0x80 | opcode
        var index: Int
        if length < 126 {
            out[1] = 0x80 | UInt8(length)
            index = 2
        } else if length <= 0xFFFF {
            out[1] = 0x80 | 126
            out[2] = UInt8(length >> 8)
            out[3] = UInt8(length & 0xFF)
            index = 4
        } else {
            out[1] = 0x80 | 127
            for i in 0..<8 { out[2 + i] = UInt8(truncatingIfNeeded: UInt64(length) >> UInt64(8 * (7 - i))) }
            index = 10
        }
        let key = (
            UInt8(truncatingIfNeeded: maskKey >> 24), UInt8(truncatingIfNeeded: maskKey >> 16),
            UInt8(truncatingIfNeeded: maskKey >> 8), UInt8(truncatingIfNeeded: maskKey)
        )
        out[index] = key.0; out[index + 1] = key.1; out[index + 2] = key.2; out[index + 3] = key.3
        index += 4
        guard length > 0, let source = payload.baseAddress else { return index }
        // XOR eight bytes at a time with the key repeated (the payload starts at key offset 0):
        // little-endian words, so the key's first byte is the low byte.
        let destination = out + index
        let keyLE = maskKey.byteSwapped
        let key8 = UInt64(keyLE) | UInt64(keyLE) << 32
        let words = length / 8
        for i in 0..<words {
            let word = source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self) ^ key8
            UnsafeMutableRawPointer(destination).storeBytes(of: word, toByteOffset: 8 * i, as: UInt64.self)
        }
        for i in (8 * words)..<length {
            destination[i] = source.load(fromByteOffset: i, as: UInt8.self) ^ UInt8(truncatingIfNeeded: keyLE >> UInt32(8 * (i % 4)))
        }
        return index + length
    }

    static func encodeClient(opcode: UInt8, payload: [UInt8], maskKey: UInt32) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: clientHeaderSize(payload.count) + payload.count)
        let written = out.withUnsafeMutableBufferPointer { buffer in
            payload.withUnsafeBytes { encodeClient(opcode: opcode, payload: $0, maskKey: maskKey, into: buffer.baseAddress!) }
        }
        precondition(written == out.count)
        return out
    }

    struct Header {
        var fin: Bool
        var rsv: UInt8
        var opcode: UInt8
        var masked: Bool
        var headerSize: Int
        var payloadSize: Int
    }

    /// The header at `bytes` if `available` bytes hold all of it; nil when more bytes are needed.
    static func parseHeader(_ bytes: UnsafePointer<UInt8>, available: Int) -> Header? {
        guard available >= 2 else { return nil }
        let b0 = bytes[0], b1 = bytes[1]
        let masked = b1 & 0x80 != 0
        var size = Int(b1 & 0x7F)
        var header = 2
        if size == 126 {
            guard available >= 4 else { return nil }
            size = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if size == 127 {
            guard available >= 10 else { return nil }
            var value: UInt64 = 0
            for i in 0..<8 { value = value << 8 | UInt64(bytes[2 + i]) }
            size = value > UInt64(Int.max / 2) ? Int.max / 2 : Int(value)
            header = 10
        }
        if masked { header += 4 }
        return Header(
            fin: b0 & 0x80 != 0, rsv: b0 & 0x70, opcode: b0 & 0x0F, masked: masked,
            headerSize: header, payloadSize: size)
    }

    static func closeCode(_ payload: UnsafePointer<UInt8>, _ size: Int) -> Int? {
        size >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil
    }
}

enum WSHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    static func randomKey() -> String {
        var system = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &system) }
        return Data(bytes).base64EncodedString()
    }

    static func accept(for key: String) -> String {
        Data(SHA1.hash(Array((key + guid).utf8))).base64EncodedString()
    }

    /// The upgrade request; no Sec-WebSocket-Extensions (so no permessage-deflate) and no subprotocol.
    static func request(path: String, port: UInt16, key: String) -> [UInt8] {
        Array(
            ("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
    }

    /// Checks a response head (everything before the blank line): 101, Upgrade: websocket,
    /// Connection: upgrade, the right Sec-WebSocket-Accept, and no extension we did not offer.
    static func validate(head: String, key: String) -> BenchError? {
        let lines = head.components(separatedBy: "\r\n")
        let status = lines.first?.split(separator: " ") ?? []
        guard status.count >= 2, status[0].hasPrefix("HTTP/1.1") else {
            return BenchError("not an HTTP/1.1 response: '\(lines.first ?? "")'")
        }
        guard status[1] == "101" else { return BenchError("answered '\(lines.first ?? "")' instead of 101") }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[name] = fields[name].map { "\($0), \(value)" } ?? value
        }
        guard fields["upgrade"]?.lowercased() == "websocket" else {
            return BenchError("101 without 'Upgrade: websocket' (\(fields["upgrade"] ?? "none"))")
        }
        guard
            fields["connection"]?.lowercased().split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == "upgrade"
            }) == true
        else {
            return BenchError("101 without 'Connection: Upgrade' (\(fields["connection"] ?? "none"))")
        }
        let expected = accept(for: key)
        guard fields["sec-websocket-accept"] == expected else {
            return BenchError("Sec-WebSocket-Accept '\(fields["sec-websocket-accept"] ?? "none")', expected '\(expected)'")
        }
        if let extensions = fields["sec-websocket-extensions"] {
            return BenchError("server negotiated extensions we did not offer: '\(extensions)'")
        }
        return nil
    }
}

/// A blocking WebSocket client on one socket (send/receive timeouts from TCP.connect).
struct WSBlocking {
    let fd: Int32
    var reader: SocketReader
    var keys = MaskKeys()

    /// Connects, performs the opening handshake and validates the answer.
    static func open(port: UInt16, path: String = "/ws", timeout: Double = 5) -> Result<WSBlocking, BenchError> {
        switch TCP.connect(port: port, timeout: timeout) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let key = WSHandshake.randomKey()
            guard TCP.sendAll(fd, WSHandshake.request(path: path, port: port, key: key)) else {
                let error = BenchError("sending the upgrade request: \(TCP.lastError)")
                Glibc.close(fd)
                return .failure(error)
            }
            var reader = SocketReader(fd: fd)
            var end = reader.find(HTTPClient.headerEnd)
            while end == nil {
                guard reader.fill() else {
                    let error = BenchError("reading the 101 response: \(reader.failure)")
                    Glibc.close(fd)
                    return .failure(error)
                }
                end = reader.find(HTTPClient.headerEnd)
            }
            let head = String(decoding: reader.buffer[0..<(end! - 4)], as: UTF8.self)
            reader.buffer.removeFirst(end!)
            if let error = WSHandshake.validate(head: head, key: key) {
                Glibc.close(fd)
                return .failure(error)
            }
            return .success(WSBlocking(fd: fd, reader: reader))
        }
    }

    mutating func send(opcode: UInt8, _ payload: [UInt8]) -> Bool {
        TCP.sendAll(fd, WSFrame.encodeClient(opcode: opcode, payload: payload, maskKey: keys.next()))
    }

    /// The next frame (answering pings on the way); nil with the reason on EOF, timeout or a bad frame.
    mutating func readFrame() -> Result<(header: WSFrame.Header, payload: [UInt8]), BenchError> {
        while true {
            let parsed: (WSFrame.Header, [UInt8])? = reader.buffer.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress,
                    let header = WSFrame.parseHeader(base, available: buffer.count),
                    buffer.count >= header.headerSize + header.payloadSize
                else { return nil }
                return (header, Array(buffer[header.headerSize..<(header.headerSize + header.payloadSize)]))
            }
            if let (header, payload) = parsed {
                reader.buffer.removeFirst(header.headerSize + header.payloadSize)
                if header.masked { return .failure(BenchError("server sent a masked frame")) }
                if header.rsv != 0 { return .failure(BenchError("server set RSV bits \(header.rsv) (no extension negotiated)")) }
                if header.opcode == WSOpcode.ping {
                    _ = send(opcode: WSOpcode.pong, payload)
                    continue
                }
                if header.opcode == WSOpcode.pong { continue }
                return .success((header, payload))
            }
            guard reader.fill() else { return .failure(BenchError("reading a frame: \(reader.failure)")) }
        }
    }

    /// Sends one message and reads the echo (reassembling fragments); nil if it came back intact.
    mutating func echo(opcode: UInt8, _ payload: [UInt8]) -> BenchError? {
        guard send(opcode: opcode, payload) else { return BenchError("send: \(TCP.lastError)") }
        var received: [UInt8] = []
        var first = true
        while true {
            switch readFrame() {
            case .failure(let error): return error
            case .success(let (header, bytes)):
                if header.opcode == WSOpcode.close {
                    let code = bytes.count >= 2 ? Int(bytes[0]) << 8 | Int(bytes[1]) : nil
                    return BenchError("server closed the WebSocket (code \(code.map(String.init) ?? "none")) instead of echoing")
                }
                let expected = first ? opcode : WSOpcode.continuation
                guard header.opcode == expected else {
                    return BenchError("echo frame has opcode \(header.opcode), expected \(expected)")
                }
                first = false
                received += bytes
                if header.fin {
                    return received == payload
                        ? nil
                        : BenchError("echo differs: \(received.count) bytes back for \(payload.count) sent")
                }
            }
        }
    }

    /// Close handshake (1000): sends close, waits for the server's close or EOF, closes the socket.
    /// Returns what happened, for the record ("close 1000", "EOF", or the error).
    mutating func close() -> String {
        defer { Glibc.close(fd) }
        guard send(opcode: WSOpcode.close, [0x03, 0xE8]) else { return "send close: \(TCP.lastError)" }
        while true {
            switch readFrame() {
            case .failure(let error): return reader.atEOF ? "EOF" : error.description
            case .success(let (header, bytes)) where header.opcode == WSOpcode.close:
                return "close \(bytes.count >= 2 ? String(Int(bytes[0]) << 8 | Int(bytes[1])) : "(no code)")"
            case .success: continue
            }
        }
    }

    /// Open, echo a text and a binary message, close: the readiness check of a WebSocket server.
    static func check(port: UInt16, path: String = "/ws") -> BenchError? {
        switch open(port: port, path: path) {
        case .failure(let error): return error
        case .success(var ws):
            if let error = ws.echo(opcode: WSOpcode.text, Array("hello, echo".utf8)) {
                Glibc.close(ws.fd)
                return BenchError("text echo: \(error)")
            }
            if let error = ws.echo(opcode: WSOpcode.binary, Array(0..<200).map { UInt8($0) }) {
                Glibc.close(ws.fd)
                return BenchError("binary echo: \(error)")
            }
            let closed = ws.close()
            return closed.hasPrefix("close") || closed == "EOF" ? nil : BenchError("close handshake: \(closed)")
        }
    }
}
