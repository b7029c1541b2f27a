// Fuzz target `ws-deflate`, three checks per input:
// 1. The input is a stream of client frames on a connection with permessage-deflate (parameters
//    drawn from the input's hash): a `FrameReader` with a `Decompressor` reads it whole and cut
//    into pieces, with the same events and error, whatever the compressed data (inflate errors
//    and 1009 included). One exception, zlib's: it checks a match distance against the window
//    only when the match reaches before the output of the current inflate call, so data that
//    reaches further back than the negotiated window may pass whole and fail cut. With a 15-bit
//    window (deflate's largest distance) the check no longer depends on the cuts, so a difference
//    is accepted only if the two feeds agree with a 15-bit window and at least one small-window
//    feed differs from its 15-bit run.
// 2. The input is message bytes: compressed by a client `Compressor`, sent as two messages cut
//    into frames, read by a server reader (and the other way round), it must come back as it
//    was; a message over the limit must be refused with 1009 and nothing else.
// 3. The input is a `Sec-WebSocket-Extensions` value: if the server accepts an offer, the client
//    must accept its response with the same parameters.

/// Entry point, linked in as `LLVMFuzzerTestOneInput` (see `scripts/fuzz.sh`).
@_cdecl("fuzz_ws_deflate")
public func fuzzWSDeflate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var pieces = Pieces(input)
    let parameters = DeflateFuzz.parameters(&pieces.random)
    let limit = pieces.random.below(2) == 0 ? 1 << 20 : pieces.random.below(2000)
    DeflateFuzz.frames(input, pieces, parameters: parameters, limit: limit)
    DeflateFuzz.roundTrip(input, parameters: parameters, random: &pieces.random)
    DeflateFuzz.negotiation(input)
    return 0
}

enum DeflateFuzz {
    static func parameters(_ random: inout SplitMix64) -> DeflateParameters {
        DeflateParameters(
            serverNoContextTakeover: random.below(2) == 0, clientNoContextTakeover: random.below(2) == 0,
            serverMaxWindowBits: 8 + random.below(8), clientMaxWindowBits: 8 + random.below(8))
    }

    static func frames(_ input: UnsafeRawBufferPointer, _ pieces: Pieces, parameters: DeflateParameters, limit: Int) {
        func feeds(_ parameters: DeflateParameters) -> (whole: FrameReaderRun.Outcome, split: FrameReaderRun.Outcome) {
            func decompressor() -> Decompressor { Decompressor(parameters: parameters, role: .server, maxSize: limit) }
            let whole = FrameReaderRun.run(
                input, Pieces(lengths: [input.count]), limit: limit, decompressor: decompressor()
            ) {
                false
            }
            var stops = pieces.random
            let split = FrameReaderRun.run(input, pieces, limit: limit, decompressor: decompressor()) {
                stops.below(3) == 0
            }
            return (whole, split)
        }
        let (whole, split) = feeds(parameters)
        if fuzzPrint { print("\(parameters), limit \(limit)\n\(whole)") }
        guard whole != split else { return }
        var wideParameters = parameters
        wideParameters.clientMaxWindowBits = 15
        let wide = feeds(wideParameters)
        func fail(_ what: String) -> Never {
            fuzzFailure(
                "ws-deflate: \(what)",
                "input (\(input.count) bytes): \(escaped(input))\n\(pieces.description)\n\(parameters), limit \(limit)\n"
                    + "whole: \(whole)\nsplit: \(split)\n15-bit whole: \(wide.whole)\n15-bit split: \(wide.split)")
        }
        if wide.whole != wide.split { fail("whole and split differ") }
        if whole == wide.whole && split == wide.split { fail("whole and split differ, not from the window check") }
    }

    static func roundTrip(_ input: UnsafeRawBufferPointer, parameters: DeflateParameters, random: inout SplitMix64) {
        let message = Array(input)
        let cut = random.below(message.count + 1)
        let messages = [Array(message[..<cut]), Array(message[cut...])]
        let limit = random.below(4) == 0 ? random.below(message.count + 1) : message.count
        for role in [Role.client, .server] {
            let compressor = Compressor(parameters: parameters, role: role)
            let reader = FrameReader(
                role: role == .client ? .server : .client, maxMessageSize: limit,
                decompressor: Decompressor(
                    parameters: parameters, role: role == .client ? .server : .client, maxSize: limit))
            let mask: UInt32? = role == .client ? UInt32(truncatingIfNeeded: random.next()) : nil
            for payload in messages {
                let compressed = compressor.compress(payload)
                var bytes: [UInt8] = []
                let fragment = 1 + random.below(max(1, compressed.count))
                var offset = 0
                repeat {
                    let end = min(offset + fragment, compressed.count)
                    FrameWriter.appendFrame(
                        offset == 0 ? .binary : .continuation, payload: Array(compressed[offset..<end]),
                        fin: end == compressed.count, rsv1: offset == 0, mask: mask, into: &bytes)
                    offset = end
                } while offset < compressed.count
                var events: [FrameEvent] = []
                let outcome = bytes.withUnsafeBytes { buffer -> Result<Int, WebSocketError> in
                    Result { () throws(WebSocketError) in
                        try reader.feed(buffer) {
                            events.append($0); return true
                        }
                    }
                }
                switch outcome {
                case .success(let consumed):
                    if payload.count > limit {
                        fuzzFailure("ws-deflate: \(payload.count) bytes over a limit of \(limit) read")
                    }
                    if consumed != bytes.count || events != [.binary(payload)] {
                        fuzzFailure(
                            "ws-deflate: round trip (\(role)) differs",
                            "\(parameters)\nsent \(escaped(payload))\ngot \(events)")
                    }
                case .failure(let error):
                    if error.closeCode != 1009 || payload.count <= limit {
                        fuzzFailure(
                            "ws-deflate: round trip (\(role)) of \(payload.count) bytes, limit \(limit): \(error)")
                    }
                }
                if reader.bufferedBytes != 0 { fuzzFailure("ws-deflate: reader holds \(reader.bufferedBytes) bytes") }
                if case .failure = outcome { break }
            }
        }
    }

    static func negotiation(_ input: UnsafeRawBufferPointer) {
        let offer = String(decoding: input, as: UTF8.self)
        guard let (parameters, response) = PerMessageDeflate.negotiate(offers: [offer]) else { return }
        if PerMessageDeflate.acceptResponse(response) != parameters {
            fuzzFailure("ws-deflate: the client reads \(response) otherwise than \(parameters)", "offer \(offer)")
        }
    }
}
