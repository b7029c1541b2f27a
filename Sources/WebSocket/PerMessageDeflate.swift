/// Negotiation of the permessage-deflate extension (RFC 7692 §5, §7.1).
///
/// The server side picks the first acceptable offer of the request's
/// `Sec-WebSocket-Extensions` values; an offer with an unknown or repeated parameter, or an
/// invalid value, is declined (not a handshake failure) and the next one is tried.
///
/// ```swift
/// if let (parameters, response) = PerMessageDeflate.negotiate(offers: request.values("sec-websocket-extensions")) {
///     headers.append(("sec-websocket-extensions", response))
///     compressor = Compressor(parameters: parameters, role: .server)
///     decompressor = Decompressor(parameters: parameters, role: .server, maxSize: limit)
/// }
/// ```
///
/// Memory choices (as the Python `websockets` server's defaults): the server deflates with at
/// most a 12-bit window and asks clients that allow it (`client_max_window_bits` in the offer)
/// for 12 bits too. A client whose offer does not allow limiting its window would make the server
/// keep a 32 KiB inflate window for the whole connection; the server answers it with
/// `client_no_context_takeover` instead (RFC 7692 §7.1.1.2 lets a server always do so), so its
/// inflate stream lives only while a message is read. An offer of `server_max_window_bits=8` is
/// accepted with 8: zlib deflates it with a 9-bit window, whose matches never reach past 250
/// bytes, so the output is valid for a 256-byte window.
public enum PerMessageDeflate {
    public static let name = "permessage-deflate"
    /// The window bits the server uses at most, and asks clients for.
    public static let defaultMaxWindowBits = 12

    /// Server side: the agreed parameters and the response header value for the first acceptable
    /// offer, nil when none is acceptable (then the response has no extension).
    ///
    /// `serverMaxWindowBits` caps the server's window (a smaller offer wins); `clientMaxWindowBits`
    /// is asked of clients that allow it; `serverNoContextTakeover` makes the server reset its
    /// compressor after every message, so that an idle connection holds no deflate state.
    public static func negotiate(
        offers: [String], serverMaxWindowBits: Int = defaultMaxWindowBits,
        clientMaxWindowBits: Int = defaultMaxWindowBits, serverNoContextTakeover: Bool = false
    ) -> (parameters: DeflateParameters, response: String)? {
        precondition((8...15).contains(serverMaxWindowBits) && (8...15).contains(clientMaxWindowBits))
        for element in ExtensionList.parse(offers) {
            guard let element, element.name.lowercased() == name,
                let offer = Offer(element.parameters, isRequest: true)
            else { continue }
            var agreed = DeflateParameters()
            agreed.serverNoContextTakeover = offer.serverNoContextTakeover || serverNoContextTakeover
            agreed.serverMaxWindowBits = min(offer.serverMaxWindowBits ?? 15, serverMaxWindowBits)
            switch offer.clientMaxWindowBits {
            case .absent:
                agreed.clientNoContextTakeover = true  // cannot limit its window: no context then
                agreed.clientMaxWindowBits = 15
            case .supported:
                agreed.clientNoContextTakeover = offer.clientNoContextTakeover
                agreed.clientMaxWindowBits = clientMaxWindowBits
            case .limited(let bits):
                agreed.clientNoContextTakeover = offer.clientNoContextTakeover
                agreed.clientMaxWindowBits = min(bits, clientMaxWindowBits)
            }
            var response = name
            if agreed.serverNoContextTakeover { response += "; server_no_context_takeover" }
            if agreed.clientNoContextTakeover { response += "; client_no_context_takeover" }
            if offer.serverMaxWindowBits != nil || agreed.serverMaxWindowBits < 15 {
                response += "; server_max_window_bits=\(agreed.serverMaxWindowBits)"
            }
            if offer.clientMaxWindowBits != .absent {
                response += "; client_max_window_bits=\(agreed.clientMaxWindowBits)"
            }
            return (agreed, response)
        }
        return nil
    }

    /// The parameters of one offer or response, each at most once and valid.
    struct Offer {
        enum ClientWindow: Equatable {
            case absent
            /// `client_max_window_bits` without a value (offers only): the client can limit it.
            case supported
            case limited(Int)
        }

        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        var clientMaxWindowBits = ClientWindow.absent

        /// nil for an unknown or repeated parameter, a value on a flag, or a window value that is
        /// not 8 to 15 written without leading zeros (RFC 7692 §7.1.2.1). `isRequest`:
        /// `client_max_window_bits` may come without a value.
        init?(_ parameters: [ExtensionList.Parameter], isRequest: Bool) {
            var seen: Set<String> = []
            for parameter in parameters {
                let key = parameter.name.lowercased()
                guard seen.insert(key).inserted else { return nil }
                switch key {
                case "server_no_context_takeover":
                    guard parameter.value == nil else { return nil }
                    serverNoContextTakeover = true
                case "client_no_context_takeover":
                    guard parameter.value == nil else { return nil }
                    clientNoContextTakeover = true
                case "server_max_window_bits":
                    guard let bits = parameter.value.flatMap(Self.windowBits) else { return nil }
                    serverMaxWindowBits = bits
                case "client_max_window_bits":
                    if let value = parameter.value {
                        guard let bits = Self.windowBits(value) else { return nil }
                        clientMaxWindowBits = .limited(bits)
                    } else {
                        guard isRequest else { return nil }
                        clientMaxWindowBits = .supported
                    }
                default:
                    return nil
                }
            }
        }

        static func windowBits(_ value: String) -> Int? {
            let digits = value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard digits, value.utf8.first != UInt8(ascii: "0"), let bits = Int(value), (8...15).contains(bits) else {
                return nil
            }
            return bits
        }
    }
}
