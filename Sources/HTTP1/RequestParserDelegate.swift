/// Receives what `RequestParser.feed` finds, synchronously, in order: a head, zero or more body
/// chunks, then the end of the message.
///
/// The delegate must not call `feed` on the same parser from inside these methods.
public protocol RequestParserDelegate: AnyObject {
    /// The head of a request is complete and valid.
    func parser(_ parser: RequestParser, didParseHead head: consuming RequestHead)
    /// Body bytes (de-chunked). May fire many times per message; `chunk` is valid only during the call.
    func parser(_ parser: RequestParser, didReceiveBody chunk: UnsafeRawBufferPointer)
    /// The message (head and body, trailers included) is complete.
    func parserDidCompleteMessage(_ parser: RequestParser)
}
