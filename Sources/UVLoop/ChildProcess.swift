import CLibUV
import Glibc

/// A child process started with `uv_spawn`, with a duplex pipe on its file descriptor 3 (the
/// worker channel) and optional inherited descriptors from 4 on. stdin/stdout/stderr are inherited. The exit callback runs on the loop thread.
public final class ChildProcess {
    private var handle: UnsafeMutablePointer<uv_process_t>?
    /// The parent's end of the child's fd 3.
    public let channel: Stream
    public let pid: Int32
    private var onExit: ((_ status: Int64, _ signal: Int32) -> Void)?
    public private(set) var hasExited = false

    /// Spawns `executable` with `arguments` (not including argv[0]) and `environment`
    /// (`NAME=value` strings; nil inherits ours).
    public init(
        loop: EventLoop, executable: String, arguments: [String], environment: [String]?,
        inheritedFileDescriptors: [Int32] = [],
        onExit: @escaping (_ status: Int64, _ signal: Int32) -> Void
    ) throws(UVError) {
        let pipe = Handle.allocate(uv_pipe_t.self)
        uv_pipe_init(loop.raw, pipe, 0)
        let pipeStream = UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self)
        channel = Stream(loop: loop, kind: .pipe, handle: pipeStream)
        self.onExit = onExit
        let process = Handle.allocate(uv_process_t.self)

        // fds 0-2 inherited, 3 the channel, 4... the inherited descriptors in order.
        var stdio = [uv_stdio_container_t](repeating: uv_stdio_container_t(), count: 4 + inheritedFileDescriptors.count)
        for (i, fd) in inheritedFileDescriptors.enumerated() {
            stdio[4 + i].flags = UV_INHERIT_FD
            stdio[4 + i].data.fd = fd
        }
        for fd in 0..<3 {
            stdio[fd].flags = UV_INHERIT_FD
            stdio[fd].data.fd = Int32(fd)
        }
        stdio[3].flags = uv_stdio_flags(UV_CREATE_PIPE.rawValue | UV_READABLE_PIPE.rawValue | UV_WRITABLE_PIPE.rawValue)
        stdio[3].data.stream = pipeStream

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp ?? [] { free(pointer) }
        }
        var options = uv_process_options_t()
        options.file = UnsafePointer(argv[0])
        options.exit_cb = { process, status, signal in
            guard let process, let data = process.pointee.data else { return }
            let child = Unmanaged<ChildProcess>.fromOpaque(data).takeUnretainedValue()
            child.exited(status: status, signal: signal)
        }
        let result = stdio.withUnsafeMutableBufferPointer { stdioBuffer -> Int32 in
            var argv = argv
            return argv.withUnsafeMutableBufferPointer { argvBuffer -> Int32 in
                options.args = argvBuffer.baseAddress
                options.stdio_count = Int32(stdioBuffer.count)
                options.stdio = stdioBuffer.baseAddress
                if var envp {
                    return envp.withUnsafeMutableBufferPointer { envBuffer in
                        options.env = envBuffer.baseAddress
                        return uv_spawn(loop.raw, process, &options)
                    }
                }
                return uv_spawn(loop.raw, process, &options)
            }
        }
        if result < 0 {
            channel.close()
            // A process handle that failed to spawn is still initialised and must be closed.
            Handle.close(process)
            throw UVError(result)
        }
        pid = process.pointee.pid
        process.pointee.data = Unmanaged.passRetained(self).toOpaque()
        handle = process
    }

    /// Sends a signal to the child (no-op after it exited).
    public func kill(_ signal: Int32) {
        guard let handle, !hasExited else { return }
        uv_process_kill(handle, signal)
    }

    private func exited(status: Int64, signal: Int32) {
        hasExited = true
        let callback = onExit
        onExit = nil
        if let handle {
            self.handle = nil
            Handle.close(handle)  // releases the retained self in the close callback
        }
        callback?(status, signal)
    }
}

extension Stream {
    /// Opens an inherited pipe/socket file descriptor (a worker's fd 3) as a stream.
    public static func openPipe(loop: EventLoop, fileDescriptor fd: Int32) throws(UVError) -> Stream {
        let pipe = Handle.allocate(uv_pipe_t.self)
        uv_pipe_init(loop.raw, pipe, 0)
        let result = uv_pipe_open(pipe, fd)
        let stream = Stream(loop: loop, kind: .pipe, handle: UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self))
        if result < 0 {
            stream.close()
            throw UVError(result)
        }
        return stream
    }

    /// Lets the loop exit even while this stream is open (a control channel).
    public func unref() {
        uv_unref(Handle.base(handle))
    }
}
