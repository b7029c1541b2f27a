import Foundation
import Testing

@testable import HTTP1

/// Differential parsing: every request stream of `Differential/corpus.json` goes through our
/// `RequestParser`, and what it makes of the stream is compared with what h11 and llhttp (through
/// httptools, default strictness) made of it when the corpus was recorded by
/// `scripts/differential/make_corpus.py`.
///
/// A stream's verdict is "rejected", or the list of complete messages (method, target, body) plus
/// whether bytes after the last complete message were left over. As a server does, parsing stops
/// after a message that does not keep the connection alive; the bytes after it are left over.
/// Targets are compared as path and query: a peer's absolute-form target is reduced to the path
/// and query our parser reports for it, and a fragment (which never reaches the application) is
/// dropped. When a peer stopped at a protocol switch (llhttp for Upgrade and CONNECT, h11 for a
/// CONNECT answered 200), only the messages up to the switch are compared: what follows belongs
/// to another protocol.
///
/// Every disagreement must be listed in `DifferentialAllowList`: with the rule that makes our
/// verdict the right one, or as a known bug of our parser (recorded as a known issue). Every
/// listed entry must still disagree, so that the list stays true.
@Suite struct DifferentialTests {
    @Test func corpusIsLargeAndIdsAreUnique() throws {
        let entries = try Corpus.load()
        #expect(entries.count >= 500)
        #expect(Set(entries.map(\.id)).count == entries.count)
    }

    /// Fed whole or one byte at a time, our parser reaches the same verdict on every stream.
    @Test func wholeAndBytewiseAgree() throws {
        for entry in try Corpus.load() {
            let whole = OurVerdict(parsing: entry.data, piece: .max)
            let bytewise = OurVerdict(parsing: entry.data, piece: 1)
            #expect(
                whole == bytewise, "\(entry.id) \(entry.description): whole \(whole), one byte at a time \(bytewise)")
        }
    }

    @Test(arguments: Peer.allCases)
    func disagreementsAreAllowListed(_ peer: Peer) throws {
        let entries = try Corpus.load()
        let allowed = try DifferentialAllowList.reasons(for: peer)
        let bugs = try DifferentialAllowList.knownBugs(for: peer)
        var unexplained: [String] = []
        for entry in entries {
            let ours = OurVerdict(parsing: entry.data, piece: .max)
            let theirs = try entry.verdict(of: peer)
            let report = """
                \(peer) disagrees on \(entry.id) (\(entry.description))
                  bytes:  \(Escaped(entry.data))
                  ours:   \(ours)
                  \(peer): \(theirs)
                """
            let listed = allowed[entry.id] ?? bugs[entry.id]
            if ours.agrees(with: theirs) {
                if let listed {
                    Issue.record("\(entry.id) is listed for \(peer) (\(listed)) but no longer disagrees: delete it")
                }
            } else if let bug = bugs[entry.id] {
                withKnownIssue("our parser's bug: \(bug)") { Issue.record(Comment(rawValue: report)) }
            } else if allowed[entry.id] == nil {
                unexplained.append(entry.id)
                Issue.record("not allow-listed: \(report)")
            }
        }
        let known = Set(entries.map(\.id))
        for id in Set(allowed.keys).union(bugs.keys).sorted() where !known.contains(id) {
            Issue.record("the list for \(peer) names \(id), which is not in the corpus")
        }
        if !unexplained.isEmpty {
            Issue.record(
                "\(unexplained.count) unexplained disagreements with \(peer): \(unexplained.joined(separator: " "))")
        }
    }

    /// RFC 9112 §3.2: an HTTP/1.1 request without Host, and any request with more than one Host, is
    /// refused; so is a Host that is not `uri-host [":" port]`. An empty Host is accepted, and an
    /// absolute-form target's authority wins over Host. Spot checks, by description.
    @Test func hostRulesHold() throws {
        let entries = Dictionary(
            try Corpus.load().map { ($0.description, $0) }, uniquingKeysWith: { first, _ in first })
        let refused = [
            "HTTP/1.1 without Host", "HTTP/1.1 POST without Host", "absolute-form without Host",
            "two Host fields, same", "two Host fields in HTTP/1.0",
            "Host '[]'", "Host 'user@a.example'", "Host 'a b'",
        ]
        let accepted = [
            "HTTP/1.0 without Host", "Host ''", "Host 'a.example:8080'", "Host '[::1]:8080'", "Host '127.0.0.1'",
            "absolute-form with empty Host", "absolute-form with a different Host",
        ]
        for description in refused + accepted {
            let entry = try #require(entries[description], "no corpus entry \"\(description)\"")
            let verdict = OurVerdict(parsing: entry.data, piece: .max)
            #expect((verdict.error != nil) == refused.contains(description), "\(entry.id) \(description): \(verdict)")
        }
    }
}

/// The two parsers the corpus records verdicts of.
enum Peer: String, CaseIterable, Sendable, CustomStringConvertible {
    case h11, llhttp
    var description: String { rawValue }
}

/// One message as the application would see it.
struct DiffMessage: Equatable, CustomStringConvertible {
    var method: [UInt8]
    var path: [UInt8]
    var query: [UInt8]
    var body: [UInt8]

    var description: String {
        let target = query.isEmpty ? "\(Escaped(path))" : "\(Escaped(path))?\(Escaped(query))"
        return "\(Escaped(method)) \(target) body=\(body.count)B\"\(Escaped(body.prefix(24)))\""
    }
}

