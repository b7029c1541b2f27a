/// Size limits the request parser enforces while reading a request head.
///
/// ```swift
/// let parser = RequestParser(limits: ParserLimits(maxHeadSize: 32 * 1024))
/// ```
public struct ParserLimits: Sendable {
    /// Bytes of the request line plus header lines plus the blank line (and any empty lines before
    /// the request line). Over the limit the parser throws status 431. The same limit applies to the
    /// trailer section of a chunked body.
    public var maxHeadSize: Int
    /// Bytes of the request-target. Over the limit the parser throws status 414.
    public var maxTargetLength: Int
    /// Header fields in one head (and trailer fields in one trailer section). Over: status 431.
    public var maxHeaderCount: Int

    public init(maxHeadSize: Int = 16384, maxTargetLength: Int = 8192, maxHeaderCount: Int = 100) {
        self.maxHeadSize = maxHeadSize
        self.maxTargetLength = maxTargetLength
        self.maxHeaderCount = maxHeaderCount
    }
}
