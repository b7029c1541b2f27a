import ASGI
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
            "timeout-keep-alive", "timeout-header", "timeout-body-read", "timeout-send", "open-file-cache", "metrics-port", "metrics-host",
            "timeout-graceful-shutdown", "timeout-worker-healthcheck",
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
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            pointer += 1
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    /// `--env-file PATH` (uvicorn's flag), found in `arguments` before they are parsed: the file's
    /// `KEY=VALUE` lines are put into the process environment where the variable is not set
    /// already, so the command line wins over the environment, which wins over the file; the
    /// application (and every worker) sees the file's other variables too. Returns the path
    /// loaded, nil without the flag. Throws ``EnvironmentFileError`` for a file that cannot be
    /// read or a line that is not an assignment.
    @discardableResult
    public static func loadEnvironmentFile(arguments: [String]) throws -> String? {
        var path: String?
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == "--env-file", index + 1 < arguments.endIndex {
                path = arguments[index + 1]
                index += 1
            } else if argument.hasPrefix("--env-file=") {
                path = String(argument.dropFirst("--env-file=".count))
            }
            index += 1
        }
        guard let path else { return nil }
        for (name, value) in try EnvironmentFile.read(path) where getenv(name) == nil {
            setenv(name, value, 0)
        }
        return path
    }
}

/// A dotenv-style file: `KEY=VALUE` per line, optionally `export KEY=VALUE`; blank lines and
/// lines starting with `#` are skipped; a value in single quotes is taken as it is, one in double
/// quotes understands `\n`, `\t`, `\"` and `\\`; an unquoted value ends at ` #` and is trimmed.
public enum EnvironmentFile {
    public static func read(_ path: String) throws -> [(name: String, value: String)] {
        guard let file = fopen(path, "r") else {
            throw EnvironmentFileError(path: path, line: 0, message: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String = "") throws -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(String(rawLine.trimmingSpaces))
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = Substring(String(line.dropFirst(7).trimmingSpaces)) }
            guard let equals = line.firstIndex(of: "=") else {
                throw EnvironmentFileError(path: path, line: number + 1, message: "expected KEY=VALUE")
            }
            let name = String(line[..<equals].trimmingSpaces)
            guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
                name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else {
                throw EnvironmentFileError(path: path, line: number + 1, message: "'\(name)' is not a variable name")
            }
            let rest = String(line[line.index(after: equals)...].trimmingSpaces)
            guard let value = unquote(rest) else {
                throw EnvironmentFileError(path: path, line: number + 1, message: "unterminated quote")
            }
            result.append((name, value))
        }
        return result
    }

    private static func unquote(_ value: String) -> String? {
        if value.hasPrefix("'") {
            guard value.count >= 2, value.hasSuffix("'") else { return nil }
            return String(value.dropFirst().dropLast())
        }
        if value.hasPrefix("\"") {
            var out = ""
            var escaped = false
            for character in value.dropFirst() {
                if escaped {
                    switch character {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(character)
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    return out
                } else {
                    out.append(character)
                }
            }
            return nil
        }
        if let comment = value.firstRange(of: " #") { return String(value[..<comment.lowerBound].trimmingSpaces) }
        return value
    }
}

/// An `--env-file` that cannot be used: where and why.
public struct EnvironmentFileError: Error, CustomStringConvertible {
    public let path: String
    /// 1-based; 0 when the file itself could not be read.
    public let line: Int
    public let message: String
    public var description: String { line == 0 ? "--env-file \(path): \(message)" : "--env-file \(path):\(line): \(message)" }
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