/// What a peer made of a stream, as recorded.
struct PeerVerdict: CustomStringConvertible {
    var rejected: Bool
    var messages: [DiffMessage]
    var incomplete: Bool
    /// The peer stopped at a protocol switch after its last message.
    var upgrade: Bool

    var description: String {
        if rejected { return "rejected" }
        return "\(messages)" + (incomplete ? " + left over" : "") + (upgrade ? " then a protocol switch" : "")
    }
}

/// What our parser makes of a stream: the complete messages (also those before an error), whether
/// bytes were left over, and the error if one was thrown.
struct OurVerdict: Equatable, CustomStringConvertible {
    var messages: [DiffMessage] = []
    var incomplete = false
    var error: HTTPParseError?

    init(parsing bytes: [UInt8], piece: Int) {
        let harness = Harness()
        var offset = 0
        var lastEnd = 0
        do throws(HTTPParseError) {
            feeding: while offset < bytes.count {
                let end = offset + min(piece, bytes.count - offset)
                let result = try bytes[offset..<end].withUnsafeBytes { raw in
                    Result { () throws(HTTPParseError) in try harness.parser.feed(raw) }
                }.get()
                switch result {
                case .needMore:
                    offset = end
                case .messageComplete(let consumed):
                    offset += consumed
                    lastEnd = offset
                    // A server closes after a message that does not keep the connection alive.
                    if harness.recorder.heads.last?.keepAlive == false { break feeding }
                }
            }
        } catch {
            self.error = error
        }
        let recorder = harness.recorder
        messages = (0..<recorder.completed).map { i in
            let head = recorder.heads[i]
            return DiffMessage(
                method: Array(head.method.utf8), path: head.rawPath, query: head.queryString, body: recorder.bodies[i])
        }
        incomplete = error == nil && lastEnd < bytes.count
    }

    static func == (a: OurVerdict, b: OurVerdict) -> Bool {
        a.messages == b.messages && a.incomplete == b.incomplete && a.error?.status == b.error?.status
    }

    /// Whether this verdict and a peer's say the same (see the suite's documentation).
    func agrees(with peer: PeerVerdict) -> Bool {
        if peer.upgrade {
            // Up to the switch only; our parser may refuse what follows, which is not HTTP.
            return messages.count >= peer.messages.count && Array(messages.prefix(peer.messages.count)) == peer.messages
        }
        if peer.rejected || error != nil { return peer.rejected && error != nil }
        return messages == peer.messages && incomplete == peer.incomplete
    }

    var description: String {
        if let error { return "rejected (\(error))" + (messages.isEmpty ? "" : " after \(messages)") }
        return "\(messages)" + (incomplete ? " + left over" : "")
    }
}

/// The entries of `Differential/corpus.json`.
enum Corpus {
    struct File: Decodable {
        let entries: [Entry]
    }

    struct Entry: Decodable {
        let id: String
        let description: String
        let bytes: String
        let h11: Verdict
        let llhttp: Verdict

        var data: [UInt8] { Array(Data(base64Encoded: bytes) ?? Data()) }

        func verdict(of peer: Peer) throws -> PeerVerdict {
            let recorded = peer == .h11 ? h11 : llhttp
            if recorded.error == true {
                return PeerVerdict(rejected: true, messages: [], incomplete: false, upgrade: false)
            }
            let messages = try (recorded.messages ?? []).map { message in
                let (path, query) = originForm(latin1(message.target))
                guard let body = Data(base64Encoded: message.body) else { throw CorpusError.badBase64(id) }
                return DiffMessage(method: latin1(message.method), path: path, query: query, body: Array(body))
            }
            return PeerVerdict(
                rejected: false, messages: messages, incomplete: recorded.incomplete ?? false,
                upgrade: recorded.upgrade ?? false)
        }
    }

    struct Verdict: Decodable {
        let error: Bool?
        let messages: [Message]?
        let incomplete: Bool?
        let upgrade: Bool?
    }

    /// Method and target are Latin-1 text in the file: one character per byte.
    struct Message: Decodable {
        let method: String
        let target: String
        let body: String
    }

    enum CorpusError: Error { case badBase64(String) }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Differential").appendingPathComponent("corpus.json")

    static func load() throws -> [Entry] {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).entries
    }

    static func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }

    /// A peer's target as the path and query our parser reports: the fragment dropped, an
    /// absolute-form target reduced to what follows its authority, an empty path read as `/`.
    static func originForm(_ target: [UInt8]) -> (path: [UInt8], query: [UInt8]) {
        var rest = target[...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        if let first = rest.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*"),
            let separator = rest.firstRange(of: Array("://".utf8))
        {
            let authorityAndPath = rest[separator.upperBound...]
            let pathStart = authorityAndPath.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            rest = authorityAndPath[(pathStart ?? authorityAndPath.endIndex)...]
        }
        var path = rest
        var query = rest[rest.endIndex...]
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            path = rest[..<mark]
            query = rest[(mark + 1)...]
        }
        return (path.isEmpty ? [UInt8(ascii: "/")] : Array(path), Array(query))
    }
}

/// Bytes as printable ASCII, with `\r`, `\n`, `\t` and `\xNN` for the rest.
struct Escaped: CustomStringConvertible {
    let bytes: [UInt8]
    init(_ bytes: some Sequence<UInt8>) { self.bytes = Array(bytes) }

    var description: String {
        var out = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\r"): out += "\\r"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out
    }
}
