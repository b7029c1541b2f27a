import Testing

@testable import ASGIKit

@Suite struct PathTableTests {
    @Test func findsEveryKeyAndNothingElse() {
        var entries: [PathKey: Int] = [:]
        let paths = ["", "/", "/a", "/ab", "/b", "/users", "/users/", "/users/new"] + (0..<1000).map { "/p/\($0)" }
        for (index, path) in paths.enumerated() { entries[PathKey(Array(path.utf8))] = index }
        let table = PathTable(entries)
        for (index, path) in paths.enumerated() {
            #expect(table.value(for: Array(path.utf8)) == index, "\(path)")
        }
        for miss in ["/A", "/abc", "/users/ne", "/users/newx", "//", "/p/1000", "/p/-1", "/p/01", "x"] {
            #expect(table.value(for: Array(miss.utf8)) == nil, "\(miss)")
        }
    }

    @Test func anEmptyTableFindsNothing() {
        let table = PathTable<Int>([:])
        #expect(table.value(for: Array("/".utf8)) == nil)
        #expect(table.value(for: []) == nil)
    }

    @Test func tablesAreSeededDifferently() {
        // Two tables of the same keys find the same values whatever their seeds.
        let entries = Dictionary(uniqueKeysWithValues: (0..<64).map { (PathKey(Array("/k\($0)".utf8)), $0) })
        let first = PathTable(entries), second = PathTable(entries)
        for index in 0..<64 {
            #expect(first.value(for: Array("/k\(index)".utf8)) == index)
            #expect(second.value(for: Array("/k\(index)".utf8)) == index)
        }
    }
}
