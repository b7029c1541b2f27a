import CLibUV
import Glibc

/// A regular file opened for reading, with what `fstat` said of it. The descriptor is closed
/// when the last reference goes, so several sends (and ``OpenFileCache``) can share one.
public final class OpenedFile: Sendable {
    /// The open descriptor (`O_RDONLY | O_CLOEXEC | O_NONBLOCK`), owned by this object.
    public let descriptor: Int32
    public let size: Int
    /// Modification time, seconds since 1970.
    public let modified: Int

    public init(descriptor: Int32, size: Int, modified: Int) {
        self.descriptor = descriptor
        self.size = size
        self.modified = modified
    }

    deinit { Glibc.close(descriptor) }
}

extension EventLoop {
    /// Opens `path` and `fstat`s it on libuv's thread pool, so the loop never waits for the disk;
    /// resumes on the loop. Only regular files: anything else fails with `EISDIR` (directory) or
    /// `EINVAL` (device, FIFO, socket). Loop thread only.
    public func openRegularFile(_ path: String) async -> Result<OpenedFile, UVError> {
        await withUnsafeContinuation { continuation in
            let job = FileOpenJob(path: path, continuation: continuation)
            let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
            request.pointee.data = Unmanaged.passRetained(job).toOpaque()
            let result = uv_queue_work(
                raw, request,
                { request in
                    Unmanaged<FileOpenJob>.fromOpaque(request!.pointee.data).takeUnretainedValue().run()
                },
                { request, status in
                    let job = Unmanaged<FileOpenJob>.fromOpaque(request!.pointee.data).takeRetainedValue()
                    request!.deallocate()
                    job.complete(status: status)
                })
            if result < 0 {
                Unmanaged<FileOpenJob>.fromOpaque(request.pointee.data).release()
                request.deallocate()
                continuation.resume(returning: .failure(UVError(result)))
            }
        }
    }
}

/// One `openRegularFile` call: the pool thread fills the outcome, the loop thread reads it after
/// libuv's completion callback (which orders the two).
private final class FileOpenJob {
    let path: String
    let continuation: UnsafeContinuation<Result<OpenedFile, UVError>, Never>
    var outcome: Result<OpenedFile, UVError> = .failure(.canceled)

    init(path: String, continuation: UnsafeContinuation<Result<OpenedFile, UVError>, Never>) {
        self.path = path
        self.continuation = continuation
    }

    /// On a pool thread.
    func run() {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { outcome = .failure(UVError(-errno)); return }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            outcome = .failure(UVError(-errno))
            Glibc.close(descriptor)
            return
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            Glibc.close(descriptor)
            outcome = .failure(UVError(kind == S_IFDIR ? -EISDIR : -EINVAL))
            return
        }
        outcome = .success(OpenedFile(descriptor: descriptor, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec)))
    }

    /// On the loop thread.
    func complete(status: Int32) {
        continuation.resume(returning: status < 0 ? .failure(UVError(status)) : outcome)
    }
}
