// The WebSocket load generator: `Benchmarks ws-load ...`, one thread, epoll, run by the driver
// under `taskset -c <client CPU>` the way wrk is. N connections, each with exactly one message
// outstanding: send a masked frame, wait for the whole echo, check it byte for byte, record the
// round trip, send the next (a closed loop, like wrk without its coordinated-omission correction).
// Only messages completed inside the measured window count; after it, outstanding echoes are
// drained (≤ 2 s) and every connection is closed with a close handshake (1000), whose answers
// are counted. The result is JSON (stdout or --json PATH); options, result and entry point are in
// WebSocketLoadCommand.swift.
import Foundation
import Glibc

/// epoll, looked up at run time: the Glibc module does not include <sys/epoll.h>, and this target
/// stays free of C targets. `struct epoll_event` is packed on x86_64 (12 bytes: events at 0, data
/// at 4) and naturally aligned elsewhere (16 bytes, data at 8); the data word holds a connection index.
enum Epoll {
    static let IN: UInt32 = 0x001
    static let OUT: UInt32 = 0x004
    static let ERR: UInt32 = 0x008
    static let HUP: UInt32 = 0x010
    static let RDHUP: UInt32 = 0x2000
    static let ctlAdd: Int32 = 1
    static let ctlDel: Int32 = 2
    static let ctlMod: Int32 = 3
    #if arch(x86_64)
        static let eventSize = 12
        static let dataOffset = 4
    #else
        static let eventSize = 16
        static let dataOffset = 8
    #endif

    typealias Create1 = @convention(c) (Int32) -> Int32
    typealias Ctl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias Wait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else {
            fatalError("\(name) not found in the C library")
        }
        return unsafeBitCast(pointer, to: type)
    }

    nonisolated(unsafe) static let create1 = symbol("epoll_create1", as: Create1.self)
    nonisolated(unsafe) static let ctlFunction = symbol("epoll_ctl", as: Ctl.self)
    nonisolated(unsafe) static let wait = symbol("epoll_wait", as: Wait.self)

    @discardableResult
    static func ctl(_ epfd: Int32, _ op: Int32, _ fd: Int32, events: UInt32, index: Int) -> Int32 {
        var event = [UInt8](repeating: 0, count: eventSize)
        return event.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt64(index), toByteOffset: dataOffset, as: UInt64.self)
            return ctlFunction(epfd, op, fd, op == ctlDel ? nil : raw.baseAddress)
        }
    }
}

/// Monotonic nanoseconds.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Growable byte buffer with a read and a write index (malloc'd: no copy-on-write in the hot loop).
struct RawBytes {
    var base: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    var count: Int { end - start }

    /// Makes room for `extra` more bytes at `end` (compacting first, then growing).
    mutating func reserve(_ extra: Int) {
        if start == end { start = 0; end = 0 }
        if capacity - end >= extra { return }
        if start > 0 {
            memmove(base, base + start, end - start)
            end -= start
            start = 0
        }
        if capacity - end < extra {
            var newCapacity = capacity * 2
            while newCapacity - end < extra { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: base, count: end)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
    }

    func free() { base.deallocate() }
}

final class WSLoadConnection {
    let index: Int
    let fd: Int32
    var input = RawBytes(capacity: 256 * 1024)
    var output = RawBytes(capacity: 128 * 1024)
    var writeArmed = false
    var open = true
    var outstanding = false
    var sentAt: UInt64 = 0
    var inMessage = false
    var received = 0
    var closeSent = false

    init(index: Int, fd: Int32) {
        self.index = index
        self.fd = fd
    }
}

final class WSLoadGenerator {
    let config: WSLoadConfig
    var result: WSLoadResult
    let payload: UnsafeMutableRawBufferPointer
    let opcode: UInt8
    var keys = MaskKeys()
    var connections: [WSLoadConnection] = []
    let epfd: Int32
    var samples: [UInt32] = []
    var windowStart: UInt64 = 0
    var windowEnd: UInt64 = 0
    var phase = Phase.measuring

    enum Phase { case measuring, draining, closing }

    init(_ config: WSLoadConfig) {
        self.config = config
        opcode = config.binary ? WSOpcode.binary : WSOpcode.text
        result = WSLoadResult(
            port: Int(config.port), path: config.path, connectionsRequested: config.connections,
            messageBytes: config.size, opcode: config.binary ? "binary" : "text")
        payload = .allocate(byteCount: max(config.size, 1), alignment: 8)
        if config.binary {
            var system = SystemRandomNumberGenerator()
            for i in 0..<config.size { payload[i] = UInt8.random(in: 0...255, using: &system) }
        } else {
            let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
            for i in 0..<config.size { payload[i] = letters[i % letters.count] }
        }
        epfd = Epoll.create1(Int32(O_CLOEXEC))
        samples.reserveCapacity(1 << 20)
    }

    func error(_ text: String) {
        result.errorCount += 1
        if result.errorSample.count < 5 { result.errorSample.append(text) }
    }

    // MARK: setup

