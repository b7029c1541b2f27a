import CLibUV
import Glibc
import Synchronization
import Testing

@testable import UVLoop

/// Each test runs its loop on a `LoopThread` and ends with `uv_loop_close == 0` (nothing leaked).
@Suite struct LoopPrimitivesTests {
    /// Runs `body` on the loop thread; it calls `done(value)` once when finished.
    func onLoop<T: Sendable>(_ thread: LoopThread, _ body: @escaping @Sendable (EventLoop, @escaping @Sendable (T) -> Void) -> Void) async -> T {
        await withCheckedContinuation { continuation in
            thread.loop.execute { body(thread.loop) { continuation.resume(returning: $0) } }
        }
    }

    @Test func timerFiresOnceAfterItsDelayAndCanBeStopped() async throws {
        let thread = try LoopThread()
        let fired = await onLoop(thread) { (loop, done: @escaping @Sendable (Int) -> Void) in
            let count = Counter()
            let stopped = LoopTimer(loop: loop)
            stopped.start(after: 10) { count.value += 100 }
            stopped.stop()
            let timer = LoopTimer(loop: loop)
            timer.start(after: 20) {
                count.value += 1
                timer.close()
                stopped.close()
                // Give the stopped timer's original deadline time to (not) fire.
                let later = LoopTimer(loop: loop)
                later.start(after: 20) {
                    later.close(); done(count.value)
                }
            }
        }
        #expect(fired == 1)
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func tcpListenerAcceptsAndStreamsEchoBytes() async throws {
        let thread = try LoopThread()
        let port = await onLoop(thread) { (loop, done: @escaping @Sendable (Int) -> Void) in
            let listener = try! Listener.tcp(loop: loop, host: "127.0.0.1", port: 0)
            let echo = Echo()
            try! listener.listen(onAccept: { stream in echo.adopt(stream, listener: listener) })
            done(listener.address.port ?? 0)
        }
        #expect(port > 0)
        let reply = try await Task.detached { () throws -> String in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw UVError(-errno) }
            let message = Array("ping over libuv".utf8)
            _ = message.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            shutdown(fd, Int32(SHUT_WR))
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 256) }
                if n <= 0 { break }
                all += buffer[..<n]
            }
            return String(decoding: all, as: UTF8.self)
        }.value
        #expect(reply == "ping over libuv")
        // After the join: the pool is the loop thread's (the read callback gives its buffer back
        // only after the client may already have seen EOF).
        #expect(thread.stopAndJoin() == 0)
        #expect(thread.loop.readBuffers.outstanding == 0)
    }

    @Test func listenOnABusyPortFailsWithAddressInUse() async throws {
        let thread = try LoopThread()
        let error = await onLoop(thread) { (loop, done: @escaping @Sendable (UVError?) -> Void) in
            let first = try! Listener.tcp(loop: loop, host: "127.0.0.1", port: 0)
            try! first.listen(onAccept: { $0.close() })
            var failure: UVError?
            do throws(UVError) {
                let second = try Listener.tcp(loop: loop, host: "127.0.0.1", port: first.address.port!)
                do throws(UVError) { try second.listen(onAccept: { $0.close() }) } catch { failure = error }
                second.close()
            } catch {
                failure = error
            }
            first.close()
            done(failure)
        }
        #expect(error == .addressInUse)
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func signalWatcherSeesTheSignalOnTheLoopThread() async throws {
        let thread = try LoopThread()
        let onLoopThread = await onLoop(thread) { (loop, done: @escaping @Sendable (Bool) -> Void) in
            SignalWatcher.unblock([SIGUSR1])
            var watcher: SignalWatcher?
            watcher = try! SignalWatcher(loop: loop, signal: SIGUSR1) { _ in
                watcher?.close()
                done(loop.isInLoopThread)
            }
            kill(getpid(), SIGUSR1)
        }
        #expect(onLoopThread)
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func childProcessTalksOverItsChannelAndReportsItsExit() async throws {
        let thread = try LoopThread()
        let outcome = await onLoop(thread) { (loop, done: @escaping @Sendable (String) -> Void) in
            let received = Counter()
            let collector = Collector()
            var child: ChildProcess?
            child = try! ChildProcess(
                loop: loop, executable: "/bin/sh", arguments: ["-c", "echo hello >&3; exit 7"], environment: nil
            ) { status, signal in
                _ = received
                child?.channel.close()
                done("\(collector.text.trimmingCharacters())|\(status)|\(signal)")
            }
            child!.channel.delegate = collector
            child!.channel.startReading()
        }
        #expect(outcome == "hello|7|0")
        #expect(thread.stopAndJoin() == 0)
    }
}

/// Loop-confined helpers (only touched on the loop thread).
final class Counter: @unchecked Sendable { var value = 0 }

final class Collector: StreamDelegate, @unchecked Sendable {
    var text = ""
    func streamDidRead(_ bytes: UnsafeRawBufferPointer) { text += String(decoding: bytes, as: UTF8.self) }
    func streamDidEnd(error: UVError?) {}
    func streamDidWrite() {}
}

/// Echoes every stream it adopts, then closes it and the listener at EOF.
final class Echo: StreamDelegate, @unchecked Sendable {
    var stream: Stream?
    var listener: Listener?

    func adopt(_ stream: Stream, listener: Listener) {
        self.stream = stream
        self.listener = listener
        stream.delegate = self
        stream.startReading()
    }

    func streamDidRead(_ bytes: UnsafeRawBufferPointer) {
        var copy = Array(bytes)
        _ = stream?.write(&copy)
    }

    func streamDidEnd(error: UVError?) {
        stream?.close()
        listener?.close()
        stream = nil
        listener = nil
    }

    func streamDidWrite() {}
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.last == "\n" || s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
