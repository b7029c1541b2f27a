package import ASGI
import Glibc
import UVLoop

/// A server core on a loop thread of its own that listens nowhere: clients in the same process
/// open ``InMemoryConnection``s to it, which go through the same connection state machine as a
/// socket (parser, limits, timeouts, keep-alive, WebSocket upgrade), bytes in and bytes out.
/// Lifespan startup runs in ``start(config:app:)`` and shutdown in ``shutdown()``. For the
/// package's test client.
package final class InProcessServer: Sendable {
    /// The server on its loop thread, started without a listener; releasing it stops it.
    private let running: RunningServer

    private init(running: RunningServer) { self.running = running }

    /// Runs lifespan startup; throws what it failed with (then nothing is left running).
    package static func start(config: ServerConfig, app: @escaping Application) async throws -> InProcessServer {
        let running = try await Server.start(config: config, app: app, serving: SocketAddress(host: "testserver", port: 80))
        return InProcessServer(running: running)
    }

    /// A new client connection (its peer address is `testclient:50000`).
    package func connect() -> InMemoryConnection {
        let connection = InMemoryConnection(loop: running.loop)
        let core = running.core
        let transport = connection.transport
        running.loop.execute { transport.value.attach(to: core.core) }
        return connection
    }

    /// Graceful shutdown (open connections get the graceful-shutdown timeout), lifespan
    /// shutdown, then the loop closes; returns `uv_loop_close`'s result (0: nothing leaked).
    @discardableResult
    package func shutdown() async -> Int32 { await running.shutdown() }
}

/// The client's end of one in-memory connection: what it sends reaches the server as reads,
/// what the server writes arrives in ``received`` (finished when the server closes). Usable
/// from any thread.
package final class InMemoryConnection: Sendable {
    private let loop: EventLoop
    let transport: TransportBox
    /// Bytes as the server wrote them, in order; ends when the server closed the connection.
    package let received: AsyncStream<[UInt8]>

    init(loop: EventLoop) {
        self.loop = loop
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        received = stream
        transport = TransportBox(InMemoryTransport(loop: loop, output: continuation))
    }

    package func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let transport = self.transport
        loop.execute { transport.value.receive(bytes) }
    }

    /// The client will send nothing more (its FIN).
    package func finishSending() {
        let transport = self.transport
        loop.execute { transport.value.receiveEnd() }
    }

    /// The client goes away (a reset, as far as the server can tell).
    package func close() {
        let transport = self.transport
        loop.execute { transport.value.peerReset() }
    }
}

/// Carries the transport into `loop.execute` blocks.
struct TransportBox: @unchecked Sendable {
    // Safety: the transport is created by the client's call before the loop has seen it, and
    // from then on used only inside blocks that run on its loop's thread.
    let value: InMemoryTransport
    init(_ value: InMemoryTransport) { self.value = value }
}

/// The server's end: a ``ConnectionTransport`` whose peer reads everything at once. Loop thread only.
final class InMemoryTransport: ConnectionTransport {
    weak var delegate: (any StreamDelegate)?
    let peerAddress: SocketAddress? = SocketAddress(host: "testclient", port: 50000)
    var queuedWriteBytes: Int { 0 }
    private let loop: EventLoop
    private let output: AsyncStream<[UInt8]>.Continuation
    private var reading = false
    private var inbound: [UInt8] = []
    private var peerEnded = false
    private var endDelivered = false
    private(set) var closed = false
    private var attached = false

    init(loop: EventLoop, output: AsyncStream<[UInt8]>.Continuation) {
        self.loop = loop
        self.output = output
    }

    func attach(to core: ServerCore?) {
        guard let core, !closed else { close(); return }
        attached = true
        core.accept(self)
    }

    func startReading() {
        reading = true
        deliverLater()
    }

    func stopReading() { reading = false }

    func write(_ bytes: inout [UInt8]) -> UVError? {
        guard !closed else { bytes.removeAll(keepingCapacity: true); return .canceled }
        output.yield(bytes)
        bytes.removeAll(keepingCapacity: true)
        progressLater()
        return nil
    }

    func write(_ bytes: inout [UInt8], then body: [UInt8]) -> UVError? {
        var all = bytes + body
        bytes.removeAll(keepingCapacity: true)
        return write(&all)
    }

    func sendFile(
        _ file: OpenedFile, offset: Int, count: Int, after head: inout [UInt8], onEvent: @escaping (FileSendEvent) -> Void
    ) -> FileSendStart {
        _ = write(&head)
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, count, off_t(offset)) }
        guard read == count else { return .failed(UVError(-EIO)) }
        _ = write(&bytes)
        return .finished
    }

    func shutdown(_ completion: @escaping (UVError?) -> Void) {
        let completion = LoopBound(completion)
        loop.execute { completion.value(nil) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        delegate = nil
        output.finish()
    }

    // MARK: From the client (via the loop)

    func receive(_ bytes: [UInt8]) {
        guard !closed else { return }
        inbound += bytes
        deliverLater()
    }

    func receiveEnd() {
        peerEnded = true
        deliverLater()
    }

    func peerReset() {
        guard !closed else { return }
        let delegate = self.delegate
        close()
        delegate?.streamDidEnd(error: UVError(-ECONNRESET))
    }

    /// Events reach the delegate on a later turn, never from inside a transport call.
    private func deliverLater() {
        let me = TransportBox(self)
        loop.execute { me.value.deliver() }
    }

    private func progressLater() {
        let me = TransportBox(self)
        loop.execute {
            guard !me.value.closed else { return }
            me.value.delegate?.streamDidWrite()
        }
    }

    func deliver() {
        guard !closed, reading, attached else { return }
        if !inbound.isEmpty {
            let bytes = inbound
            inbound = []
            bytes.withUnsafeBytes { delegate?.streamDidRead($0) }
        }
        if peerEnded, !endDelivered, !closed, reading, inbound.isEmpty {
            endDelivered = true
            delegate?.streamDidEnd(error: nil)
        }
    }
}
