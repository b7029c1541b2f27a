extension PerMessageDeflate {
    /// Client side: the `Sec-WebSocket-Extensions` value to offer. It always includes
    /// `client_max_window_bits` (the client can limit its window), and the no-context-takeover
    /// requests asked for.
    public static func clientOffer(clientNoContextTakeover: Bool = false, serverNoContextTakeover: Bool = false)
        -> String
    {
        var offer = name + "; client_max_window_bits"
        if serverNoContextTakeover { offer += "; server_no_context_takeover" }
        if clientNoContextTakeover { offer += "; client_no_context_takeover" }
        return offer
    }

    /// Client side: the parameters a server's `Sec-WebSocket-Extensions` response agrees on, nil
    /// when it is not exactly one valid permessage-deflate element (then the client must fail the
    /// connection, RFC 6455 §4.1). A window absent from the response is 15 bits. A client that
    /// offered `client_no_context_takeover` may set it in the result even when the server did not
    /// answer with it.
    public static func acceptResponse(_ response: String) -> DeflateParameters? {
        let elements = ExtensionList.parse([response])
        guard elements.count == 1, let element = elements[0], element.name.lowercased() == name,
            let offer = Offer(element.parameters, isRequest: false)
        else { return nil }
        var parameters = DeflateParameters()
        parameters.serverNoContextTakeover = offer.serverNoContextTakeover
        parameters.clientNoContextTakeover = offer.clientNoContextTakeover
        parameters.serverMaxWindowBits = offer.serverMaxWindowBits ?? 15
        if case .limited(let bits) = offer.clientMaxWindowBits { parameters.clientMaxWindowBits = bits }
        return parameters
    }
}
