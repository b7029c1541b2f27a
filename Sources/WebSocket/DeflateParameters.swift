/// What permessage-deflate negotiation agreed on (RFC 7692 §7.1).
///
/// "Server" parameters govern messages the server sends (its compressor, the client's
/// decompressor), "client" ones messages the client sends.
public struct DeflateParameters: Sendable, Equatable {
    /// The server starts every message with an empty LZ77 window.
    public var serverNoContextTakeover: Bool
    /// The client starts every message with an empty LZ77 window.
    public var clientNoContextTakeover: Bool
    /// Base-2 logarithm of the server's LZ77 window, 8 to 15. zlib cannot deflate with 8 and uses
    /// 9, which stays within a 256-byte window (see `Compressor`).
    public var serverMaxWindowBits: Int
    /// Base-2 logarithm of the client's LZ77 window, 8 to 15.
    public var clientMaxWindowBits: Int

    public init(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }
}
