/// Loop-wide read buffers. libuv asks for a buffer right before each read and the connection
/// consumes the bytes inside the read callback, so the buffer goes back at once: a loop with
/// thousands of idle connections holds one or two buffers, not one per connection.
public final class ReadBufferPool {
    public let bufferSize: Int
    @exclusivity(unchecked) private var free: [UnsafeMutableRawPointer] = []
    /// Buffers handed out and not yet returned (tests check it returns to 0).
    @exclusivity(unchecked) public private(set) var outstanding = 0

    init(bufferSize: Int) { self.bufferSize = bufferSize }

    @inline(__always)
    func take() -> UnsafeMutableRawPointer {
        outstanding += 1
        if let buffer = free.popLast() { return buffer }
        return UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    @inline(__always)
    func give(_ buffer: UnsafeMutableRawPointer) {
        outstanding -= 1
        if free.count < 4 { free.append(buffer) } else { buffer.deallocate() }
    }

    deinit {
        for buffer in free { buffer.deallocate() }
    }
}
