import CTidegateSystem

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
