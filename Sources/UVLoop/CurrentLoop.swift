import CLibUV

/// The loop of the current thread, kept in a pthread key (Swift has no thread-locals).
enum CurrentLoop {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static func get() -> EventLoop? {
        guard let value = pthread_getspecific(key) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(value).takeUnretainedValue()
    }

    static func set(_ loop: EventLoop?) {
        pthread_setspecific(key, loop.map { Unmanaged.passUnretained($0).toOpaque() })
    }
}
