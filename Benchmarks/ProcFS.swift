// /proc readers: process trees, CPU time, resident memory, load average.
import Foundation
import Glibc

enum ProcFS {
    static let clockTicksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Whole contents of a small file (procfs files report size 0, so read until EOF).
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = read("/proc/\(pid)/stat"), let paren = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: paren)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        guard let state = statFields(pid)?.first else { return false }
        return state != "Z" && state != "X"
    }

    /// `root` and all its descendants (by parent PID); empty if `root` does not exist.
    static func treePids(_ root: pid_t) -> [pid_t] {
        guard statFields(root) != nil else { return [] }
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let fields = statFields(pid), fields.count > 1,
                let parent = pid_t(fields[1])
            else { continue }
            children[parent, default: []].append(pid)
        }
        var out: [pid_t] = []
        var todo = [root]
        while let pid = todo.popLast() {
            out.append(pid)
            todo += children[pid] ?? []
        }
        return out
    }

    /// utime + stime (clock ticks) summed over `pids`.
    static func cpuTicks(_ pids: [pid_t]) -> Int {
        pids.reduce(0) { sum, pid in
            guard let f = statFields(pid), f.count > 12, let user = Int(f[11]), let system = Int(f[12]) else { return sum }
            return sum + user + system
        }
    }

    static func rssKB(_ pid: pid_t) -> Int {
        guard let status = read("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    static func treeRSSKB(_ root: pid_t) -> Int { treePids(root).reduce(0) { $0 + rssKB($1) } }

    /// Busy clock ticks (user, nice, system, irq, softirq, steal) summed over `cpus`, from /proc/stat.
    static func cpuBusyTicks(_ cpus: [Int]) -> Int {
        var total = 0
        for line in (read("/proc/stat") ?? "").split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard let cpu = Int(fields[0].dropFirst(3)), cpus.contains(cpu), fields.count > 8 else { continue }
            let values = fields[1...8].compactMap { Int($0) }
            guard values.count == 8 else { continue }
            total += values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
        }
        return total
    }

    /// "1m 5m 15m" load averages.
    static func loadAverage() -> String {
        (read("/proc/loadavg") ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
