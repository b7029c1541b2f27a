extension Request {
    /// The body decoded as JSON: 400 (with the decoder's reason) when it is not valid JSON for
    /// `type`, 413 past the body limit.
    public func json<T: Decodable>(as type: T.Type, maxBytes: Int? = nil) async throws -> T {
        try Self.decodeJSON(type, from: try await body(maxBytes: maxBytes))
    }

    /// For blocking handlers: decodes the already collected body (``bufferedBody``).
    public func bufferedJSON<T: Decodable>(as type: T.Type) throws -> T {
        guard let body = bufferedBody else { throw HTTPError(500, "The request body was not collected") }
        return try Self.decodeJSON(type, from: body)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        do {
            return try JSON.decode(type, from: body)
        } catch {
            throw HTTPError(400, "Invalid JSON body: \(reason(error))")
        }
    }

    /// One line saying what was wrong and where.
    private static func reason(_ error: any Error) -> String {
        func at(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty
                ? "" : " at '" + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error as? DecodingError {
        case .dataCorrupted(let context)?:
            return "the data is not valid JSON" + at(context)
        case .keyNotFound(let key, let context)?:
            return "missing key '\(key.stringValue)'" + at(context)
        case .typeMismatch(let type, let context)?:
            return "expected \(type)" + at(context)
        case .valueNotFound(let type, let context)?:
            return "expected \(type), found null" + at(context)
        default:
            return "\(error)"
        }
    }
}
