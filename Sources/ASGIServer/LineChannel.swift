import UVLoop

/// Newline-delimited text messages over a stream: the supervisor/worker control channel
/// (`ready`, `ping`, `pong`, `recycle`, `metrics`). Loop thread only.
final class LineChannel: StreamDelegate {
    private let stream: Stream
    private var buffer: [UInt8] = []
    var onLine: (String) -> Void = { _ in }
    var onClose: () -> Void = {}
    private var closed = false
    /// A line longer than this is dropped (a peer that never sends newlines).
    private let maxLineLength: Int

    init(stream: Stream, maxLineLength: Int = 4096) {
        self.stream = stream
        self.maxLineLength = maxLineLength
        stream.delegate = self
        stream.startReading()
    }

    func send(_ line: String) {
        guard !closed else { return }
        var bytes = Array((line + "\n").utf8)
        if stream.write(&bytes) != nil { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        stream.close()
        onClose()
    }

    /// Lets the loop exit although the channel is open.
    func unref() { stream.unref() }

    func streamDidRead(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        while let newline = buffer.firstIndex(of: 10) {
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            onLine(line)
        }
        if buffer.count > maxLineLength { buffer.removeAll() }
    }

    func streamDidEnd(error: UVError?) { close() }

    func streamDidWrite() {}
}
