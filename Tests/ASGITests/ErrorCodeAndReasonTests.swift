import ASGI
import Testing

@Suite struct ASGIErrorCodeTests {
    /// What an application does with each kind of failure, decided by a switch on the code.
    func reaction(to error: ASGIError) -> String {
        switch error.code {
        case .disconnected: "stop"
        case .protocolViolation: "bug"
        case .invalidHeader: "fix header"
        case .contentLengthMismatch: "fix length"
        case .fileUnavailable: "404"
        }
    }

    @Test func everyFactoryHasItsCode() {
        let cases: [(ASGIError, ASGIError.Code, String)] = [
            (.disconnected(), .disconnected, "stop"),
            (.protocolViolation("body before start"), .protocolViolation, "bug"),
            (.invalidHeader("CR in value"), .invalidHeader, "fix header"),
            (.contentLengthMismatch("3 of 5"), .contentLengthMismatch, "fix length"),
            (.fileUnavailable("no such file"), .fileUnavailable, "404"),
        ]
        for (error, code, expected) in cases {
            #expect(error.code == code)
            #expect(reaction(to: error) == expected)
        }
        #expect(Set(cases.map(\.1)).count == cases.count)
    }

    @Test func helpersAgreeWithTheCode() {
        let errors: [ASGIError] = [
            .disconnected(), .protocolViolation("p"), .invalidHeader("h"), .contentLengthMismatch("c"),
            .fileUnavailable("f"),
        ]
        for error in errors {
            #expect(error.isDisconnected == (error.code == .disconnected))
            #expect(error.isProtocolViolation == (error.code == .protocolViolation))
            #expect(error.isInvalidHeader == (error.code == .invalidHeader))
            #expect(error.isContentLengthMismatch == (error.code == .contentLengthMismatch))
            #expect(error.isFileUnavailable == (error.code == .fileUnavailable))
        }
        #expect(ASGIError.protocolViolation("x") == .protocolViolation("x"))
        #expect(ASGIError.protocolViolation("x") != .invalidHeader("x"))
        #expect(ASGIError.disconnected().message == "client disconnected")
    }
}

@Suite struct ReasonPhraseTests {
    @Test func registeredCodes() {
        let phrase = { (status: Int) in ReasonPhrase.of(status).map { "\($0)" } }
        #expect(phrase(100) == "Continue")
        #expect(phrase(200) == "OK")
        #expect(phrase(404) == "Not Found")
        #expect(phrase(410) == "Gone")
        #expect(phrase(413) == "Content Too Large")
        #expect(phrase(418) == "I'm a teapot")
        #expect(phrase(422) == "Unprocessable Content")
        #expect(phrase(511) == "Network Authentication Required")
    }

    @Test func unregisteredCodesHaveNone() {
        for status in [0, 99, 199, 299, 306, 419, 599, 799, 1000, -1] {
            #expect(ReasonPhrase.of(status) == nil, "\(status)")
        }
    }

    @Test func everyPhraseIsPrintableText() {
        for status in 100...599 {
            guard let phrase = ReasonPhrase.of(status) else { continue }
            phrase.withUTF8Buffer { bytes in
                #expect(!bytes.isEmpty && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(status)")
            }
        }
    }
}
