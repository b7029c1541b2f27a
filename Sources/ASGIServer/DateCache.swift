import Glibc
import HTTP1
import UVLoop

/// The `date` header value, recomputed once a second by a loop timer rather than per response.
/// Loop thread only; `@exclusivity(unchecked)`: a dynamic exclusivity check cost ~170
/// instructions on every response that read the value.
final class DateCache {
    @exclusivity(unchecked) private(set) var value: [UInt8]
    @exclusivity(unchecked) private var timer: LoopTimer?

    init(loop: EventLoop) {
        value = ResponseEncoder.httpDate(unixSeconds: time(nil))
        let timer = LoopTimer(loop: loop)
        timer.start(after: 1000, repeat: 1000) { [unowned self] in
            ResponseEncoder.httpDate(unixSeconds: time(nil), into: &self.value)
        }
        timer.unref()
        self.timer = timer
    }

    func close() {
        timer?.close()
        timer = nil
    }
}
