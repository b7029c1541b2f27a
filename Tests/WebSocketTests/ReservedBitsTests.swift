import Testing

@testable import WebSocket

/// Autobahn 3.x (reserved bits) and 4.x (reserved opcodes): refused with 1002, after the valid
/// frames before them were delivered.
@Suite struct ReservedBitsTests {
    @Test("3.1 small text with RSV = 1 (no extension negotiated)")
    func rsv1() { #expect(readEveryWay(frame(.text, Array("Hello, world!".utf8), rsv: 1)).error?.closeCode == 1002) }

    @Test("3.2-3.4 small text, text with RSV = 2/3/4, then ping: the first text only", arguments: [2, 3, 4] as [UInt8])
    func rsvAfterText(rsv: UInt8) {
        let bytes = text("Hello, world!") + frame(.text, Array("Hello, world!".utf8), rsv: rsv) + frame(.ping, [1])
        let transcript = readEveryWay(bytes)
        #expect(transcript.events == [.text("Hello, world!")])
        #expect(code(transcript) == 1002)
    }

    @Test("3.5 binary with RSV = 5; 3.6 ping with RSV = 6; 3.7 close with RSV = 7")
    func rsvOnOtherFrames() {
        #expect(code(readEveryWay(frame(.binary, [0, 0xFF, 0xFE], rsv: 5))) == 1002)
        #expect(code(readEveryWay(frame(.ping, Array("Hello".utf8), rsv: 6))) == 1002)
        #expect(code(readEveryWay(frame(.close, [0x03, 0xE8], rsv: 7))) == 1002)
    }

    @Test("RSV1 with permessage-deflate: refused on continuation and control frames")
    func rsv1WithDeflate() {
        let setup = ReaderSetup(deflate: DeflateParameters())
        #expect(code(readEveryWay(text("a", fin: false) + frame(.continuation, [], rsv: 4), setup)) == 1002)
        #expect(code(readEveryWay(frame(.ping, [], rsv: 4), setup)) == 1002)
    }

    @Test("4.1.1-4.1.2 reserved non-control opcodes 3 and 4", arguments: [3, 4] as [UInt8])
    func reservedDataOpcode(opcode: UInt8) {
        let payload: [UInt8] = opcode == 3 ? [] : Array("reserved opcode frame payload".utf8)
        #expect(code(readEveryWay(frame(opcode: opcode, payload))) == 1002)
    }

    @Test("4.1.3-4.1.5 text, reserved non-control opcode 5/6/7, ping: the text only", arguments: [5, 6, 7] as [UInt8])
    func reservedDataOpcodeAfterText(opcode: UInt8) {
        let bytes = text("Hello, world!") + frame(opcode: opcode, Array("reserved".utf8)) + frame(.ping)
        let transcript = readEveryWay(bytes)
        #expect(transcript.events == [.text("Hello, world!")])
        #expect(code(transcript) == 1002)
    }

    @Test("4.2.1-4.2.2 reserved control opcodes 11 and 12", arguments: [11, 12] as [UInt8])
    func reservedControlOpcode(opcode: UInt8) {
        #expect(code(readEveryWay(frame(opcode: opcode, opcode == 11 ? [] : [1, 2, 3]))) == 1002)
    }

    @Test(
        "4.2.3-4.2.5 text, reserved control opcode 13/14/15, ping: the text only", arguments: [13, 14, 15] as [UInt8])
    func reservedControlOpcodeAfterText(opcode: UInt8) {
        let bytes = text("Hello, world!") + frame(opcode: opcode, Array("reserved".utf8)) + frame(.ping)
        let transcript = readEveryWay(bytes)
        #expect(transcript.events == [.text("Hello, world!")])
        #expect(code(transcript) == 1002)
    }

    @Test("a bad frame is refused at its first byte: the rest of it never needs to arrive")
    func failFast() {
        #expect(code(read([0x83])) == nil)  // one byte: the opcode is known, the mask bit not yet
        #expect(code(read([0x83, 0x80])) == 1002)
        #expect(code(read([0xF1, 0x80])) == 1002)
    }
}
