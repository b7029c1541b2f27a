import Glibc

/// The process environment as an ordered `NAME=value` list that can be edited and passed to a child.
struct ProcessEnvironment {
    private(set) var strings: [String]

    static func current() -> ProcessEnvironment {
        var strings: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            strings.append(String(cString: entry))
            pointer += 1
        }
        return ProcessEnvironment(strings: strings)
    }

    mutating func set(_ name: String, _ value: String) {
        strings.removeAll { $0.hasPrefix(name + "=") }
        strings.append("\(name)=\(value)")
    }

    static func get(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
