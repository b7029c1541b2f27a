import Testing

@testable import WebSocket

/// `onEvent` returning false stops the feed after that event; the caller feeds the rest later.
@Suite struct BackpressureTests {
    static let frames = [
        text("one"), frame(.ping, [1]), frame(.binary, [2]), text("two", fin: false),
        frame(.continuation, Array(" parts".utf8)), close(1000, "done"),
    ]
    static let bytes = Array(frames.joined())

    @Test("stopping after every event returns the offset after that event's frame")
    func stopAfterEach() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 100)
        var events: [FrameEvent] = []
        var rest = Self.bytes[...]
        var consumedPerFeed: [Int] = []
        while !rest.isEmpty {
            let consumed = try reader.feed(rest) {
                events.append($0); return false
            }
            consumedPerFeed.append(consumed)
            rest = rest.dropFirst(consumed)
            if case .close = events.last { break }
        }
        let f = Self.frames.map(\.count)
        #expect(consumedPerFeed == [f[0], f[1], f[2], f[3] + f[4], f[5]])
        #expect(
            events == [.text("one"), .ping([1]), .binary([2]), .text("two parts"), .close(code: 1000, reason: "done")])
    }

    @Test("stopping at the n-th event, then feeding the rest, gives the same events", arguments: 1...5)
    func stopAtEvent(n: Int) throws {
        let reader = FrameReader(role: .server, maxMessageSize: 100)
        var events: [FrameEvent] = []
        let consumed = try reader.feed(Self.bytes) {
            events.append($0); return events.count < n
        }
        #expect(events.count == n)
        #expect(consumed == Self.frames.prefix(n <= 3 ? n : n + 1).map(\.count).reduce(0, +))
        _ = try reader.feed(Self.bytes[consumed...]) {
            events.append($0); return true
        }
        #expect(events == read(Self.bytes).events)
    }

    @Test("a stop inside a piece that ends in a partial frame: the rest, fed again, completes it")
    func stopWithPartialFrameAfter() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 100)
        let bytes = text("a") + text("bcd")
        let piece = bytes.prefix(bytes.count - 2)
        var events: [FrameEvent] = []
        let consumed = try reader.feed(piece) {
            events.append($0); return false
        }
        #expect(consumed == text("a").count)
        let second = try reader.feed(piece[consumed...]) {
            events.append($0); return false
        }
        #expect(second == piece.count - consumed)  // a partial frame is consumed (kept inside)
        #expect(reader.bufferedBytes > 0)
        _ = try reader.feed(bytes.suffix(2)) {
            events.append($0); return false
        }
        #expect(events == [.text("a"), .text("bcd")])
        #expect(reader.bufferedBytes == 0)
    }
}
