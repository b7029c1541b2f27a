import ASGI

@testable import HTTP1

/// Records what a parser reports; one entry per message.
final class Recorder: RequestParserDelegate {
    var heads: [RequestHead] = []
    var bodies: [[UInt8]] = []
    var completed = 0
    var bodyCallbacks = 0

    func parser(_ parser: RequestParser, didParseHead head: RequestHead) {
        heads.append(head)
        bodies.append([])
    }

    func parser(_ parser: RequestParser, didReceiveBody chunk: UnsafeRawBufferPointer) {
        bodies[bodies.count - 1].append(contentsOf: chunk)
        bodyCallbacks += 1
    }

    func parserDidCompleteMessage(_ parser: RequestParser) { completed += 1 }
}

/// A parser with a recorder that stays alive as long as the harness (the delegate is unowned).
struct Harness {
    let parser: RequestParser
    let recorder = Recorder()

    init(limits: ParserLimits = ParserLimits()) {
        parser = RequestParser(limits: limits)
        parser.delegate = recorder
    }

    /// Feeds `bytes` in pieces of at most `piece` bytes, feeding the rest again after each
    /// completed message. Returns the results of every feed call that completed a message,
    /// with `consumed` translated to an offset in `bytes`.
    @discardableResult
    func feed(_ bytes: [UInt8], piece: Int = .max) throws(HTTPParseError) -> [Int] {
        var ends: [Int] = []
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(piece, bytes.count - offset)
            let result = try bytes[offset..<end].withUnsafeBytes { raw in
                Result { () throws(HTTPParseError) in try parser.feed(raw) }
            }.get()
            switch result {
            case .needMore: offset = end
            case .messageComplete(let consumed):
                offset += consumed
                ends.append(offset)
            }
        }
        return ends
    }

    /// Feeds `first` then `second` as two calls (and the rest after each completed message).
    func feedSplit(_ bytes: [UInt8], at split: Int) throws(HTTPParseError) {
        try feed(Array(bytes[..<split]))
        try feed(Array(bytes[split...]))
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Parses a whole byte string (all messages) and returns the recorder.
func parse(_ text: String, limits: ParserLimits = ParserLimits(), piece: Int = .max) throws(HTTPParseError) -> Recorder {
    let harness = Harness(limits: limits)
    try harness.feed(bytes(text), piece: piece)
    return harness.recorder
}

/// The error a request raises when fed whole, and when fed one byte at a time.
func rejection(_ request: [UInt8], limits: ParserLimits = ParserLimits()) -> (whole: HTTPParseError?, bytewise: HTTPParseError?) {
    func run(_ piece: Int) -> HTTPParseError? {
        do throws(HTTPParseError) {
            try Harness(limits: limits).feed(request, piece: piece)
            return nil
        } catch { return error }
    }
    return (run(.max), run(1))
}
