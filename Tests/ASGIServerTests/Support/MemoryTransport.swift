import Glibc
import UVLoop

@testable import ASGIServer

/// An in-memory stand-in for a socket: the test feeds the bytes a client sends, and reads what the
/// connection wrote. With `peerReads == false` written bytes stay queued (a client that does not
/// read), so `send` backpressure and the send timeout can be driven without a kernel.
final class MemoryTransport: ConnectionTransport {
    unowned(unsafe) var delegate: (any StreamDelegate)?
    let peerAddress: SocketAddress? = SocketAddress(host: "192.0.2.7", port: 40007)
    private(set) var isReading = false
    private(set) var isClosed = false
    private(set) var isShutDown = false
    /// What reached the peer.
    private(set) var written: [UInt8] = []
    /// What the connection wrote while the peer was not reading.
    private var queued: [UInt8] = []
    /// Bytes from the peer not yet delivered (the connection was not reading).
    private var inbound: [UInt8] = []
    private var peerClosed = false
    private var endDelivered = false
    var peerReads = true {
        didSet { if peerReads { progressPending = !queued.isEmpty } }
    }
    private var progressPending = false

    var queuedWriteBytes: Int { queued.count }
    var text: String { String(decoding: written, as: UTF8.self) }

    func startReading() { isReading = true }
    func stopReading() { isReading = false }

    func write(_ bytes: inout [UInt8]) -> UVError? {
        guard !isClosed else { return .canceled }
        if peerReads { written += bytes } else { queued += bytes }
        bytes.removeAll(keepingCapacity: true)
        return nil
    }

    /// Where the bodies given to `write(_:then:)` lived: a test compares them with the
    /// application's arrays to see that they were not copied on the way.
    private(set) var uncopiedBodies: [UnsafeRawPointer] = []

    func write(_ bytes: inout [UInt8], then body: [UInt8]) -> UVError? {
        body.withUnsafeBytes { if let base = $0.baseAddress { uncopiedBodies.append(base) } }
        var all = bytes + body
        bytes.removeAll(keepingCapacity: true)
        return write(&all)
    }

    /// Reads the file part at once (no kernel socket here to sendfile to).
    func sendFile(
        _ file: OpenedFile, offset: Int, count: Int, after head: inout [UInt8],
        onEvent: @escaping (FileSendEvent) -> Void
    ) -> FileSendStart {
        _ = write(&head)
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, count, off_t(offset)) }
        guard read == count else { return .failed(UVError(-EIO)) }
        _ = write(&bytes)
        return .finished
    }

    func shutdown(_ completion: @escaping (UVError?) -> Void) {
        isShutDown = true
        completion(nil)
    }

    func close() {
        isClosed = true
        delegate = nil
    }

    /// The client sends `bytes` (delivered on the next ``pump()`` while the connection reads).
    func send(_ bytes: [UInt8]) { inbound += bytes }
    func send(_ text: String) { send(Array(text.utf8)) }
    /// The client closes its side.
    func closeFromPeer() { peerClosed = true }

    /// Delivers what is due: inbound bytes (as one read), queued writes once the peer reads
    /// again, the peer's EOF. Called between loop turns, never from inside a transport call.
    func pump() {
        guard !isClosed else { return }
        if progressPending {
            progressPending = false
            written += queued
            queued = []
            delegate?.streamDidWrite()
        }
        if isReading, !inbound.isEmpty {
            let bytes = inbound
            inbound = []
            bytes.withUnsafeBytes { delegate?.streamDidRead($0) }
        }
        // A client closes once it saw the server's FIN (a lingering close then ends at once).
        if isReading, inbound.isEmpty, peerClosed || isShutDown, !endDelivered {
            endDelivered = true
            delegate?.streamDidEnd(error: nil)
        }
    }
}
