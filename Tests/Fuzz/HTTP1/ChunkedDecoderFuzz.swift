// Fuzz target `chunked-decoder`: the input is a chunked body (what follows a head with
// `Transfer-Encoding: chunked`). A `BodyDecoder` decodes it whole, then cut into pieces (see
// `Pieces`): the decoded bytes, where the last chunk ends and the error, if any, must be the same.
// The decoder is a plain state machine, so nothing about a refusal may depend on the cuts.

/// Entry point, linked in as `LLVMFuzzerTestOneInput` (see `scripts/fuzz.sh`).
@_cdecl("fuzz_chunked_decoder")
public func fuzzChunkedDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let pieces = Pieces(input)
    let whole = ChunkedDecoderFuzz.run(input, Pieces(lengths: [size]))
    if fuzzPrint { print(whole) }
    let split = ChunkedDecoderFuzz.run(input, pieces)
    if whole != split {
        fuzzFailure(
            "chunked-decoder: whole and split differ",
            "input (\(size) bytes): \(escaped(input))\n\(pieces.description)\n"
                + "whole: \(whole)\nsplit: \(split)")
    }
    return 0
}

enum ChunkedDecoderFuzz {
    struct Outcome: Equatable, CustomStringConvertible {
        var decoded: [UInt8] = []
        /// Offset in the input after the last chunk's size line (where trailers would begin).
        var end: Int?
        var error: HTTPParseError?

        var description: String {
            "\(decoded.count) bytes \(escaped(decoded.prefix(200))), end \(end.map(String.init) ?? "-"), "
                + "error \(error.map(\.description) ?? "-")"
        }
    }

    /// Feeds the pieces the way `RequestParser` does: `next` on a non-empty rest, until done.
    static func run(_ input: UnsafeRawBufferPointer, _ pieces: Pieces) -> Outcome {
        var decoder = BodyDecoder(chunked: ())
        var outcome = Outcome()
        pieces.forEach(of: input) { piece, start in
            var i = 0
            while i < piece.count {
                let step: BodyDecoder.Step
                do throws(HTTPParseError) {
                    step = try decoder.next(piece, from: i)
                } catch {
                    outcome.error = error
                    return false
                }
                // A step consumes bytes, or ends the body; its data lies within what it consumed.
                guard step.end > i || step.isDone, step.end <= piece.count else {
                    fuzzFailure("chunked-decoder: step \(step) from \(i) of \(piece.count)")
                }
                if let data = step.data {
                    guard data.lowerBound >= i, data.upperBound <= step.end, !data.isEmpty else {
                        fuzzFailure("chunked-decoder: data \(data) outside \(i)..<\(step.end)")
                    }
                    outcome.decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[data]))
                }
                if step.isDone != decoder.isDone { fuzzFailure("chunked-decoder: step and decoder disagree on done") }
                i = step.end
                if step.isDone {
                    outcome.end = start + i
                    return false
                }
            }
            return true
        }
        return outcome
    }
}
