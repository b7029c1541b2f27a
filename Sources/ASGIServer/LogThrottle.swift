/// Lets one log line through per interval and counts what it held back, so that a flood (bad
/// requests, accept failures, refused connections) costs a counter increment per event instead
/// of a line each. Loop-confined like the server it belongs to.
struct LogThrottle {
    private let interval: UInt64
    private var lastLogged: UInt64?
    private var events = 0

    /// `interval` in milliseconds of loop time.
    init(interval: UInt64 = 1000) { self.interval = interval }

    /// Counts one event at loop time `now` (milliseconds). Returns how many events the line logged
    /// now should report (this one and those held back since the last line), or nil to stay quiet.
    mutating func admit(now: UInt64) -> Int? {
        events += 1
        if let lastLogged, now &- lastLogged < interval { return nil }
        lastLogged = now
        defer { events = 0 }
        return events
    }
}
