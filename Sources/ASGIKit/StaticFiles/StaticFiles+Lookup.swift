import ASGI
import Glibc

extension StaticFiles {
    /// A file found for a request: where it really is and what `stat` said.
    struct FoundFile: Sendable {
        let path: String
        let size: Int
        let modifiedSeconds: Int
        let modifiedNanoseconds: Int
    }

    enum Lookup: Sendable {
        case file(FoundFile)
        /// A folder asked for without its trailing slash (`html: true`).
        case redirect
        /// Nothing to serve; with `html: true` the root's `404.html` when it exists.
        case notFound(FoundFile?)
    }

    /// On a pool thread: checks the segments, resolves symlinks, keeps to the root, stats.
    func lookup(_ relative: [UInt8]) -> Lookup {
        guard let segments = Self.safeSegments(relative) else { return notFound() }
        let trailingSlash = relative.last == UInt8(ascii: "/")
        let candidate = segments.isEmpty ? root : root + "/" + segments.joined(separator: "/")
        guard let (path, info) = resolve(candidate) else { return notFound() }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return .file(Self.found(path, info))
        case S_IFDIR:
            guard html else { return notFound() }
            guard trailingSlash else { return .redirect }
            guard let (index, indexInfo) = resolve(path + "/index.html"), indexInfo.st_mode & S_IFMT == S_IFREG else {
                return notFound()
            }
            return .file(Self.found(index, indexInfo))
        default:
            return notFound()
        }
    }

    private func notFound() -> Lookup {
        guard html, let (path, info) = resolve(root + "/404.html"), info.st_mode & S_IFMT == S_IFREG else {
            return .notFound(nil)
        }
        return .notFound(Self.found(path, info))
    }

    private static func found(_ path: String, _ info: stat) -> FoundFile {
        FoundFile(
            path: path, size: Int(info.st_size), modifiedSeconds: Int(info.st_mtim.tv_sec),
            modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    /// `realpath` then `stat`; nil when it does not exist or (unless `followSymlinks`) lies outside the root.
    private func resolve(_ candidate: String) -> (String, stat)? {
        guard let resolved = realpath(candidate, nil) else { return nil }
        let path = String(cString: resolved)
        free(resolved)
        if !followSymlinks, path != root, !path.hasPrefix(root == "/" ? "/" : root + "/") { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (path, info)
    }

    /// The decoded segments of a raw path, or nil when one could step outside or is not a plain
    /// name: empty (`//`), `.`, `..`, holding `/` `\` or NUL after decoding, a bad escape, or
    /// bytes that are not valid UTF-8 (overlong forms included). A single trailing slash is allowed.
    static func safeSegments(_ raw: [UInt8]) -> [String]? {
        var parts = raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.first?.isEmpty == true else { return nil }  // must start with "/"
        parts.removeFirst()
        if parts.last?.isEmpty == true { parts.removeLast() }  // "dir/"
        var segments: [String] = []
        for part in parts {
            guard !part.isEmpty else { return nil }
            let bytes: [UInt8]
            if part.contains(UInt8(ascii: "%")) {
                guard let decoded = PercentDecoding.decodeBytes(part, badEscape: .fail) else { return nil }
                bytes = decoded
            } else {
                bytes = Array(part)
            }
            guard !bytes.contains(0), !bytes.contains(UInt8(ascii: "/")), !bytes.contains(UInt8(ascii: "\\")),
                bytes != [UInt8(ascii: ".")], bytes != [UInt8(ascii: "."), UInt8(ascii: ".")],
                let name = String(validating: bytes, as: UTF8.self)
            else { return nil }
            segments.append(name)
        }
        return segments
    }
}
