import UVLoop

/// What a ``Connection`` needs from its byte stream. In the server it is a libuv ``Stream``; the
/// tests put an in-memory transport there, so that the connection state machine can be driven
/// bytes in → bytes out, with no socket (uvicorn's protocol tests, SwiftNIO's EmbeddedChannel).
///
/// The contract is `Stream`'s: events go to `delegate` on the loop thread, never from inside one
/// of these calls; `write` takes the bytes (emptying the array) and reports progress later
/// through `streamDidWrite`; `shutdown` completes later, after the queued writes.
protocol ConnectionTransport: AnyObject {
    var delegate: (any StreamDelegate)? { get set }
    var peerAddress: SocketAddress? { get }
    /// Bytes accepted by `write` and not yet handed to the peer.
    var queuedWriteBytes: Int { get }
    func startReading()
    func stopReading()
    func write(_ bytes: inout [UInt8]) -> UVError?
    /// `bytes` then `body` in one write, `body` not copied (kept alive until written).
    func write(_ bytes: inout [UInt8], then body: [UInt8]) -> UVError?
    /// Writes `head` (emptied) and then part of an open regular file, after the queued writes,
    /// keeping `file` until done (`Stream.sendFile`); events come later, never from inside the call.
    func sendFile(
        _ file: OpenedFile, offset: Int, count: Int, after head: inout [UInt8],
        onEvent: @escaping (FileSendEvent) -> Void
    ) -> FileSendStart
    func shutdown(_ completion: @escaping (UVError?) -> Void)
    func close()
}

extension Stream: ConnectionTransport {}
