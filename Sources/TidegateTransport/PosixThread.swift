import CTidegateSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread running a Swift closure (event loops must not run on the cooperative pool).
struct PosixThread: @unchecked Sendable {
    let handle: pthread_t

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    // A static C entry point: closures written inline at call sites can pick up actor isolation.
    private static let entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { raw in
        let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
        // Lifecycle signals are read through a signalfd; no worker thread may take them.
        _ = tg_block_lifecycle_signals()
        body.run()
        return nil
    }

    static func spawn(_ run: @escaping @Sendable () -> Void) throws(TransportError) -> PosixThread {
        var handle = pthread_t()
        let box = Unmanaged.passRetained(Body(run)).toOpaque()
        let rc = pthread_create(&handle, nil, entry, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw .systemCallFailed(call: "pthread_create", errno: rc)
        }
        return PosixThread(handle: handle)
    }

    func join() { pthread_join(handle, nil) }
}

/// A background thread that runs until asked to stop: its body gets an eventfd that becomes
/// readable on `stop()`, to include in whatever it polls. Shared by the file watcher and the
/// signal reader.
final class StoppableThread: Sendable {
    private let stopFD: Int32
    private let thread: Mutex<PosixThread?> = Mutex(nil)

    init(_ run: @escaping @Sendable (_ stopFD: Int32) -> Void) throws(TransportError) {
        stopFD = tg_eventfd_create()
        guard stopFD >= 0 else { throw .systemCallFailed(call: "eventfd", errno: tg_errno()) }
        let fd = stopFD
        do throws(TransportError) {
            let worker = try PosixThread.spawn { run(fd) }
            thread.withLock { $0 = worker }
        } catch {
            close(stopFD)
            throw error
        }
    }

    /// Sends `signo` to the thread if it still runs. Under the lock that `stop()` takes, so a
    /// concurrent stop cannot join the thread between the check and the signal.
    func signal(_ signo: Int32) {
        thread.withLock { current in
            if let current { _ = tg_signal_thread(UInt(current.handle), signo) }
        }
    }

    /// Signals the thread and waits for it. True only for the call that stopped it, so owners
    /// release their own resources exactly once.
    @discardableResult
    func stop() -> Bool {
        let worker = thread.withLock { current -> PosixThread? in
            defer { current = nil }
            return current
        }
        guard let worker else { return false }
        _ = tg_eventfd_signal(stopFD)
        worker.join()
        close(stopFD)
        return true
    }
}
