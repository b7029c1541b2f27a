/// The disagreements of our parser with h11 and llhttp over `corpus.json`, each with its reason.
///
/// `reasons` lists the disagreements where our verdict is the right one, with the rule that makes
/// it so: mostly places where RFC 9112 lets a recipient be lenient (bare LF, obs-fold, repeated
/// Content-Length, ...) and this parser is not, or where the RFC requires a refusal that a peer
/// does not make (Host rules, overflow, faulty framing). A few are the server's policy, said so.
/// `knownBugs` lists the disagreements where our parser is wrong; the test expects them to fail
/// as known issues, so that fixing one shows up as a failure asking to delete its entry.
///
/// An id may appear once per peer, in one table. Regenerating the corpus renumbers an id only
/// when the generator changes; the test reports any entry that no longer disagrees.
enum DifferentialAllowList {
    struct Group: Sendable {
        let reason: String
        let ids: [String]
        init(_ reason: String, _ ids: String...) {
            self.reason = reason
            self.ids = ids
        }
    }

    enum ListError: Error, CustomStringConvertible {
        case listedTwice(String)
        var description: String {
            switch self {
            case .listedTwice(let id): "\(id) is listed twice for one peer"
            }
        }
    }

    /// Why our verdict is right, by entry id, for the disagreements with `peer`.
    static func reasons(for peer: Peer) throws -> [String: String] {
        try table(peer == .h11 ? h11 : llhttp, also: peer == .h11 ? h11Bugs : llhttpBugs)
    }

    /// What our parser gets wrong, by entry id, for the disagreements with `peer`.
    static func knownBugs(for peer: Peer) throws -> [String: String] {
        try table(peer == .h11 ? h11Bugs : llhttpBugs, also: peer == .h11 ? h11 : llhttp)
    }

    /// The groups as a dictionary; an id listed twice, here or in `other`, is an error.
    private static func table(_ groups: [Group], also other: [Group]) throws -> [String: String] {
        var reasons: [String: String] = [:]
        for group in groups {
            for id in group.ids where reasons.updateValue(group.reason, forKey: id) != nil {
                throw ListError.listedTwice(id)
            }
        }
        for id in other.flatMap(\.ids) where reasons[id] != nil { throw ListError.listedTwice(id) }
        return reasons
    }

