import Glibc

extension ServerOptions {
    /// Environment variables read as flags. Every option has one: `SWIFTASGI_` + the long name in
    /// upper snake case (`--timeout-keep-alive` → `SWIFTASGI_TIMEOUT_KEEP_ALIVE`), plus uvicorn's
    /// and gunicorn's `WEB_CONCURRENCY` and `FORWARDED_ALLOW_IPS`. Boolean flags take
    /// `1/true/yes/on` or `0/false/no/off`. Flags on the command line win over the environment.
    public static let environmentNames: [(variable: String, flag: String, isBoolean: Bool)] = {
        let options = [
            "host", "port", "uds", "fd", "workers", "backlog", "log-level", "access-log-format",
            "forwarded-allow-ips", "limit-concurrency", "limit-max-connections", "limit-max-requests", "limit-max-requests-jitter",
            "timeout-keep-alive", "timeout-header", "timeout-body-read", "timeout-send", "open-file-cache", "timeout-graceful-shutdown", "timeout-worker-healthcheck",
            "max-header-size", "root-path", "lifespan", "header", "reload-dir",
            "ws", "ws-max-size", "ws-max-queue", "ws-ping-interval", "ws-ping-timeout",
        ]
        let flags = ["access-log", "proxy-headers", "server-header", "date-header", "reload", "ws-per-message-deflate"]
        func variable(_ flag: String) -> String {
            "SWIFTASGI_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
        }
        return options.map { (variable($0), $0, false) } + flags.map { (variable($0), $0, true) }
            + [("WEB_CONCURRENCY", "workers", false), ("FORWARDED_ALLOW_IPS", "forwarded-allow-ips", false)]
    }()

    /// The flags the environment asks for, to be placed BEFORE the command-line arguments (the
    /// last occurrence of an option wins). Throws a message for an unreadable boolean.
    public static func environmentArguments(_ environment: [String: String]) throws -> [String] {
        var arguments: [String] = []
        for (variable, flag, isBoolean) in environmentNames {
            guard let value = environment[variable], !value.isEmpty else { continue }
            if isBoolean {
                switch value.lowercased() {
                case "1", "true", "yes", "on": arguments.append("--\(flag)")
                case "0", "false", "no", "off":
                    if flag != "reload" { arguments.append("--no-\(flag)") }
                default: throw EnvironmentError(variable: variable, value: value)
                }
            } else if flag == "header" || flag == "reload-dir" {
                // Several values, separated by ';' (a header value may contain commas).
                for item in value.split(separator: ";") { arguments += ["--\(flag)", String(item)] }
            } else {
                arguments += ["--\(flag)", value]
            }
        }
        return arguments
    }

    /// The process environment as a dictionary.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        for entry in ProcessEnvironment.current().strings {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            result[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return result
    }
}

/// An environment variable that cannot be read as its flag.
public struct EnvironmentError: Error, CustomStringConvertible {
    public let variable: String
    public let value: String
    public var description: String { "\(variable)=\(value): expected 1/true/yes/on or 0/false/no/off" }
}

extension String {
    func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
