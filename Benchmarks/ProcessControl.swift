// Starting, waiting for and stopping child processes; every child is registered so that it is
// stopped on exit, including on SIGINT / SIGTERM / SIGHUP.
import Dispatch
import Foundation
import Glibc

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The processes this run started and has not reaped yet.
final class ChildRegistry: @unchecked Sendable {
    static let shared = ChildRegistry()

    private let lock = NSLock()
    private var pids: [pid_t] = []
    private var stopping = false
    private var sources: [any DispatchSourceSignal] = []

    /// Registers a new child; if the run is already being stopped, the child is killed at once.
    func add(_ pid: pid_t) {
        let late = lock.withLock { () -> Bool in
            if stopping { return true }
            pids.append(pid)
            return false
        }
        if late { kill(pid, SIGKILL) }
    }

    func remove(_ pid: pid_t) {
        lock.withLock { pids.removeAll { $0 == pid } }
    }

    var isStopping: Bool { lock.withLock { stopping } }

    /// Once a signal handler is stopping the run, the main thread waits here for its exit().
    func parkIfStopping() {
        guard isStopping else { return }
        while true { sleep(60) }
    }

    /// Stops every registered child (and its descendants), newest first.
    func stopAll() {
        let all = lock.withLock { pids }
        for pid in all.reversed() { Children.terminate(pid) }
    }

    func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in interrupted(by: sig) }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }

    private func interrupted(by sig: Int32) {
        let all = lock.withLock { () -> [pid_t] in
            stopping = true
            return pids
        }
        let list = all.map(String.init).joined(separator: " ")
        FileHandle.standardError.write(Data("\ninterrupted (signal \(sig)): stopping \(all.count) process(es) we started: \(list)\n".utf8))
        stopAll()
        exit(128 + sig)
    }
}

enum Children {
    /// Starts `argv` (looked up in PATH) with stdin from /dev/null and stdout + stderr appended to
    /// `output`, in its own process group, with default signal dispositions and an empty mask.
    static func start(_ argv: [String], output: String) throws -> pid_t {
        ChildRegistry.shared.parkIfStopping()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        ChildRegistry.shared.add(pid)
        return pid
    }

    /// Waits for a child to exit; returns its wait status and resource usage.
    static func wait(_ pid: pid_t) -> (status: Int32, usage: rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        ChildRegistry.shared.remove(pid)
        ChildRegistry.shared.parkIfStopping()
        return (status, usage)
    }

    /// Runs a command to completion and returns its combined output (for version strings).
    static func capture(_ argv: [String], scratch: String) -> String {
        try? FileManager.default.removeItem(atPath: scratch)
        guard let pid = try? start(argv, output: scratch) else { return "" }
        _ = wait(pid)
        let text = (try? String(contentsOfFile: scratch, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: scratch)
        return text
    }

    static func describe(status: Int32) -> String {
        let sig = status & 0x7f
        return sig == 0 ? "exit status \((status >> 8) & 0xff)" : "killed by signal \(sig)"
    }

    static func exitedCleanly(_ status: Int32) -> Bool { status & 0x7f == 0 && (status >> 8) & 0xff == 0 }

    /// TERM to the process and its descendants, up to 5 s grace, then KILL; reaps the child and
    /// returns its wait status (nil if it was not our child any more). The tree is scanned again
    /// during the grace period, so a worker a supervisor starts meanwhile (replacing one that got
    /// TERM before the supervisor did) is stopped too, and anything left in the child's process
    /// group (start() makes one per child) is killed before the child is reaped.
    @discardableResult
    static func terminate(_ root: pid_t) -> Int32? {
        var tree = ProcFS.treePids(root)
        for pid in tree { kill(pid, SIGTERM) }
        func rescan() {
            for pid in ProcFS.treePids(root) where !tree.contains(pid) {
                tree.append(pid)
                kill(pid, SIGTERM)
            }
        }
        var waited = 0
        while waited < 50 && tree.contains(where: ProcFS.isRunning) {
            usleep(100_000)
            waited += 1
            rescan()
        }
        rescan()
        for pid in tree where ProcFS.isRunning(pid) { kill(pid, SIGKILL) }
        // Only while `root` is still our unreaped child: its process-group id cannot have been reused.
        var info = siginfo_t()
        if waitid(P_PID, id_t(root), &info, WEXITED | WNOHANG | WNOWAIT) == 0 { kill(-root, SIGKILL) }
        var status: Int32 = 0
        var reaped = waitpid(root, &status, 0)
        while reaped == -1 && errno == EINTR { reaped = waitpid(root, &status, 0) }
        ChildRegistry.shared.remove(root)
        return reaped == root ? status : nil
    }
}

enum Host {
    /// Raises the soft open-files limit to the hard limit; returns the new soft limit.
    @discardableResult
    static func raiseFileLimit() -> UInt {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return UInt(limit.rlim_cur)
    }

    /// Pins the calling (main) thread, and so what it starts later, to one CPU.
    static func pinSelf(toCPU cpu: Int) {
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in
            guard cpu / 8 < bytes.count else { return }
            bytes[cpu / 8] = UInt8(1 << (cpu % 8))
        }
        // sched_setaffinity is hidden behind _GNU_SOURCE in the Glibc module: look it up.
        typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "sched_setaffinity") else { return }
        let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
        _ = withUnsafeBytes(of: &set) { setAffinity(0, $0.count, $0.baseAddress!) }
    }

    static var onlineCPUs: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The CPUs this process may run on, as taskset -c takes them ("0-1"); call before pinSelf.
    static func allowedCPUList() -> String? {
        for line in (ProcFS.read("/proc/self/status") ?? "").split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
            return list.isEmpty ? nil : list
        }
        return nil
    }

    /// Number of CPUs in a list like "0-3,6".
    static func count(cpuList: String) -> Int {
        cpuList.split(separator: ",").reduce(0) { sum, item in
            let bounds = item.split(separator: "-").compactMap { Int($0) }
            return sum + (bounds.count == 2 ? max(bounds[1] - bounds[0] + 1, 0) : bounds.count == 1 ? 1 : 0)
        }
    }

    /// An executable named `name` in PATH or in the sbin folders.
    static func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        return nil
    }

    /// The nearest folder at or above the current directory that holds Package.swift.
    static func packageRoot() -> String? {
        var url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }
}
