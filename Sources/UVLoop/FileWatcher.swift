import CLibUV

/// Watches a file or directory for changes (`uv_fs_event`, inotify). Loop thread only.
public final class FileWatcher {
    private var handle: UnsafeMutablePointer<uv_fs_event_t>?
    private let callback: (_ filename: String?) -> Void

    public init(loop: EventLoop, path: String, _ callback: @escaping (_ filename: String?) -> Void) throws(UVError) {
        self.callback = callback
        let handle = Handle.allocate(uv_fs_event_t.self)
        uv_fs_event_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_fs_event_start(
            handle,
            { handle, filename, _, status in
                guard status >= 0, let watcher = Handle.owner(Handle.base(handle!), as: FileWatcher.self) else { return }
                watcher.callback(filename.map { String(cString: $0) })
            }, path, 0)
        if result < 0 {
            Handle.close(handle)
            throw UVError(result)
        }
        uv_unref(Handle.base(handle))
        self.handle = handle
    }

    public func close() {
        guard let handle else { return }
        self.handle = nil
        Handle.close(handle)
    }
}