    static let h11: [Group] = [
        Group(
            Reason.chunkSizeWhitespace,
            "chunk-009", "chunk-010", "chunk-011", "chunk-012", "chunk-053"),
        Group(
            Reason.extensionSyntax,
            "chunk-041", "chunk-042", "chunk-043", "chunk-045", "chunk-046", "chunk-048", "ctl-064", "ctl-072"),
        Group(
            Reason.http10KeepAlive,
            "ws-064"),
        Group(
            Reason.http10KeepAlive,
            "base-010", "pipe-006", "ws-065", "ws-066"),
        Group(
            Reason.obsFold,
            "fold-001", "fold-002", "fold-003", "fold-004", "fold-005", "fold-006", "fold-007", "fold-008",
            "fold-009", "fold-010", "fold-011", "fold-012", "fold-013", "fold-014", "fold-015", "fold-016",
            "fold-019", "fold-020", "mut-013", "mut-016", "mut-017", "mut-018", "ws-012", "ws-050", "ws-063"),
        Group(
            Reason.hostInvalid,
            "host-019", "host-020", "host-021", "host-027", "host-028", "host-029", "host-030", "host-033",
            "host-034", "host-035", "host-036", "host-037", "host-039", "host-041", "host-045", "host-046",
            "host-047", "rand-013", "rand-076", "rand-078", "ws-035"),
        Group(
            Reason.clList,
            "case-017", "cl-001", "cl-004", "cl-005", "cl-006", "cl-007"),
        Group(
            Reason.clLeadingZeros,
            "cl-020"),
        Group(
            Reason.clOverflow,
            "cl-031", "cl-032", "cl-033"),
        Group(
            Reason.emptyLines,
            "cl-042", "cl-043", "crlf-286", "line-022", "line-023", "pipe-018", "rand-058"),
        Group(
            Reason.te10,
            "clte-024", "te-043"),
        Group(
            Reason.clAndTe,
            "clte-001", "clte-002", "clte-005", "clte-006", "clte-011", "clte-012", "clte-015", "clte-016",
            "clte-017", "clte-020", "clte-021", "clte-022", "clte-025", "mut-008", "mut-011"),
        Group(
            Reason.bareLF,
            "crlf-001", "crlf-004", "crlf-007", "crlf-009", "crlf-010", "crlf-012", "crlf-013", "crlf-059",
            "crlf-111", "crlf-115", "crlf-116", "crlf-120", "crlf-123", "crlf-126", "crlf-129", "crlf-141",
            "crlf-144", "crlf-190", "crlf-248", "mut-019", "mut-020", "mut-021", "pipe-015", "rand-024", "rand-030",
            "rand-061", "trailer-011", "trailer-012"),
        Group(
            Reason.bareCR,
            "crlf-008", "crlf-011", "crlf-117", "crlf-284", "pipe-022", "trailer-013"),
        Group(
            Reason.ctlInExtension,
            "ctl-008", "ctl-016", "ctl-024", "ctl-032", "ctl-040", "ctl-048", "ctl-056"),
        Group(
            Reason.ctlInValue,
            "ctl-013", "ctl-014", "ctl-015", "ctl-021", "ctl-022", "ctl-023", "ctl-045", "ctl-046", "ctl-047",
            "ctl-053", "ctl-054", "ctl-055", "rand-029", "rand-039"),
        Group(
            Reason.chunkLeadingZeros,
            "chunk-003"),
        Group(
            Reason.chunkOverflow,
            "chunk-022", "chunk-023", "chunk-024", "chunk-026"),
        Group(
            Reason.extensionBWS,
            "chunk-038", "rand-089"),
        Group(
            Reason.extensionLimit,
            "chunk-049"),
        Group(
            Reason.majorVersion,
            "version-004", "version-005", "version-006", "version-007"),
        Group(
            Reason.noVersion,
            "version-024"),
        Group(
            Reason.method,
            "line-012", "line-013", "line-014", "line-015", "line-017", "line-021", "rand-010", "rand-019",
            "rand-022", "rand-026", "rand-037", "rand-043", "rand-049", "rand-065", "rand-068", "rand-088"),
        Group(
            Reason.userinfo,
            "target-008"),
        Group(
            Reason.scheme,
            "target-009"),
        Group(
            Reason.emptyAuthority,
            "target-010"),
        Group(
            Reason.badPort,
            "target-012"),
        Group(
            Reason.targetForm,
            "rand-087", "target-014", "target-015", "target-019"),
        Group(
            Reason.asterisk,
            "target-017", "target-018"),
        Group(
            Reason.connect,
            "target-033", "target-034"),
        Group(
            Reason.hostPortRange,
            "host-015", "host-018"),
        Group(
            Reason.upgradeBody,
            "pipe-010", "pipe-011"),
    ]

