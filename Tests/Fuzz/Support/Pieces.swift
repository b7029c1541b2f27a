import Glibc

/// Where a fuzz input is cut into the pieces a parser is fed.
///
/// The cuts are derived from the input alone, so that a crash artifact reproduces with nothing
/// else and the corpus stays plain protocol bytes (requests a person can read and edit). The
/// 64-bit FNV-1a hash of the input seeds a SplitMix64 generator; its draws pick a plan, then the
/// piece lengths:
///
/// - plan 0: one byte at a time (every state of the parser meets the end of the bytes);
/// - plan 1: one cut at a drawn offset (the shape of most split tests);
/// - plan 2: pieces of 1 to 8 bytes;
/// - plan 3: pieces of 1 to 64 bytes, one in eight up to 1,024, and one in sixteen empty;
/// - plan 4: a cut, each with probability one half, just before or just after every CR and LF
///   (the hand-over between a line-at-a-time path and a byte path happens at line ends).
///
/// A mutated input hashes differently, so the fuzzer meets every plan on every kind of input.
struct Pieces {
    /// The plan picked, 0 to 4 (shown in failure reports).
    let plan: Int
    /// Piece lengths, summing to the input's length; some may be 0.
    let lengths: [Int]
    /// Further draws of the same generator, for targets that want more choices per input.
    var random: SplitMix64

    static let planCount = 5

    init(_ input: UnsafeRawBufferPointer) {
        var random = SplitMix64(seed: fnv1a(input))
        let count = input.count
        plan = random.below(Self.planCount)
        var lengths: [Int] = []
        switch plan {
        case 0:
            lengths = Array(repeating: 1, count: count)
        case 1:
            let cut = random.below(count + 1)
            lengths = [cut, count - cut]
        case 2:
            var left = count
            while left > 0 {
                let piece = min(left, 1 + random.below(8))
                lengths.append(piece)
                left -= piece
            }
        case 3:
            var left = count
            while left > 0 {
                var piece = 1 + random.below(random.below(8) == 0 ? 1024 : 64)
                if random.below(16) == 0 { piece = 0 }
                piece = min(left, piece)
                lengths.append(piece)
                left -= piece
            }
        default:
            var start = 0
            for i in 0..<count where input[i] == 13 || input[i] == 10 {
                // Before the byte, then after it.
                for cut in i...(i + 1) where cut > start && random.below(2) == 0 {
                    lengths.append(cut - start)
                    start = cut
                }
            }
            lengths.append(count - start)
        }
        self.lengths = lengths
        self.random = random
    }

    /// Calls `body` with each piece in turn, copied into an allocation of exactly its length so
    /// that AddressSanitizer reports any read past a piece's end (not only past the input's), and
    /// with the piece's offset in the input. An empty piece has no base address, as an empty read
    /// would. Stops when `body` returns false.
    func forEach(of input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int) -> Bool) {
        var offset = 0
        for length in lengths {
            let keepGoing: Bool
            if length == 0 {
                keepGoing = body(UnsafeRawBufferPointer(start: nil, count: 0), offset)
            } else {
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
                copy.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + length)]))
                keepGoing = body(UnsafeRawBufferPointer(copy), offset)
                copy.deallocate()
            }
            offset += length
            if !keepGoing { return }
        }
    }

    /// The plan and the lengths, for failure reports (long lists shortened).
    var description: String {
        let shown = lengths.prefix(64).map(String.init).joined(separator: ", ")
        return "plan \(plan), \(lengths.count) pieces [\(shown)\(lengths.count > 64 ? ", ..." : "")]"
    }
}

/// Steele, Lea and Flood's SplitMix64: small, fast, and good enough to spread cut points.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A draw in `0..<bound` (0 when `bound` is 0).
    mutating func below(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}

/// 64-bit FNV-1a of the bytes.
func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// `FUZZ_PRINT=1`: targets print what the whole feed of each input gave, to look at a corpus or
/// an artifact (`.build-fuzz/bin/TARGET FILE...` runs each file once).
let fuzzPrint = getenv("FUZZ_PRINT").map { String(cString: $0) == "1" } ?? false

/// Stops the process (libFuzzer then saves the input as a crash artifact) after printing why.
/// `fatalError` rather than `precondition`, so that the message survives `-O`.
func fuzzFailure(_ what: String, _ details: @autoclosure () -> String = "") -> Never {
    let text = details()
    fatalError(text.isEmpty ? what : "\(what)\n\(text)")
}

/// `bytes` as a Python bytes literal, `b"GET / ..."`, for failure reports: the first `limit`
/// bytes only (the crash artifact has them all).
func escaped<C: Collection<UInt8>>(_ bytes: C, limit: Int = 2048) -> String {
    let hex: [Character] = Array("0123456789abcdef")
    var out = "b\""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 13: out += "\\r"
        case 10: out += "\\n"
        case 9: out += "\\t"
        case 34: out += "\\\""
        case 92: out += "\\\\"
        case 32..<127: out.unicodeScalars.append(Unicode.Scalar(byte))
        default: out += "\\x" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
        }
    }
    out += "\""
    if bytes.count > limit { out += " ... (\(bytes.count - limit) more bytes)" }
    return out
}
