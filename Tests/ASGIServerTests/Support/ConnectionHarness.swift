import ASGI
import Testing
import UVLoop

@testable import ASGIServer

/// One connection of a real ``ServerCore`` over a ``MemoryTransport``, on a loop this test drives
/// on its own thread: bytes in, bytes out, no socket and no loop thread. The application runs as
/// it does in the server (a task on the loop's executor).
final class ConnectionHarness {
    let loop: EventLoop
    let core: ServerCore
    let transport = MemoryTransport()

    init(_ configure: (inout ServerConfig) -> Void = { _ in }, app: @escaping Application) throws {
        var config = ServerConfig()
        config.accessLog = false
        config.logger.logLevel = .critical
        configure(&config)
        loop = try EventLoop()
        core = ServerCore(config: config, app: app, loop: loop)
        let transport = self.transport
        let core = self.core
        loop.run(forAtMost: 0) {
            core.accept(transport); return true
        }
    }

    /// The client sends `text`.
    func send(_ text: String) { transport.send(text) }

    /// Runs the loop until `condition` holds (bounded: `milliseconds`); false if it never did.
    @discardableResult
    func run(forAtMost milliseconds: UInt64 = 5000, until condition: () -> Bool) -> Bool {
        let transport = self.transport
        return loop.run(forAtMost: milliseconds) {
            transport.pump()
            return condition()
        }
    }

    /// Runs until the connection wrote something containing `marker`, and returns all it wrote.
    func output(containing marker: String, within milliseconds: UInt64 = 5000) -> String {
        run(forAtMost: milliseconds) { transport.text.contains(marker) }
        return transport.text
    }

    /// Runs until the connection is closed; false if it stayed open for `milliseconds`.
    func runUntilClosed(within milliseconds: UInt64 = 5000) -> Bool {
        run(forAtMost: milliseconds) { transport.isClosed }
    }

    /// Graceful shutdown of the core, then the loop must close with nothing leaked.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        var done = false
        core.shutdown { done = true }
        run(forAtMost: 5000) { done }
        #expect(done, "the core did not shut down", sourceLocation: sourceLocation)
        #expect(loop.close() == 0, "uv_loop_close must return 0", sourceLocation: sourceLocation)
    }
}

/// The suites that drive a ``ConnectionHarness``. Their tests are synchronous and run the loop on
/// the thread the test library gives them, one of the few threads of the cooperative pool; run side
/// by side, they held every such thread for seconds at the start of a test run, and the live-server
/// tests' handlers and clients, which need one, waited behind them. One at a time, they hold one.
@Suite(.serialized) enum SeamTests {}
