/// Lays out a command's arguments for `redisAsyncCommandArgv`: one contiguous copy of the bytes
/// plus pointer and length arrays, on the stack when small. hiredis copies them into its output
/// buffer during the call, so nothing outlives `body`.
enum Argv {
    static func with<R>(
        _ args: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var total = 0
        for arg in args { total += arg.count }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(total, 1)) { bytes in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(args.count, 1)) { pointers in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: max(args.count, 1)) { lengths in
                    let base = bytes.baseAddress!
                    var offset = 0
                    for (index, arg) in args.enumerated() {
                        arg.withUnsafeBytes { source in
                            if let address = source.baseAddress, source.count > 0 {
                                UnsafeMutableRawPointer(base + offset).copyMemory(from: address, byteCount: source.count)
                            }
                        }
                        pointers[index] = UnsafePointer(base + offset)
                        lengths[index] = arg.count
                        offset += arg.count
                    }
                    return body(Int32(args.count), pointers.baseAddress!, UnsafePointer(lengths.baseAddress!))
                }
            }
        }
    }
}
