import Testing

/// Autobahn 6.5–6.23: the UTF-8 decoder test sequences of Markus Kuhn's UTF-8-test.txt, in the
/// suite's order (case 6.N.M is group N's M-th sequence).
enum UTF8Sequences {
    struct Case: CustomTestStringConvertible, Sendable {
        var number: String
        var bytes: [UInt8]
        var isValid: Bool
        var testDescription: String {
            "\(number) \(isValid ? "valid" : "invalid") \(bytes.prefix(12).map { String($0, radix: 16) })"
        }
    }

    static let kosme: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]

    /// Group by group: (valid, bytes).
    static let groups: [[(Bool, [UInt8])]] = [
        // 6.5 some valid UTF-8 sequences
        [
            (true, Array("hello$world".utf8)), (true, Array("hello\u{A2}world".utf8)),
            (true, Array("hello\u{20AC}world".utf8)),
            (true, Array("hello\u{24B62}world".utf8)), (true, kosme),
        ],
        // 6.6 every prefix of κόσμε: valid where it ends at a character boundary
        (1...kosme.count).map { n in ([2, 5, 7, 9, 11].contains(n), Array(kosme.prefix(n))) },
        // 6.7 first possible sequence of each length
        [(true, [0x00]), (true, [0xC2, 0x80]), (true, [0xE0, 0xA0, 0x80]), (true, [0xF0, 0x90, 0x80, 0x80])],
        // 6.8 first possible 5- and 6-byte sequences (no such code points)
        [(false, [0xF8, 0x88, 0x80, 0x80, 0x80]), (false, [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80])],
        // 6.9 last possible sequence of each length
        [(true, [0x7F]), (true, [0xDF, 0xBF]), (true, [0xEF, 0xBF, 0xBF]), (true, [0xF4, 0x8F, 0xBF, 0xBF])],
        // 6.10 last possible 4-, 5- and 6-byte sequences of the old scheme
        [
            (false, [0xF7, 0xBF, 0xBF, 0xBF]), (false, [0xFB, 0xBF, 0xBF, 0xBF, 0xBF]),
            (false, [0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]),
        ],
        // 6.11 other boundary conditions
        [
            (true, [0xED, 0x9F, 0xBF]), (true, [0xEE, 0x80, 0x80]), (true, [0xEF, 0xBF, 0xBD]),
            (true, [0xF4, 0x8F, 0xBF, 0xBF]), (false, [0xF4, 0x90, 0x80, 0x80]),
        ],
        // 6.12 unexpected continuation bytes
        [
            (false, [0x80]), (false, [0xBF]), (false, [0x80, 0xBF]), (false, [0x80, 0xBF, 0x80]),
            (false, [0x80, 0xBF, 0x80, 0xBF]), (false, [0x80, 0xBF, 0x80, 0xBF, 0x80]),
            (false, [0x80, 0xBF, 0x80, 0xBF, 0x80, 0xBF]), (false, (0x80..<0xBF).map { UInt8($0) }),
        ],
        // 6.13 lonely start characters, each followed by a space
        [(0xC0, 0xDF), (0xE0, 0xEF), (0xF0, 0xF7), (0xF8, 0xFB), (0xFC, 0xFD)].map { range in
            (false, (range.0..<range.1).flatMap { [UInt8($0), 0x20] })
        },
        // 6.14 sequences with the last continuation byte missing
        missingLast.map { (false, $0) },
        // 6.15 all of those concatenated
        [(false, missingLast.flatMap { $0 })],
        // 6.16 impossible bytes
        [(false, [0xFE]), (false, [0xFF]), (false, [0xFE, 0xFE, 0xFF, 0xFF])],
        // 6.17 overlong "/"
        [
            (false, [0xC0, 0xAF]), (false, [0xE0, 0x80, 0xAF]), (false, [0xF0, 0x80, 0x80, 0xAF]),
            (false, [0xF8, 0x80, 0x80, 0x80, 0xAF]), (false, [0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF]),
        ],
        // 6.18 maximum overlong sequences
        [
            (false, [0xC1, 0xBF]), (false, [0xE0, 0x9F, 0xBF]), (false, [0xF0, 0x8F, 0xBF, 0xBF]),
            (false, [0xF8, 0x87, 0xBF, 0xBF, 0xBF]), (false, [0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF]),
        ],
        // 6.19 overlong NUL
        [
            (false, [0xC0, 0x80]), (false, [0xE0, 0x80, 0x80]), (false, [0xF0, 0x80, 0x80, 0x80]),
            (false, [0xF8, 0x80, 0x80, 0x80, 0x80]), (false, [0xFC, 0x80, 0x80, 0x80, 0x80, 0x80]),
        ],
        // 6.20 single UTF-16 surrogates
        [
            [0xED, 0xA0, 0x80], [0xED, 0xAD, 0xBF], [0xED, 0xAE, 0x80], [0xED, 0xAF, 0xBF], [0xED, 0xB0, 0x80],
            [0xED, 0xBE, 0x80], [0xED, 0xBF, 0xBF],
        ].map { (false, $0) },
        // 6.21 paired UTF-16 surrogates
        [
            [0xA0, 0x80, 0xB0, 0x80], [0xA0, 0x80, 0xBF, 0xBF], [0xAD, 0xBF, 0xB0, 0x80], [0xAD, 0xBF, 0xBF, 0xBF],
            [0xAE, 0x80, 0xB0, 0x80], [0xAE, 0x80, 0xBF, 0xBF], [0xAF, 0xBF, 0xB0, 0x80], [0xAF, 0xBF, 0xBF, 0xBF],
        ]
        .map { (false, [0xED, $0[0], $0[1], 0xED, $0[2], $0[3]]) },
        // 6.22 non-characters: valid UTF-8 (RFC 3629)
        [(true, [0xEF, 0xBF, 0xBE]), (true, [0xEF, 0xBF, 0xBF])] + nonCharacters.map { (true, $0) },
        // 6.23 Unicode specials, the replacement character among them
        (0xB9...0xBF).map { (true, [0xEF, 0xBF, UInt8($0)]) },
    ]

    static let missingLast: [[UInt8]] = [
        [0xC0], [0xE0, 0x80], [0xF0, 0x80, 0x80], [0xF8, 0x80, 0x80, 0x80], [0xFC, 0x80, 0x80, 0x80, 0x80],
        [0xDF], [0xEF, 0xBF], [0xF7, 0xBF, 0xBF], [0xFB, 0xBF, 0xBF, 0xBF], [0xFD, 0xBF, 0xBF, 0xBF, 0xBF],
    ]

    /// U+xFFFE and U+xFFFF of planes 1 to 16 (4-byte forms F0–F4 with 8F/9F/AF/BF BF BE/BF,
    /// those past U+10FFFF and the overlong plane-0 forms left out).
    static let nonCharacters: [[UInt8]] = {
        var out: [[UInt8]] = []
        for lead: UInt8 in [0xF0, 0xF1, 0xF2, 0xF3, 0xF4] {
            for second: UInt8 in [0x8F, 0x9F, 0xAF, 0xBF] where !(lead == 0xF4 && second != 0x8F) {
                for last: UInt8 in [0xBE, 0xBF] where !(lead == 0xF0 && second == 0x8F) {
                    out.append([lead, second, 0xBF, last])
                }
            }
        }
        return out
    }()

    static let all: [Case] = groups.enumerated().flatMap { group, sequences in
        sequences.enumerated().map { index, sequence in
            Case(number: "6.\(group + 5).\(index + 1)", bytes: sequence.1, isValid: sequence.0)
        }
    }
}
