// Installing and building the websocket and static scenarios' peers, outside the main package:
// - uvicorn, granian and Starlette in a Python venv (--venv), created with `python3 -m venv` and
//   filled by pip from PyPI with the versions pinned below (the anchors' versions, plus websockets
//   and Starlette);
// - the Hummingbird-websocket echo server, its own SwiftPM package in Benchmarks/Peers/hummingbird-ws
//   (excluded from the main package's Benchmarks target), copied to --hb-dir and built there with `swift build -c release` when the copies differ or the binary
//   is missing (the first build takes minutes and loads both cores: it runs before any load).
// Benchmarks/Peers/ws_echo.py and static_starlette.py are used in place (PYTHONPATH).
import Foundation
import Glibc

struct PeerPaths: Sendable {
    var python: String?
    var granian: String?
    var appDir: String?
    var hummingbird: String?
}

enum PeerSetup {
    static let pythonPackages = [
        "uvicorn==0.54.0", "websockets==17.4", "uvloop==0.23.0", "httptools==0.9.0", "granian==2.8.7",
        "starlette==1.10.0",
    ]
    static let pythonImports = "import uvicorn, websockets, uvloop, httptools, granian"
    /// Checked only when the static scenario runs: a venv made before Starlette was added still
    /// serves the websocket scenario as it is (no pip run, so no network needed).
    static let starletteImport = ", starlette"

    /// Benchmarks/Peers of the package this run is started from.
    static func peersDir() -> String? {
        guard let root = Host.packageRoot() else { return nil }
        let dir = "\(root)/Benchmarks/Peers"
        return FileManager.default.fileExists(atPath: "\(dir)/ws_echo.py") ? dir : nil
    }

    /// Prepares what `roles` need (`starlette`: the static scenario's uvicorn app); each peer that
    /// cannot be had is reported through `fail`.
    static func prepare(
        _ roles: [ServerRole], options: Options, starlette: Bool = false,
        fail: (ServerRole, String) -> Void
    ) -> PeerPaths {
        var paths = PeerPaths()
        let python = roles.filter { $0 == .uvicorn || $0 == .granian }
        if !python.isEmpty {
            switch preparePython(options, starlette: starlette) {
            case .success(let (interpreter, granian, app)):
                paths.python = interpreter
                paths.granian = granian
                paths.appDir = app
            case .failure(let error):
                for role in python { fail(role, "\(error)") }
            }
        }
        if roles.contains(.hummingbirdWS) {
            switch prepareHummingbird(options) {
            case .success(let binary): paths.hummingbird = binary
            case .failure(let error): fail(.hummingbirdWS, "\(error)")
            }
        }
        return paths
    }

    static func run(_ argv: [String], log: String, cwd: String? = nil) -> Int32 {
        var command = argv
        if let cwd { command = ["env", "-C", cwd] + argv }
        guard let pid = try? Children.start(command, output: log) else { return -1 }
        let status = Children.wait(pid).status
        return Children.exitedCleanly(status) ? 0 : max((status >> 8) & 0xff, 1)
    }

    static func preparePython(_ options: Options, starlette: Bool) -> Result<(String, String, String), BenchError> {
        guard let app = peersDir() else {
            return .failure(BenchError("Benchmarks/Peers/ws_echo.py not found: run from the package root"))
        }
        let venv = options.venv
        let python = "\(venv)/bin/python"
        let log = "\(options.runDir)/venv-setup.log"
        let check = [python, "-c", pythonImports + (starlette ? starletteImport : "")]
        if run(check, log: log) != 0 {
            guard options.installPeers else {
                return .failure(BenchError("\(venv) lacks uvicorn/granian\(starlette ? "/starlette" : "") and --no-install was given"))
            }
            print("--- creating the Python venv \(venv): pip install \(pythonPackages.joined(separator: " "))")
            if !FileManager.default.isExecutableFile(atPath: python) {
                guard let python3 = Host.which("python3") else { return .failure(BenchError("python3 is not installed")) }
                guard run([python3, "-m", "venv", venv], log: log) == 0 else {
                    return .failure(BenchError("python3 -m venv \(venv) failed\(ServerLauncher.logTail(log))"))
                }
            }
            guard run([python, "-m", "pip", "install", "-q"] + pythonPackages, log: log) == 0, run(check, log: log) == 0 else {
                return .failure(BenchError("pip install into \(venv) failed\(ServerLauncher.logTail(log))"))
            }
        }
        let granian = "\(venv)/bin/granian"
        guard FileManager.default.isExecutableFile(atPath: granian) else {
            return .failure(BenchError("\(granian) missing"))
        }
        return .success((python, granian, app))
    }

    static func prepareHummingbird(_ options: Options) -> Result<String, BenchError> {
        guard let peers = peersDir() else {
            return .failure(BenchError("Benchmarks/Peers not found: run from the package root"))
        }
        let dir = options.hbDir
        let binary = "\(dir)/.build/release/HBWSEcho"
        let copies = [
            ("\(peers)/hummingbird-ws/Package.swift", "\(dir)/Package.swift"),
            ("\(peers)/hummingbird-ws/Sources/HBWSEcho/main.swift", "\(dir)/Sources/HBWSEcho/main.swift"),
        ]
        let fm = FileManager.default
        let changed = copies.contains { fm.contents(atPath: $0.0) != fm.contents(atPath: $0.1) }
        if !changed && fm.isExecutableFile(atPath: binary) { return .success(binary) }
        guard options.installPeers else {
            return fm.isExecutableFile(atPath: binary)
                ? .success(binary)
                : .failure(BenchError("\(binary) is not built and --no-install was given"))
        }
        do {
            try fm.createDirectory(atPath: "\(dir)/Sources/HBWSEcho", withIntermediateDirectories: true)
            for (source, target) in copies {
                try? fm.removeItem(atPath: target)
                try fm.copyItem(atPath: source, toPath: target)
            }
        } catch {
            return .failure(BenchError("cannot prepare \(dir): \(error)"))
        }
        guard let swift = Host.which("swift") else { return .failure(BenchError("swift is not in PATH")) }
        let log = "\(dir)/build.log"
        try? fm.removeItem(atPath: log)
        print("--- building the Hummingbird WebSocket peer (release) in \(dir) (minutes the first time; log \(log))")
        // unpinned: the driver is pinned to the client CPU and its children inherit that
        guard run(["taskset", "-c", options.allCPUs, swift, "build", "-c", "release"], log: log, cwd: dir) == 0,
            fm.isExecutableFile(atPath: binary)
        else {
            return .failure(BenchError("swift build -c release in \(dir) failed\(ServerLauncher.logTail(log))"))
        }
        return .success(binary)
    }
}
