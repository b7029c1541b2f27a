import Testing

@testable import WebSocket

/// Autobahn 7.x: close frames, their payload rules and codes, and what comes after them.
@Suite struct CloseTests {
    @Test("7.1.1 a message, then close: both delivered")
    func messageThenClose() {
        #expect(
            readEveryWay(text("Hello World!") + close(1000))
                == Transcript(events: [.text("Hello World!"), .close(code: 1000, reason: "")]))
    }

    @Test("7.1.2 two close frames; 7.1.3 ping after close; 7.1.4 text after close: nothing after the first close")
    func afterClose() {
        for after in [close(1000), frame(.ping, Array("ping".utf8)), text("Hello World!"), [0xFF, 0xFF]] {
            #expect(readEveryWay(close(1000) + after) == Transcript(events: [.close(code: 1000, reason: "")]))
        }
    }

    @Test("a feed after the close event consumes everything and delivers nothing")
    func feedAfterClose() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 100)
        let bytes = close(1000) + text("late")
        var events: [FrameEvent] = []
        let consumed = try reader.feed(bytes) {
            events.append($0); return true
        }
        #expect(consumed == close(1000).count)
        let later = try reader.feed(bytes) {
            events.append($0); return true
        }
        #expect(later == bytes.count)
        #expect(events == [.close(code: 1000, reason: "")])
    }

    @Test("7.1.5 fragment 1, close, fragment 2: the close comes, the message never does")
    func closeBetweenFragments() {
        let bytes = text("fragment1", fin: false) + close(1000) + frame(.continuation, Array("fragment2".utf8))
        #expect(readEveryWay(bytes) == Transcript(events: [.close(code: 1000, reason: "")]))
    }

    @Test("7.1.6 256 KiB message, text, close, ping: both messages, then close")
    func bigMessageThenClose() {
        let big = String(repeating: "BAsd7&jh23", count: 256 * 1024 / 10)
        let bytes = text(big) + text("Hello World!") + close(1000) + frame(.ping)
        #expect(
            readEveryWay(bytes)
                == Transcript(events: [.text(big), .text("Hello World!"), .close(code: 1000, reason: "")]))
    }

    @Test("7.3.1 close without payload: code nil")
    func emptyClose() { #expect(readEveryWay(frame(.close)) == Transcript(events: [.close(code: nil, reason: "")])) }

    @Test("7.3.2 close with a 1-byte payload is refused (1002)")
    func oneByteClose() { #expect(code(readEveryWay(frame(.close, [0x03]))) == 1002) }

    @Test("7.3.3 close with code 1000; 7.3.4 with code and reason; 7.3.5 with a 123-byte reason")
    func closeWithReason() {
        #expect(readEveryWay(close(1000)) == Transcript(events: [.close(code: 1000, reason: "")]))
        #expect(readEveryWay(close(1000, "Ok")) == Transcript(events: [.close(code: 1000, reason: "Ok")]))
        let longest = String(repeating: "*", count: 123)
        #expect(readEveryWay(close(1000, longest)) == Transcript(events: [.close(code: 1000, reason: longest)]))
    }

    @Test("7.3.6 close with a 124-byte reason (payload 126) is refused (1002)")
    func tooLongClose() {
        #expect(code(readEveryWay(close(1000, String(repeating: "*", count: 124)))) == 1002)
    }

    @Test("7.5.1 close with a reason that is not UTF-8 is refused (1007)")
    func invalidReason() {
        let reason: [UInt8] = [
            0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65,
        ]
        #expect(code(readEveryWay(frame(.close, [0x03, 0xE8] + reason))) == 1007)
    }

    @Test(
        "7.7.1-7.7.13 valid close codes",
        arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
    func validCode(code: UInt16) {
        #expect(readEveryWay(close(code)) == Transcript(events: [.close(code: code, reason: "")]))
        #expect(CloseCode.isValidOnWire(code))
    }

    @Test("registered since RFC 6455 and valid too: 1012, 1013, 1014", arguments: [1012, 1013, 1014] as [UInt16])
    func registeredCode(code: UInt16) {
        #expect(readEveryWay(close(code)) == Transcript(events: [.close(code: code, reason: "")]))
    }

    @Test(
        "7.9.1-7.9.9 invalid close codes; 7.13.1 code 5000; 7.13.2 code 65535; and 1015",
        arguments: [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535, 1015] as [UInt16])
    func invalidCode(value: UInt16) {
        #expect(code(readEveryWay(close(value))) == 1002)
        #expect(!CloseCode.isValidOnWire(value))
    }

    @Test("codes an application may close with")
    func applicationCodes() {
        for code in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] as [UInt16] {
            #expect(CloseCode.isValidForApplication(code))
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] as [UInt16] {
            #expect(!CloseCode.isValidForApplication(code))
        }
    }

    @Test("appendClose: nil code gives an empty payload; a long reason is cut at a character boundary")
    func writeClose() {
        var out: [UInt8] = []
        FrameWriter.appendClose(code: nil, reason: "ignored", into: &out)
        #expect(out == [0x88, 0x00])
        out = []
        FrameWriter.appendClose(code: 1000, reason: "bye", into: &out)
        #expect(out == [0x88, 0x05, 0x03, 0xE8] + Array("bye".utf8))
        // 61 two-byte characters (122 bytes) then a 3-byte one: the last does not fit in 123.
        let reason = String(repeating: "é", count: 61) + "€"
        out = []
        FrameWriter.appendClose(code: 1001, reason: reason, into: &out)
        #expect(out[1] == 124)
        #expect(
            read(out, ReaderSetup(role: .client))
                == Transcript(events: [.close(code: 1001, reason: String(repeating: "é", count: 61))]))
        out = []
        FrameWriter.appendClose(code: 1000, reason: String(repeating: "x", count: 200), mask: testMask, into: &out)
        #expect(read(out) == Transcript(events: [.close(code: 1000, reason: String(repeating: "x", count: 123))]))
    }
}
