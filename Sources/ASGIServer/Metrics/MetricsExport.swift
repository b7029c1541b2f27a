import CoreMetrics
import Prometheus

/// The process's Prometheus text: the server's own metrics (``ServerMetrics``), whatever reached
/// swift-metrics (a handler's own `Counter` or `Timer`, the Redis client's counters) and the
/// process's resident memory. With `--workers` the supervisor asks every worker for its text over
/// the control channel and adds them up (``merge(_:)``).
enum MetricsExport {
    /// The registry swift-metrics reports to. The first server with metrics bootstraps
    /// swift-metrics with a `PrometheusMetricsFactory` on a registry of its own; a process that
    /// bootstrapped a Prometheus factory itself has that one's registry used; any other backend
    /// is left alone (nil: only the server's own metrics are exported).
    static let registry: PrometheusCollectorRegistry? = {
        let current = MetricsSystem.factory
        if let prometheus = current as? PrometheusMetricsFactory { return prometheus.registry }
        guard current is NOOPMetricsHandler else { return nil }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Everything this process exports. Loop thread of `core`.
    static func render(_ core: ServerCore) -> String {
        var out = ""
        core.metrics?.render(
            activeRequests: core.activeRequests, openConnections: core.connectionCount,
            openWebSockets: core.webSocketCount, into: &out)
        if let registry { out += String(decoding: registry.emitToBuffer(), as: UTF8.self) }
        ServerMetrics.gauge(
            "process_resident_memory_bytes", "Resident memory (summed over the supervisor and its workers).",
            ServerMetrics.residentMemoryBytes(), into: &out)
        return out
    }

    /// The sum of several processes' texts: samples of the same series are added (counters,
    /// gauges, histogram buckets alike), each family keeps its first `# HELP`/`# TYPE`, and the
    /// families stay in the order first seen with their samples together.
    static func merge(_ texts: [String]) -> String {
        var order: [String] = []
        var families: [String: Family] = [:]
        for text in texts {
            var family = ""
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                    let name = String(line.dropFirst(7).prefix { $0 != " " })
                    family = name
                    if families[name] == nil {
                        families[name] = Family()
                        order.append(name)
                    }
                    if line.hasPrefix("# HELP "), families[name]!.help == nil { families[name]!.help = String(line) }
                    if line.hasPrefix("# TYPE "), families[name]!.type == nil { families[name]!.type = String(line) }
                    continue
                }
                if line.hasPrefix("#") { continue }
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                let series = String(line[..<space])
                if family.isEmpty || !series.hasPrefix(family) {
                    family = String(series.prefix { $0 != "{" })
                    if families[family] == nil {
                        families[family] = Family()
                        order.append(family)
                    }
                }
                families[family]!.add(series, value)
            }
        }
        var out = ""
        for name in order {
            guard let family = families[name] else { continue }
            if let help = family.help { out += help + "\n" }
            if let type = family.type { out += type + "\n" }
            for series in family.order { out += "\(series) \(format(family.values[series]!))\n" }
        }
        return out
    }

    private struct Family {
        var help: String?
        var type: String?
        var order: [String] = []
        var values: [String: Double] = [:]

        mutating func add(_ series: String, _ value: Double) {
            if let old = values[series] {
                values[series] = old + value
            } else {
                values[series] = value
                order.append(series)
            }
        }
    }

    private static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 9e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// One line for the control channel: backslashes and newlines escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 64)
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ line: Substring) -> String {
        var out = ""
        var escaped = false
        for character in line {
            if escaped {
                out.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
