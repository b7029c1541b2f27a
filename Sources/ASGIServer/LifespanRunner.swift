import ASGI
import Logging
import UVLoop

/// Runs the application's lifespan scope: `lifespan.startup` before the server listens,
/// `lifespan.shutdown` after the last connection closed. Loop thread only.
final class LifespanRunner: @unchecked Sendable {
    // Safety: every method runs on the server's loop thread (the tasks it starts prefer the loop
    // executor, and receive/send hop there if called elsewhere).
    struct StartupFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "Application startup failed: \(message)" }
    }

    private unowned let core: ServerCore
    private var startedReceive = false
    private var shutdownRequested = false
    private var appFinished = false
    private var startupDone = false
    private var shutdownDone = false
    private var receiveWaiter: UnsafeContinuation<ReceiveEvent, Never>?
    private var startupWaiter: UnsafeContinuation<Void, any Error>?
    private var shutdownWaiter: UnsafeContinuation<Void, Never>?

    init(core: ServerCore) { self.core = core }

    func startup() async throws {
        guard core.config.lifespan != .off else { return }
        let scope = Scope.lifespan(state: core.lifespanState)
        let app = core.app
        let loop = core.loop
        Task(executorPreference: core.loop.executor) {
            do {
                try await app(
                    scope,
                    { await loop.hop { await self.receive() } },
                    { event in try await loop.hop { try self.send(event) } })
                self.finished(error: nil)
            } catch {
                self.finished(error: error)
            }
        }
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            if startupDone { continuation.resume() } else { startupWaiter = continuation }
        }
    }

    func shutdown() async {
        guard core.config.lifespan != .off, !appFinished, !shutdownDone else { return }
        shutdownRequested = true
        if let waiter = receiveWaiter {
            receiveWaiter = nil
            waiter.resume(returning: .lifespanShutdown)
        }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            if shutdownDone || appFinished { continuation.resume() } else { shutdownWaiter = continuation }
        }
    }

    private func receive() async -> ReceiveEvent {
        if !startedReceive {
            startedReceive = true
            return .lifespanStartup
        }
        if shutdownRequested { return .lifespanShutdown }
        return await withUnsafeContinuation { receiveWaiter = $0 }
    }

    private func send(_ event: SendEvent) throws {
        switch event {
        case .lifespanStartupComplete:
            completeStartup(nil)
        case .lifespanStartupFailed(let message):
            completeStartup(StartupFailed(message: message))
        case .lifespanShutdownComplete:
            completeShutdown()
        case .lifespanShutdownFailed(let message):
            core.logger.error("Application shutdown failed: \(message)")
            completeShutdown()
        default:
            throw ASGIError.protocolViolation("'\(event.type)' is not a lifespan message")
        }
    }

    private func finished(error: (any Error)?) {
        appFinished = true
        if !startupDone {
            if let error {
                if core.config.lifespan == .on {
                    completeStartup(StartupFailed(message: "\(error)"))
                } else {
                    core.logger.info("ASGI 'lifespan' protocol appears unsupported (\(error)).")
                    completeStartup(nil)
                }
            } else {
                completeStartup(nil)
            }
        } else if let error, shutdownRequested {
            core.logger.error("Exception in 'lifespan' protocol: \(error)")
        }
        completeShutdown()
    }

    private func completeStartup(_ error: (any Error)?) {
        guard !startupDone else { return }
        startupDone = true
        guard let waiter = startupWaiter else { return }
        startupWaiter = nil
        if let error { waiter.resume(throwing: error) } else { waiter.resume() }
    }

    private func completeShutdown() {
        guard !shutdownDone else { return }
        if !appFinished && !shutdownRequested { return }
        shutdownDone = true
        shutdownWaiter?.resume()
        shutdownWaiter = nil
    }
}
