/// Path bytes as a dictionary key, hashed in one `combine(bytes:)` call (`ArraySlice<UInt8>`'s
/// own `hash(into:)` combines byte by byte: four times slower on a typical path).
struct PathKey: Hashable, @unchecked Sendable {
    // Safety: an ArraySlice of UInt8 is a value; it is only read.
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: PathKey, rhs: PathKey) -> Bool {
        lhs.bytes.count == rhs.bytes.count
            && lhs.bytes.withUnsafeBytes { l in rhs.bytes.withUnsafeBytes { r in l.elementsEqual(r) } }
    }
}