    static let llhttp: [Group] = [
        Group(
            Reason.trailingWhitespace,
            "ws-020", "ws-021", "te-014"),
        Group(
            Reason.extensionSyntax,
            "chunk-042", "chunk-043"),
        Group(
            Reason.hostInvalid,
            "host-019", "host-020", "host-021", "host-027", "host-028", "host-029", "host-030", "host-033",
            "host-034", "host-035", "host-036", "host-037", "host-039", "host-041", "host-045", "host-046",
            "host-047", "rand-013", "rand-076", "rand-078", "ws-035"),
        Group(
            Reason.hostDuplicate,
            "case-018", "host-005", "host-006", "host-007", "host-008", "host-009"),
        Group(
            Reason.clOverflow,
            "cl-031", "cl-032"),
        Group(
            Reason.teUnknownCoding,
            "pipe-020", "te-004", "te-005", "te-006", "te-007", "te-036", "te-037", "te-042"),
        Group(
            Reason.teEmptyElement,
            "te-011"),
        Group(
            Reason.te10,
            "te-043"),
        Group(
            Reason.bareCR,
            "crlf-014", "crlf-145"),
        Group(
            Reason.bareLF,
            "crlf-015", "crlf-146", "crlf-285", "line-024", "rand-054"),
        Group(
            Reason.pendingMethod,
            "crlf-118", "crlf-119"),
        Group(
            Reason.chunkOverflow,
            "chunk-022", "chunk-026"),
        Group(
            Reason.extensionBWS,
            "chunk-037", "chunk-038", "chunk-039", "chunk-040", "rand-089"),
        Group(
            Reason.extensionLimit,
            "chunk-049"),
        Group(
            Reason.trailerFraming,
            "trailer-003", "trailer-004"),
        Group(
            Reason.minorVersion,
            "version-002", "version-003", "version-025"),
        Group(
            Reason.majorVersion,
            "version-004", "version-005"),
        Group(
            Reason.noVersion,
            "version-023", "version-024"),
        Group(
            Reason.requestLineSpaces,
            "line-001", "line-002"),
        Group(
            Reason.userinfo,
            "target-008"),
        Group(
            Reason.scheme,
            "target-009"),
        Group(
            Reason.emptyAuthority,
            "target-010"),
        Group(
            Reason.badPort,
            "target-012"),
        Group(
            Reason.asterisk,
            "target-017", "target-018"),
        Group(
            Reason.hostMissing,
            "host-001", "host-002", "host-004", "host-051", "rand-016", "rand-040", "rand-060", "rand-075",
            "target-030"),
        Group(
            Reason.connect,
            "target-033", "target-034"),
        Group(
            Reason.hostPortRange,
            "host-015", "host-018"),
        Group(
            Reason.upgradeBody,
            "pipe-010", "pipe-011"),
    ]

    static let h11Bugs: [Group] = []

    static let llhttpBugs: [Group] = []
}

