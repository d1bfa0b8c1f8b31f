#if canImport(Glibc)
import Glibc
#endif

/// One object per thread: what an event-loop thread keeps for the length of a turn (its log
/// lines, the values whose release waits), reachable from code that is not handed the loop.
final class ThreadSlot<Value: AnyObject>: Sendable {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
    }

    /// The calling thread's object, if one was installed.
    var current: Value? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Value>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Gives the calling thread `value` (retained until `uninstall`).
    func install(_ value: Value) {
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
    }

    func uninstall() {
        guard let raw = pthread_getspecific(key) else { return }
        pthread_setspecific(key, nil)
        Unmanaged<Value>.fromOpaque(raw).release()
    }
}
