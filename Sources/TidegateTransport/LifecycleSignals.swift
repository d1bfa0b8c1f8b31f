import CTidegateSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM/SIGINT into a drain request and SIGHUP into a reload request, read from a signalfd
/// on a dedicated thread (so the callbacks run in ordinary thread context, not in a signal handler).
///
/// Create it on the main thread before starting any other thread: it blocks the three signals in the
/// calling thread, and threads created afterwards inherit that mask (event loops block them too).
/// SIGPIPE is ignored.
public final class LifecycleSignals: Sendable {
    private let signalFD: Int32
    private let worker: StoppableThread

    /// `onTerminate` receives the signal number (SIGTERM or SIGINT); `onReload` runs for SIGHUP.
    /// Both run on the watcher thread and may block (e.g. `TransportServer.shutdown`); signals that
    /// arrive meanwhile are handled afterwards.
    public init(
        onTerminate: @escaping @Sendable (Int32) -> Void, onReload: @escaping @Sendable () -> Void
    ) throws(TransportError) {
        tg_ignore_sigpipe()
        signalFD = tg_signalfd_create()
        guard signalFD >= 0 else { throw .systemCallFailed(call: "signalfd", errno: tg_errno()) }
        let signalFD = signalFD
        do throws(TransportError) {
            worker = try StoppableThread { stopFD in
                var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
                while true {
                    _ = poll(&fds, 2, -1)
                    if fds[1].revents != 0 { return }
                    while true {
                        let signo = tg_signalfd_read(signalFD)
                        if signo <= 0 { break }
                        if signo == SIGHUP { onReload() } else { onTerminate(signo) }
                    }
                }
            }
        } catch {
            close(signalFD)
            throw error
        }
    }

    /// Delivers `signo` to the watcher thread as if the process had received it (in-process triggers, tests).
    public func deliver(_ signo: Int32) {
        worker.signal(signo)
    }

    /// Stops watching (signals stay blocked in threads that blocked them).
    public func stop() {
        if worker.stop() { close(signalFD) }
    }

    deinit { stop() }
}
