import Testing

@testable import WebSocket

/// Autobahn 5.x: fragmented messages, control frames between fragments, and continuation frames
/// out of place. "One chop", "per-frame chops" and "octet-wise chops" are the feed plans.
@Suite struct FragmentationTests {
    static let fragmented = text("fragment1", fin: false) + frame(.continuation, Array("fragment2".utf8))

    /// Piece lengths that cut `frames` at their boundaries.
    static func perFrame(_ frames: [[UInt8]]) -> [Int] { frames.map(\.count) }

    @Test("5.3 text in 2 fragments; 5.4 per-frame chops; 5.5 octet-wise chops")
    func twoFragments() {
        let first = text("fragment1", fin: false)
        let second = frame(.continuation, Array("fragment2".utf8))
        let expected = Transcript(events: [.text("fragment1fragment2")])
        #expect(read(first + second) == expected)
        #expect(read(first + second, lengths: Self.perFrame([first, second])) == expected)
        #expect(read(first + second, lengths: bytewise(first.count + second.count)) == expected)
    }

    @Test("5.6 text in 2 fragments with a ping between; 5.7 per-frame chops; 5.8 octet-wise chops")
    func pingBetweenFragments() {
        let frames = [
            text("fragment1", fin: false), frame(.ping, Array("ping payload".utf8)),
            frame(.continuation, Array("fragment2".utf8)),
        ]
        let bytes = Array(frames.joined())
        let expected = Transcript(events: [.ping(Array("ping payload".utf8)), .text("fragment1fragment2")])
        #expect(read(bytes) == expected)
        #expect(read(bytes, lengths: Self.perFrame(frames)) == expected)
        #expect(read(bytes, lengths: bytewise(bytes.count)) == expected)
    }

    @Test(
        "5.9-5.14 continuation (FIN true / false) with nothing to continue, then text: refused (1002)",
        arguments: [true, false])
    func continuationWithNothingToContinue(fin: Bool) {
        let frames = [frame(.continuation, Array("non-continuation payload".utf8), fin: fin), text("Hello, world!")]
        let bytes = Array(frames.joined())
        for plan in [nil, Self.perFrame(frames), bytewise(bytes.count)] {
            let transcript = read(bytes, lengths: plan)
            #expect(transcript.events.isEmpty)
            #expect(code(transcript) == 1002)
        }
    }

    @Test("5.15 text in 2 fragments, continuation (FIN false) with nothing to continue, text: the first only")
    func strayContinuationAfterMessage() {
        let bytes =
            text("fragment1", fin: false) + frame(.continuation, Array("fragment2".utf8))
            + frame(.continuation, Array("fragment3".utf8), fin: false) + frame(.continuation, Array("fragment4".utf8))
        let transcript = readEveryWay(bytes)
        #expect(transcript.events == [.text("fragment1fragment2")])
        #expect(code(transcript) == 1002)
    }

    @Test(
        "5.16-5.17 repeated 2x: continuation (FIN false / true) with nothing to continue, text in 2 fragments",
        arguments: [false, true])
    func repeatedStrayContinuation(fin: Bool) {
        let round =
            frame(.continuation, Array("fragment1".utf8), fin: fin) + text("fragment2", fin: false)
            + frame(.continuation, Array("fragment3".utf8))
        let transcript = readEveryWay(round + round)
        #expect(transcript.events.isEmpty)
        #expect(code(transcript) == 1002)
    }

    @Test("5.18 text in 2 fragments, both with opcode text: refused (1002)")
    func twoTextOpcodes() {
        let transcript = readEveryWay(text("fragment1", fin: false) + text("fragment2"))
        #expect(transcript.events.isEmpty)
        #expect(code(transcript) == 1002)
    }

    @Test("5.19-5.20 text in 5 fragments with 2 pings between, each fed apart (the waits)")
    func fiveFragmentsTwoPings() {
        let frames = [
            text("fragment1", fin: false), frame(.continuation, Array("fragment2".utf8), fin: false),
            frame(.ping, Array("pongme 1!".utf8)),
            frame(.continuation, Array("fragment3".utf8), fin: false),
            frame(.continuation, Array("fragment4".utf8), fin: false),
            frame(.ping, Array("pongme 2!".utf8)),
            frame(.continuation, Array("fragment5".utf8)),
        ]
        let bytes = Array(frames.joined())
        let expected = Transcript(events: [
            .ping(Array("pongme 1!".utf8)), .ping(Array("pongme 2!".utf8)),
            .text("fragment1fragment2fragment3fragment4fragment5"),
        ])
        #expect(read(bytes, lengths: Self.perFrame(frames)) == expected)
        #expect(readEveryWay(bytes) == expected)
    }

    @Test("binary fragments, empty ones included, with pongs and pings between")
    func binaryFragments() {
        let bytes =
            frame(.binary, [1, 2], fin: false) + frame(.pong, [9]) + frame(.continuation, [], fin: false)
            + frame(.ping) + frame(.continuation, [3])
        #expect(readEveryWay(bytes) == Transcript(events: [.pong([9]), .ping([]), .binary([1, 2, 3])]))
    }

    @Test("a message can follow a fragmented one at once")
    func messagesBackToBack() {
        let bytes = Self.fragmented + frame(.binary, [7]) + Self.fragmented
        #expect(
            readEveryWay(bytes)
                == Transcript(events: [.text("fragment1fragment2"), .binary([7]), .text("fragment1fragment2")]))
    }
}
