import Testing

@testable import HTTP1

@Suite struct ByteClassTests {
    /// The eight-bytes-at-a-time scans stop exactly where a byte-by-byte scan stops, for every byte
    /// value at every position of a run longer than two words.
    @Test func wordScansMatchByteScans() {
        for bad in 0...255 {
            for position in 0..<24 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 24)
                bytes[position] = UInt8(bad)
                bytes.withUnsafeBytes { raw in
                    var valueEnd = 0
                    while valueEnd < raw.count, ByteClass.isFieldValueChar(raw[valueEnd]) { valueEnd += 1 }
                    #expect(ByteClass.fieldValueRunEnd(raw, from: 0, to: raw.count) == valueEnd, "value byte \(bad) at \(position)")
                    var visibleEnd = 0
                    while visibleEnd < raw.count, ByteClass.isVisibleASCII(raw[visibleEnd]) { visibleEnd += 1 }
                    #expect(ByteClass.visibleRunEnd(raw, from: 0, to: raw.count) == visibleEnd, "target byte \(bad) at \(position)")
                }
            }
        }
    }

    @Test func tokenCharacters() {
        let tokens = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in 0...255 {
            #expect(ByteClass.isTokenChar(UInt8(byte)) == tokens.contains(UInt8(byte)), "byte \(byte)")
        }
    }

    @Test func numbers() {
        var out: [UInt8] = []
        out.appendDecimal(0)
        out.append(UInt8(ascii: " "))
        out.appendDecimal(Int.max)
        out.append(UInt8(ascii: " "))
        out.appendHex(0xdead_beef)
        #expect(String(decoding: out, as: UTF8.self) == "0 9223372036854775807 deadbeef")
    }

    @Test func longFragmentsAcrossFeeds() throws {
        let value = String(repeating: "v", count: 5000)
        let target = "/" + String(repeating: "t", count: 3000)
        let recorder = try parse("GET \(target) HTTP/1.1\r\nHost: t\r\nX-Long: \(value)\r\n\r\n", piece: 7)
        let head = try #require(recorder.heads.first)
        #expect(head.path == target)
        #expect(head.headers["x-long"] == value)
    }
}
