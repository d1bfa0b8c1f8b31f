import CTidegateSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Polls files (by default every second) and calls back when any of them changes.
///
/// A change is a different device/inode, size or modification time of the file reached by following
/// symlinks, which catches Kubernetes Secret volume updates (an atomic `..data` symlink swap) as well as
/// in-place rewrites. The callback runs on the watcher's thread; typically it calls
/// `ReloadableTLSContext.reload()` and logs a refused pair.
public final class CertificateFileWatcher: Sendable {
    private let stopFD: Int32
    private let thread: Mutex<PosixThread?> = Mutex(nil)

    public init(
        paths: [String], interval: Duration = .seconds(1), onChange: @escaping @Sendable () -> Void
    ) throws(TransportError) {
        stopFD = tg_eventfd_create()
        guard stopFD >= 0 else { throw .systemCallFailed(call: "eventfd", errno: tg_errno()) }
        let stopFD = stopFD
        let milliseconds = Int32(clamping: max(1, interval.nanoseconds / 1_000_000))
        // Taken before the thread starts, so a change right after init is never mistaken for the baseline.
        let baseline = paths.map(Self.fingerprint)
        let worker = try PosixThread.spawn {
            var seen = baseline
            var wake = pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)
            while poll(&wake, 1, milliseconds) == 0 || wake.revents == 0 {
                let current = paths.map(Self.fingerprint)
                if current != seen {
                    seen = current
                    onChange()
                }
            }
        }
        thread.withLock { $0 = worker }
    }

    struct Fingerprint: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    static func fingerprint(_ path: String) -> Fingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Fingerprint(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
    }

    public func stop() {
        let worker = thread.withLock { current -> PosixThread? in
            defer { current = nil }
            return current
        }
        guard let worker else { return }
        _ = tg_eventfd_signal(stopFD)
        worker.join()
        close(stopFD)
    }

    deinit { stop() }
}

import Logging

extension ReloadableTLSContext {
    /// Watches the current certificate and key files and reloads when either changes. A broken pair
    /// is logged and refused; the previous certificate keeps serving. `onReload` sees each outcome
    /// (nil: reloaded) so the server can count reloads. Keep the returned watcher alive.
    public func watchFiles(
        interval: Duration = .seconds(1), logger: Logger,
        onReload: @escaping @Sendable (TransportError?) -> Void = { _ in }
    ) throws(TransportError) -> CertificateFileWatcher {
        let config = current.configuration
        return try CertificateFileWatcher(paths: [config.certificateChainFile, config.privateKeyFile], interval: interval) {
            [weak self] in
            guard let self else { return }
            do throws(TransportError) {
                try self.reload()
                logger.info("TLS certificate reloaded", metadata: ["certificate": "\(config.certificateChainFile)"])
                onReload(nil)
            } catch {
                logger.error("TLS certificate reload refused; keeping the previous one", metadata: ["error": "\(error)"])
                onReload(error)
            }
        }
    }
}