    /// Blocking connect + handshake per connection (before any load), then non-blocking + epoll.
    func connectAll() {
        for index in 0..<config.connections {
            switch WSBlocking.open(port: config.port, path: config.path) {
            case .failure(let failure):
                error("connection \(index): \(failure)")
            case .success(let ws):
                let flags = fcntl(ws.fd, F_GETFL)
                _ = fcntl(ws.fd, F_SETFL, flags | O_NONBLOCK)
                let connection = WSLoadConnection(index: connections.count, fd: ws.fd)
                // bytes that came with the 101 (none expected from an echo server) stay in the buffer
                if !ws.reader.buffer.isEmpty {
                    connection.input.reserve(ws.reader.buffer.count)
                    ws.reader.buffer.withUnsafeBufferPointer {
                        (connection.input.base + connection.input.end).update(from: $0.baseAddress!, count: $0.count)
                    }
                    connection.input.end += ws.reader.buffer.count
                }
                Epoll.ctl(epfd, Epoll.ctlAdd, ws.fd, events: Epoll.IN | Epoll.RDHUP, index: connection.index)
                connections.append(connection)
            }
        }
        result.connectionsOpened = connections.count
    }

    // MARK: sending

    func queueFrame(_ connection: WSLoadConnection, opcode: UInt8, payload bytes: UnsafeRawBufferPointer) {
        let size = WSFrame.clientHeaderSize(bytes.count) + bytes.count
        connection.output.reserve(size)
        connection.output.end += WSFrame.encodeClient(
            opcode: opcode, payload: bytes, maskKey: keys.next(), into: connection.output.base + connection.output.end)
    }

    func sendMessage(_ connection: WSLoadConnection) {
        queueFrame(connection, opcode: opcode, payload: UnsafeRawBufferPointer(rebasing: payload[0..<config.size]))
        connection.outstanding = true
        connection.inMessage = false
        connection.received = 0
        connection.sentAt = monotonicNanos()
        flush(connection)
    }

    func flush(_ connection: WSLoadConnection) {
        while connection.output.count > 0 {
            let n = Glibc.send(
                connection.fd, connection.output.base + connection.output.start, connection.output.count,
                Int32(MSG_NOSIGNAL))
            if n > 0 {
                connection.output.start += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                arm(connection, write: true)
                return
            }
            lose(connection, "send: \(String(cString: strerror(errno)))")
            return
        }
        connection.output.start = 0
        connection.output.end = 0
        arm(connection, write: false)
    }

    func arm(_ connection: WSLoadConnection, write: Bool) {
        guard connection.writeArmed != write, connection.open else { return }
        Epoll.ctl(
            epfd, Epoll.ctlMod, connection.fd, events: Epoll.IN | Epoll.RDHUP | (write ? Epoll.OUT : 0),
            index: connection.index)
        connection.writeArmed = write
    }

    // MARK: receiving

    func lose(_ connection: WSLoadConnection, _ why: String) {
        guard connection.open else { return }
        connection.open = false
        Epoll.ctl(epfd, Epoll.ctlDel, connection.fd, events: 0, index: 0)
        close(connection.fd)
        if phase == .closing {
            if why == "EOF" { result.closeEofs += 1 }
            return
        }
        result.connectionsLost += 1
        error("connection \(connection.index): \(why)")
    }

    func readable(_ connection: WSLoadConnection) {
        while connection.open {
            connection.input.reserve(64 * 1024)
            let space = connection.input.capacity - connection.input.end
            let n = recv(connection.fd, connection.input.base + connection.input.end, space, 0)
            if n > 0 {
                connection.input.end += n
                parse(connection)
                if n < space { return }
                continue
            }
            if n == 0 {
                lose(connection, "EOF")
                return
            }
            if errno == EINTR { continue }
            if errno != EAGAIN && errno != EWOULDBLOCK { lose(connection, "recv: \(String(cString: strerror(errno)))") }
            return
        }
    }

    func parse(_ connection: WSLoadConnection) {
        while connection.open {
            let available = connection.input.count
            let bytes = connection.input.base + connection.input.start
            guard let header = WSFrame.parseHeader(bytes, available: available) else { return }
            let total = header.headerSize + header.payloadSize
            if available < total {
                if total > 64 << 20 {
                    lose(connection, "server frame of \(header.payloadSize) bytes")
                } else {
                    connection.input.reserve(total - available)
                }
                return
            }
            let body = bytes + header.headerSize
            connection.input.start += total
            if header.masked { lose(connection, "server sent a masked frame"); return }
            if header.rsv != 0 { lose(connection, "server set RSV bits \(header.rsv) (no extension negotiated)"); return }
            switch header.opcode {
            case WSOpcode.ping:
                queueFrame(connection, opcode: WSOpcode.pong, payload: UnsafeRawBufferPointer(start: body, count: header.payloadSize))
                result.pingsAnswered += 1
                flush(connection)
            case WSOpcode.pong:
                continue
            case WSOpcode.close:
                let code = WSFrame.closeCode(body, header.payloadSize)
                if phase == .closing {
                    result.closeHandshakes += 1
                    connection.open = false
                    Epoll.ctl(epfd, Epoll.ctlDel, connection.fd, events: 0, index: 0)
                    close(connection.fd)
                    return
                }
                if let code, result.serverCloseCodes.count < 10 { result.serverCloseCodes.append(code) }
                lose(connection, "server closed the WebSocket (code \(code.map(String.init) ?? "none"))")
                return
            case WSOpcode.text, WSOpcode.binary, WSOpcode.continuation:
                data(connection, header: header, body: body)
            default:
                lose(connection, "unknown opcode \(header.opcode)")
                return
            }
        }
    }

