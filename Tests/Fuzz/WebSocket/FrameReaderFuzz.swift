// Fuzz target `ws-frame-reader`: the input is a stream of client frames. A server `FrameReader`
// reads it whole, then cut into pieces (see `Pieces`) with backpressure: in the cut feed,
// `onEvent` stops the feed after some events (drawn from the input's hash), and the rest of the
// piece is fed again, as a connection does. The reader is a state machine that checks every byte
// as it comes, so both feeds must deliver the same events and end with the same error, reason
// included. Each feed is also checked on its own: `feed` consumes what it says, a dead reader
// throws its error again, a closed one consumes everything and delivers nothing.

/// Entry point, linked in as `LLVMFuzzerTestOneInput` (see `scripts/fuzz.sh`).
@_cdecl("fuzz_ws_frame_reader")
public func fuzzWSFrameReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var pieces = Pieces(input)
    // Half the inputs get a small message limit, so that short inputs reach 1009.
    let limit = pieces.random.below(2) == 0 ? 1 << 20 : pieces.random.below(300)
    let whole = FrameReaderRun.run(input, Pieces(lengths: [size]), limit: limit, decompressor: nil) { false }
    if fuzzPrint { print("limit \(limit)\n\(whole)") }
    var stops = pieces.random
    let split = FrameReaderRun.run(input, pieces, limit: limit, decompressor: nil) { stops.below(3) == 0 }
    if whole != split {
        fuzzFailure(
            "ws-frame-reader: whole and split differ",
            "input (\(size) bytes): \(escaped(input))\n\(pieces.description)\nlimit \(limit)\n"
                + "whole: \(whole)\nsplit: \(split)")
    }
    return 0
}

/// One feed of an input through a reader, shared by the WebSocket targets.
enum FrameReaderRun {
    struct Outcome: Equatable, CustomStringConvertible {
        var events: [FrameEvent] = []
        var error: WebSocketError?

        var description: String {
            let shown = events.prefix(20).map { event -> String in
                switch event {
                case .text(let text): "text(\(text.utf8.count) bytes)"
                case .binary(let bytes): "binary(\(bytes.count) bytes)"
                default: "\(event)"
                }
            }
            return "\(events.count) events \(shown), error \(error.map(\.description) ?? "-")"
        }
    }

    /// Feeds `input` in `pieces`; `onEvent` returns false (stops the feed) after the events for
    /// which `stop` says so.
    static func run(
        _ input: UnsafeRawBufferPointer, _ pieces: Pieces, limit: Int, decompressor: Decompressor?,
        stop: () -> Bool
    ) -> Outcome {
        let reader = FrameReader(role: .server, maxMessageSize: limit, decompressor: decompressor)
        var outcome = Outcome()
        var closed = false
        pieces.forEach(of: input) { piece, _ in
            var offset = 0
            repeat {
                let rest = UnsafeRawBufferPointer(rebasing: piece[offset...])
                let before = outcome.events.count
                var stopped = false
                let consumed: Int
                do throws(WebSocketError) {
                    consumed = try reader.feed(rest) { event in
                        if stopped { fuzzFailure("ws: event delivered after onEvent returned false") }
                        outcome.events.append(event)
                        if case .close = event { closed = true }
                        stopped = stop()
                        return !stopped
                    }
                } catch {
                    outcome.error = error
                    checkDead(reader, error)
                    return false
                }
                guard consumed >= 0, consumed <= rest.count else {
                    fuzzFailure("ws: consumed \(consumed) of \(rest.count)")
                }
                if consumed < rest.count && !(stopped || closed) {
                    fuzzFailure("ws: \(consumed) of \(rest.count) bytes consumed without a stop")
                }
                if consumed == 0 && rest.count > 0 && outcome.events.count == before && !closed {
                    fuzzFailure("ws: no progress")
                }
                offset += consumed
                if closed {
                    checkClosed(reader)
                    return false
                }
            } while offset < piece.count
            return true
        }
        return outcome
    }

    /// After a throw the reader is dead: every later feed throws the same error.
    static func checkDead(_ reader: FrameReader, _ error: WebSocketError) {
        let byte: StaticString = "\u{81}"
        do throws(WebSocketError) {
            _ = try reader.feed(UnsafeRawBufferPointer(start: byte.utf8Start, count: 1)) { _ in true }
            fuzzFailure("ws: feed after \(error) did not throw")
        } catch let again {
            if again != error { fuzzFailure("ws: feed after \(error) threw \(again)") }
        }
        if reader.bufferedBytes != 0 { fuzzFailure("ws: a dead reader holds \(reader.bufferedBytes) bytes") }
    }

    /// After a close event the reader consumes everything and delivers nothing.
    static func checkClosed(_ reader: FrameReader) {
        let bytes: StaticString = "\u{81}\u{80}\0\0\0\0"
        let consumed: Int
        do throws(WebSocketError) {
            consumed = try reader.feed(UnsafeRawBufferPointer(start: bytes.utf8Start, count: bytes.utf8CodeUnitCount)) {
                fuzzFailure("ws: event \($0) after close")
            }
        } catch {
            fuzzFailure("ws: feed after close threw \(error)")
        }
        if consumed != bytes.utf8CodeUnitCount { fuzzFailure("ws: feed after close consumed \(consumed)") }
        if reader.bufferedBytes != 0 { fuzzFailure("ws: a closed reader holds \(reader.bufferedBytes) bytes") }
    }
}

extension Pieces {
    /// Fixed lengths (the whole feed), with no generator behind them.
    init(lengths: [Int]) {
        plan = -1
        self.lengths = lengths
        random = SplitMix64(seed: 0)
    }
}