/// One line per rule; the ids above say where each applies.
private enum Reason {
    static let bareLF =
        "RFC 9112 §2.2: a bare LF line terminator is only a MAY; CRLF is required, so no two splits differ"
    static let bareCR =
        "RFC 9112 §2.2: a bare CR outside the content MUST be treated as invalid (or replaced by SP); it is refused"
    static let obsFold =
        "RFC 9112 §5.2: a server MUST reject obs-fold in a request or replace it by SP; it is rejected with 400"
    static let ctlInValue =
        "RFC 9110 §5.5: a field value is VCHAR / obs-text with SP and HTAB inside; a control byte makes it invalid"
    static let ctlInExtension =
        "RFC 9112 §7.1.1: a chunk extension is token [\"=\" token / quoted-string]: no control bytes"
    static let clList =
        "RFC 9110 §8.6: repeated or listed Content-Length values MUST be rejected or merged; rejected"
    static let clOverflow =
        "RFC 9110 §8.6: a recipient MUST prevent overflow of a large Content-Length; a value over Int.max is refused"
    static let clLeadingZeros =
        "RFC 9110 §8.6: Content-Length = 1*DIGIT, so leading zeros are valid; h11 caps the number of digits"
    static let chunkLeadingZeros =
        "RFC 9112 §7.1: chunk-size = 1*HEXDIG, so leading zeros are valid; h11 caps the number of digits"
    static let chunkOverflow =
        "RFC 9112 §7.1: a recipient MUST prevent overflow of a large chunk size; a size over Int.max is refused"
    static let clAndTe =
        "RFC 9112 §6.1: a server MAY reject a request with both Content-Length and Transfer-Encoding"
    static let te10 =
        "RFC 9112 §6.1: an HTTP/1.0 request with Transfer-Encoding MUST be treated as faulty framing"
    static let teUnknownCoding =
        "RFC 9112 §6.1: a server SHOULD refuse a transfer coding it does not decode (only `chunked`)"
    static let teEmptyElement =
        "policy, stricter than RFC 9110 §5.6.1's empty list elements: TE must be exactly `chunked`"
    static let emptyLines =
        "RFC 9112 §2.2: a server SHOULD ignore an empty line (CRLF) before a request-line"
    static let pendingMethod =
        "undecided yet: a request line has begun; llhttp refuses early as no method it knows starts so"
    static let extensionBWS =
        "RFC 9112 §7.1.1: chunk-ext allows BWS around \";\" and \"=\""
    static let chunkSizeWhitespace =
        "RFC 9112 §7.1: whitespace after chunk-size is allowed only before \";\" (BWS of chunk-ext), not before CRLF"
    static let extensionSyntax =
        "RFC 9112 §7.1.1: chunk-ext-name is a token (1+ tchar) and a value a token or a closed quoted-string"
    static let trailingWhitespace =
        "RFC 9110 §5.5: whitespace around a field value is not part of it: `chunked<HTAB>` is `chunked`"
    static let extensionLimit =
        "RFC 9112 §7.1.1: a server ought to limit chunk extensions (here 4096 bytes a line), 4xx past"
    static let trailerFraming =
        "RFC 9110 §6.5.1: framing fields in trailers are not processed (trailers are dropped)"
    static let majorVersion =
        "RFC 9110 §15.6.6: 505 for a major version the server does not support (only HTTP/1.x is served)"
    static let minorVersion =
        "RFC 9110 §2.5: a higher minor version is processed as the highest one supported: HTTP/1.2 is read as HTTP/1.1"
    static let noVersion =
        "RFC 9112 §3: a request-line ends in SP HTTP-version; HTTP/0.9 simple requests are not supported"
    static let method =
        "RFC 9110 §9.1: a method the server does not implement is refused (400 here; 501 is the SHOULD)"
    static let requestLineSpaces =
        "RFC 9112 §3: method SP request-target SP HTTP-version; other whitespace is only a MAY"
    static let userinfo =
        "RFC 9110 §4.2.4: userinfo in an http(s) URI is to be treated as an error"
    static let scheme =
        "RFC 9110 §4.2: only http and https resources are served; another scheme is refused"
    static let emptyAuthority =
        "RFC 9110 §4.2.1: a recipient MUST reject an http URI with an empty host as invalid"
    static let badPort =
        "RFC 3986 §3.2.3: port = *DIGIT; a letter makes the authority invalid"
    static let asterisk =
        "RFC 9112 §3.2.4: asterisk-form is `*` alone, and for OPTIONS only"
    static let targetForm =
        "RFC 9112 §3.2: not origin-, absolute- (http needs \"//\") or asterisk-form; authority-form is CONNECT's"
    static let connect =
        "RFC 9110 §9.3.6: CONNECT asks for a tunnel, which this origin server does not offer; it is refused"
    static let upgradeBody =
        "policy: an Upgrade request with a body is refused, so a switch never starts inside a body"
    static let http10KeepAlive =
        "RFC 9112 Appendix C.2.2: HTTP/1.0 keep-alive may keep the connection; h11 always closes it"
    static let hostMissing =
        "RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host (absolute-form target or not)"
    static let hostDuplicate =
        "RFC 9112 §3.2: 400 for a request with more than one Host field line"
    static let hostInvalid =
        "RFC 9112 §3.2: 400 for a Host not uri-host [\":\" port] (reg-name, IPv4 or [IPv6])"
    static let hostPortRange =
        "policy, stricter than RFC 3986's port = *DIGIT: a port over 65535 is refused"
}
