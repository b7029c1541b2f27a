/// What `FrameReader` delivers: whole messages and control frames, in the order they came.
public enum FrameEvent: Sendable, Equatable {
    /// A whole text message, UTF-8 checked as its bytes arrived.
    case text(String)
    /// A whole binary message.
    case binary([UInt8])
    /// A ping (at most 125 bytes); the answer is a pong with the same payload.
    case ping([UInt8])
    /// A pong, solicited or not.
    case pong([UInt8])
    /// A close frame. `code` is nil when the frame had no payload (report it as 1005); `reason`
    /// is then empty.
    case close(code: UInt16?, reason: String)
}