    func data(_ connection: WSLoadConnection, header: WSFrame.Header, body: UnsafeMutablePointer<UInt8>) {
        let expected = connection.inMessage ? WSOpcode.continuation : opcode
        guard connection.outstanding, header.opcode == expected else {
            lose(
                connection,
                connection.outstanding
                    ? "frame opcode \(header.opcode), expected \(expected)"
                    : "unexpected data frame (no message outstanding)")
            return
        }
        guard connection.received + header.payloadSize <= config.size,
            memcmp(body, payload.baseAddress! + connection.received, header.payloadSize) == 0
        else {
            lose(connection, "echo differs from the message sent (\(connection.received + header.payloadSize) bytes of \(config.size))")
            return
        }
        connection.received += header.payloadSize
        connection.inMessage = !header.fin
        guard header.fin else { return }
        guard connection.received == config.size else {
            lose(connection, "echo of \(connection.received) bytes for \(config.size) sent")
            return
        }
        connection.outstanding = false
        let now = monotonicNanos()
        if phase == .measuring && now < windowEnd {
            result.messages += 1
            samples.append(UInt32(min(now - connection.sentAt, UInt64(UInt32.max))))
            sendMessage(connection)
        } else if phase != .closing {
            result.drainedAfterWindow += 1
        }
    }

    // MARK: the run

    func poll(until deadline: UInt64, stop: () -> Bool) {
        let capacity = 256
        let events = UnsafeMutableRawPointer.allocate(byteCount: capacity * Epoll.eventSize, alignment: 8)
        defer { events.deallocate() }
        while !stop() {
            let now = monotonicNanos()
            guard now < deadline else { return }
            let timeout = Int32(min((deadline - now) / 1_000_000 + 1, 100))
            let n = Epoll.wait(epfd, events, Int32(capacity), timeout)
            if n < 0 {
                if errno == EINTR { continue }
                error("epoll_wait: \(String(cString: strerror(errno)))")
                return
            }
            for i in 0..<Int(n) {
                let flags = events.loadUnaligned(fromByteOffset: i * Epoll.eventSize, as: UInt32.self)
                let index = events.loadUnaligned(fromByteOffset: i * Epoll.eventSize + Epoll.dataOffset, as: UInt64.self)
                let connection = connections[Int(index)]
                guard connection.open else { continue }
                if flags & Epoll.OUT != 0 { flush(connection) }
                if flags & (Epoll.IN | Epoll.RDHUP | Epoll.HUP | Epoll.ERR) != 0 { readable(connection) }
            }
            if phase == .measuring && monotonicNanos() >= windowEnd { return }
        }
    }

    func run() -> WSLoadResult {
        connectAll()
        guard !connections.isEmpty else { return result }
        windowStart = monotonicNanos()
        windowEnd = windowStart + UInt64(config.seconds * 1e9)
        for connection in connections { sendMessage(connection) }
        poll(until: windowEnd) { false }
        let measuredEnd = monotonicNanos()

        phase = .draining
        poll(until: measuredEnd + 2_000_000_000) { !connections.contains { $0.open && $0.outstanding } }
        result.unansweredAtEnd = connections.filter { $0.open && $0.outstanding }.count

        phase = .closing
        for connection in connections where connection.open {
            connection.closeSent = true
            let code: [UInt8] = [0x03, 0xE8]
            code.withUnsafeBytes { queueFrame(connection, opcode: WSOpcode.close, payload: $0) }
            flush(connection)
        }
        poll(until: monotonicNanos() + 1_000_000_000) { !connections.contains { $0.open } }
        for connection in connections where connection.open {
            result.closeSilent += 1
            connection.open = false
            close(connection.fd)
        }

        let seconds = Double(windowEnd - windowStart) / 1e9
        result.seconds = rounded(seconds, 3)
        result.msgsPerSec = rounded(Double(result.messages) / seconds, 1)
        result.payloadMBPerSec = rounded(Double(result.messages) * Double(config.size) / seconds / 1e6, 2)
        result.latency = Self.latency(&samples)
        return result
    }

    static func latency(_ samples: inout [UInt32]) -> WSLatency? {
        guard !samples.isEmpty else { return nil }
        samples.sort()
        func at(_ q: Double) -> Double {
            let index = min(Int((Double(samples.count) * q).rounded(.up)) - 1, samples.count - 1)
            return rounded(Double(samples[max(index, 0)]) / 1000, 1)
        }
        let mean = samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count) / 1000
        return WSLatency(
            samples: samples.count, meanUs: rounded(mean, 1), p50Us: at(0.50), p90Us: at(0.90),
            p99Us: at(0.99), p999Us: at(0.999), maxUs: rounded(Double(samples.last!) / 1000, 1))
    }
}
