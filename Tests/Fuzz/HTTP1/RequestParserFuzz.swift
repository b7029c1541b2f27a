import ASGI
import Glibc

// Fuzz target `request-parser`: the input is a request stream. It is fed to a `RequestParser`
// whole, then cut into pieces (see `Pieces`), and what the parser reported must be the same.
//
// What "the same" means, from how the parser works:
// - Every head, the body bytes of every message and where each message ends are identical, and
//   so is the parser's state at the end (idle, or reading a head).
// - Either both feeds are refused or neither is, with the same status, and for the same reason
//   with one exception. When a head is cut by the end of the bytes, the parser lets http-parser
//   judge the request line and the framing fields received so far; fed whole, the scanner reads
//   the whole head first. A head with a bad request line and, say, a bad header field further on
//   is then refused for the request line when cut and for the field when whole. That is accepted
//   only if the cut feed's verdict is exactly what the whole feed of the input up to that cut
//   gives (an early verdict, not a different one) and the status is the same.

/// Entry point, linked in as `LLVMFuzzerTestOneInput` (see `scripts/fuzz.sh`).
@_cdecl("fuzz_request_parser")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var pieces = Pieces(input)
    let limits = RequestParserFuzz.limits(&pieces.random)
    let whole = RequestParserFuzz.run(input, lengths: [size], limits: limits)
    if fuzzPrint { print("limits \(limits)\n\(whole)") }
    let split = RequestParserFuzz.run(input, lengths: pieces.lengths, limits: limits)
    RequestParserFuzz.compare(whole, split, input: input, pieces: pieces, limits: limits)
    return 0
}

enum RequestParserFuzz {
    /// Half the inputs get the default limits, half small ones, so that the 414 and 431 limits
    /// (and a head that ends right at one) are reached by short inputs too.
    static func limits(_ random: inout SplitMix64) -> ParserLimits {
        guard random.below(2) == 0 else { return ParserLimits() }
        return ParserLimits(
            maxHeadSize: 16 + random.below(500), maxTargetLength: 1 + random.below(64),
            maxHeaderCount: random.below(12))
    }

    /// Runs one feed of `input` in pieces of `lengths`, like the tests' harness: after a message
    /// completes, the rest of the piece is fed again.
    static func run(_ input: UnsafeRawBufferPointer, lengths: [Int], limits: ParserLimits) -> Transcript {
        let parser = RequestParser(limits: limits)
        let recorder = TranscriptRecorder()
        parser.delegate = recorder
        var refusedAfter: Int?
        Pieces(lengths: lengths).forEach(of: input) { piece, start in
            var offset = 0
            repeat {
                let rest = offset == 0 ? piece : UnsafeRawBufferPointer(rebasing: piece[offset...])
                let completedBefore = recorder.completions
                let result: RequestParser.FeedResult
                do throws(HTTPParseError) {
                    result = try parser.feed(rest)
                } catch {
                    recorder.append(.refused(status: error.status, reason: error.reason))
                    refusedAfter = start + piece.count
                    checkDead(parser, error)
                    return false
                }
                switch result {
                case .needMore:
                    if recorder.completions != completedBefore {
                        fuzzFailure("a message completed, feed said needMore")
                    }
                    offset = piece.count
                case .messageComplete(let consumed):
                    if recorder.completions != completedBefore + 1 {
                        let heard = recorder.completions - completedBefore
                        fuzzFailure("feed said messageComplete, the delegate heard \(heard) message ends")
                    }
                    guard consumed > 0, consumed <= rest.count else {
                        fuzzFailure("messageComplete(consumed: \(consumed)) of \(rest.count) bytes")
                    }
                    offset += consumed
                    recorder.append(.complete(end: start + offset))
                    if !parser.isIdle { fuzzFailure("not idle after a completed message") }
                }
            } while offset < piece.count
            return true
        }
        return recorder.finish(parser, refusedAfter: refusedAfter)
    }

    /// After a throw the parser is dead: every later feed throws the same error.
    private static func checkDead(_ parser: RequestParser, _ error: HTTPParseError) {
        let byte: StaticString = "G"
        do throws(HTTPParseError) {
            _ = try parser.feed(UnsafeRawBufferPointer(start: byte.utf8Start, count: 1))
            fuzzFailure("feed after \(error) did not throw")
        } catch let again {
            if again != error { fuzzFailure("feed after \(error) threw \(again)") }
        }
    }

    static func compare(
        _ whole: Transcript, _ split: Transcript, input: UnsafeRawBufferPointer, pieces: Pieces, limits: ParserLimits
    ) {
        func fail(_ what: String) -> Never {
            fuzzFailure(
                "request-parser: \(what)",
                "input (\(input.count) bytes): \(escaped(input))\n\(pieces.description)\n"
                    + "limits \(limits)\nwhole:\n\(whole)\nsplit:\n\(split)")
        }
        if whole.delivered != split.delivered { fail("different messages") }
        switch (whole.refusal, split.refusal) {
        case (nil, nil):
            if whole.isIdle != split.isIdle || whole.isReadingHead != split.isReadingHead {
                fail("different end state")
            }
        case (let w?, let s?):
            guard w != s else { return }
            // An early verdict: what the whole feed of the bytes up to that cut gives.
            let cut = split.refusedAfter!
            let prefix = run(UnsafeRawBufferPointer(rebasing: input[..<cut]), lengths: [cut], limits: limits)
            guard prefix.refusal == s else { fail("different refusal, not the verdict on the first \(cut) bytes") }
            if w.status != s.status { fail("different status (an early verdict on the first \(cut) bytes)") }
        default:
            fail("refused by one feed only")
        }
    }
}

extension Pieces {
    /// Fixed lengths (for the whole feed and for a prefix), with no generator behind them.
    init(lengths: [Int]) {
        plan = -1
        self.lengths = lengths
        random = SplitMix64(seed: 0)
    }
}
